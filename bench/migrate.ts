/**
 * Live migration of the same Linux guest (TCG, 256 MiB, shell console) back and forth between two hosts:
 * two network namespaces joined by a veth pair, the guest's files in a folder both see. First two
 * tsvirtds, then two confined libvirtd 9.0s (each with its own mount and UTS namespace, host UUID and
 * config) in the same namespaces at the same addresses. Each pair migrates the guest idle, then with a
 * memory writer in the guest (16 MiB of its RAM rewritten over and over; --auto-converge on both sides
 * so that it ends). Real virsh drives each migration from the source's namespace with the same flags on
 * both daemons (--live --persistent); the figures are virsh's wall-clock time and the Time elapsed and
 * Total downtime of domjobinfo --completed at the source, with tsvirtd over libvirtd ratios. The two
 * jobs do not start at the same point: libvirt's starts with Begin, so its Time elapsed includes Prepare
 * (the destination's qemu start); tsvirt's starts with Perform. Nor are the downtimes alike: libvirt's
 * runs from the source's stop until its Finish resumed the guest at the destination; tsvirt's is qemu's
 * own. The wall clock is the like-for-like figure. Run as root after the build:
 * `node dist/bench/migrate.js [runs]`. Writes bench/results/migrate.json. A benchmark, not a test:
 * nothing here fails for being slow.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, spawnDetached } from '../src/exec/index.js';
import { killAndWait, waitFor } from '../scripts/loopback-daemon.js';
import { buildLinuxXml } from '../scripts/guests/domain-xml.js';
import { ensureGuests } from '../scripts/guests/paths.js';
import { HAS_QEMU_DRIVER, LIBVIRTD, startLibvirtd } from './libvirtd/confined-libvirtd.js';
import { consoleArgv } from './libvirtd/console.js';
import { figure, formatTable, machine, withRatios, writeResult, type Figure } from './libvirtd/report.js';
import { TSVIRTD_ENTRY } from './libvirtd/tsvirtd.js';

const RUNS = Number(process.argv[2] ?? 6);
const MEM_MIB = 256;
const GUEST = 'mig';

/** Prints tick-N each tenth of a second: the guest's own clock, as the migration tests use it. */
const COUNTER = 'i=0; while :; do echo tick-$i; i=$((i+1)); sleep 0.1; done &\n';
/** Rewrites 16 MiB of guest RAM (its initramfs root) over and over; prints writer-up once it writes. */
const WRITER =
  '(echo 0123456789abcde > /a; for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do cat /a /a > /t; mv /t /a; done;' +
  ' echo writer-up; while :; do cp /a /b; done) &\n';

/** One host of a pair: its namespace and its daemon's URI. */
interface Host {
  ns: string;
  uri: string;
}

/** A pair of hosts running one kind of daemon, and how to stop them. */
interface Pair {
  name: string;
  hosts: [Host, Host];
  stop(): Promise<void>;
}

/** Figures of one pair for one load. */
interface Series {
  wallMs: number[];
  totalMs: number[];
  downtimeMs: number[];
}

async function inNs(ns: string, argv: string[], timeoutMs = 300_000): Promise<string> {
  return (await run(['ip', 'netns', 'exec', ns, ...argv], { timeoutMs })).stdout;
}

/** virsh run in `h`'s namespace against its daemon; stdout, or a thrown error naming stderr. */
function virsh(h: Host, ...args: string[]): Promise<string> {
  return inNs(h.ns, ['virsh', '-c', h.uri, ...args]);
}

/** What the guest prints on its console at `h` during `seconds` (or until `until`), after `input`. */
function consoleAt(h: Host, input: string, seconds: number, until = ''): Promise<string> {
  return inNs(h.ns, consoleArgv(h.uri, GUEST, input, seconds, until), (seconds + 30) * 1000);
}

/** A number domjobinfo prints after `label`, or NaN. */
function readJobField(text: string, label: string): number {
  const m = new RegExp(`${label}:\\s+(\\d+)`).exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

/** A tsvirtd in `ns` listening on `address`, its folder under `dir`. */
async function startTsvirtdHost(ns: string, address: string, dir: string): Promise<Host & { pid: number }> {
  await mkdir(join(dir, 'sock'), { recursive: true });
  await chmod(dir, 0o711);
  const conf = join(dir, 'tsvirtd.conf');
  await writeFile(
    conf,
    `listen_tls = 0\nlisten_tcp = 1\nlisten_addr = "${address}"\nauth_tcp = "none"\nunix_sock_dir = "${join(dir, 'sock')}"\n`,
  );
  const argv = ['ip', 'netns', 'exec', ns, process.execPath, TSVIRTD_ENTRY, '-f', conf, '-l'];
  const { pid } = await spawnDetached([...argv, '--root', join(dir, 'root')], {
    logFile: join(dir, 'tsvirtd.log'),
  });
  const host = { ns, uri: `qemu+tcp://${address}/system`, pid };
  const up = await waitFor(
    async () => (await virsh(host, 'uri').catch(() => undefined)) !== undefined,
    20_000,
  );
  if (!up) throw new Error(`tsvirtd in ${ns} did not come up; see ${join(dir, 'tsvirtd.log')}`);
  return host;
}

async function startTsvirtdPair(nets: string[], addresses: string[], base: string): Promise<Pair> {
  const started: Array<Host & { pid: number }> = [];
  const stop = async (): Promise<void> => {
    for (const h of started) await killAndWait(h.pid, 10_000).catch(() => undefined);
  };
  try {
    for (let i = 0; i < 2; i++) {
      started.push(await startTsvirtdHost(nets[i]!, addresses[i]!, join(base, `tsvirtd${i}`)));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { name: 'tsvirtd -> tsvirtd', hosts: [started[0]!, started[1]!], stop };
}

async function startLibvirtdPair(nets: string[], addresses: string[]): Promise<Pair> {
  const started: Array<Awaited<ReturnType<typeof startLibvirtd>>> = [];
  const stop = async (): Promise<void> => {
    for (const d of started) await d.stop().catch(() => undefined);
  };
  try {
    for (let i = 0; i < 2; i++) {
      started.push(
        await startLibvirtd({
          netns: nets[i]!,
          address: addresses[i]!,
          hostname: `bench-lv${i}`,
          hostUuid: randomUUID(),
        }),
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const hosts = started.map((d, i) => ({ ns: nets[i]!, uri: d.uri }));
  return { name: 'libvirtd -> libvirtd', hosts: [hosts[0]!, hosts[1]!], stop };
}

/** `RUNS` migrations back and forth, starting from hosts[0]; even RUNS end where they began. */
async function measure(pair: Pair, flags: string[]): Promise<Series> {
  const s: Series = { wallMs: [], totalMs: [], downtimeMs: [] };
  for (let i = 0; i < RUNS; i++) {
    const [from, to] = i % 2 === 0 ? pair.hosts : [pair.hosts[1], pair.hosts[0]];
    const t0 = performance.now();
    // --persistent keeps the domain defined at the source, whose completed job is read below.
    await virsh(from, 'migrate', '--live', '--persistent', ...flags, GUEST, to.uri);
    s.wallMs.push(performance.now() - t0);
    const info = await virsh(from, 'domjobinfo', '--completed', GUEST);
    s.totalMs.push(readJobField(info, 'Time elapsed'));
    s.downtimeMs.push(readJobField(info, 'Total downtime'));
  }
  return s;
}

/** Boot the guest at hosts[0], start its counter, measure idle, then with the writer. */
async function benchPair(pair: Pair, xmlFile: string): Promise<{ idle: Series; writer: Series }> {
  const [home] = pair.hosts;
  await virsh(home, 'define', xmlFile);
  await virsh(home, 'start', GUEST);
  try {
    const prompt = await waitFor(
      async () => (await consoleAt(home, '\n', 3, '/ # ')).includes('/ # '),
      120_000,
    );
    if (!prompt) throw new Error(`${pair.name}: the guest shell did not answer on the console`);
    await consoleAt(home, COUNTER, 2, 'tick-5');
    const idle = await measure(pair, []);
    const where = RUNS % 2 === 0 ? home : pair.hosts[1];
    const out = await consoleAt(where, WRITER, 90, 'writer-up');
    if (!out.includes('writer-up')) throw new Error(`${pair.name}: the memory writer did not start`);
    const writer = await measure(pair, ['--auto-converge']);
    return { idle, writer };
  } finally {
    for (const h of pair.hosts) await virsh(h, 'destroy', GUEST).catch(() => undefined);
    for (const h of pair.hosts) await virsh(h, 'undefine', GUEST).catch(() => undefined);
  }
}

/** The figures of each series, named by pair. */
function tables(results: Map<string, { idle: Series; writer: Series }>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const load of ['idle', 'writer'] as const) {
    const what = load === 'idle' ? 'idle guest' : 'guest with a 16 MiB memory writer, --auto-converge';
    for (const [field, title] of [
      ['wallMs', `virsh migrate --live, ${MEM_MIB} MiB ${what} (wall clock)`],
      ['totalMs', `migration job at the source, ${what} (domjobinfo Time elapsed)`],
      ['downtimeMs', `qemu downtime, ${what} (domjobinfo Total downtime)`],
    ] as const) {
      const rows = [...results].map(([name, r]) => ({ name, fig: figure(r[load][field]) }));
      console.log(formatTable(title, 'ms', withRatios(rows, 'libvirtd -> libvirtd'), ' (over libvirtd)'));
      console.log('');
      const figures: Record<string, Figure> = Object.fromEntries(rows.map((r) => [r.name, r.fig]));
      record[`${load}_${field.replace('Ms', '_ms')}`] = figures;
    }
  }
  return record;
}

const tag = randomBytes(3).toString('hex');
const nets = [`tsvirt-bmA${tag}`, `tsvirt-bmB${tag}`];
const subnet = `10.${200 + (parseInt(tag.slice(0, 2), 16) % 50)}.${parseInt(tag.slice(2, 4), 16)}`;
const addresses = [`${subnet}.1`, `${subnet}.2`];
const shared = await mkdtemp(join(tmpdir(), 'tsvirt-bench-shared-'));
await chmod(shared, 0o755);
const results = new Map<string, { idle: Series; writer: Series }>();
let libvirtdNote: string | undefined;
try {
  for (const ns of nets) await run(['ip', 'netns', 'add', ns]);
  const veths = [`bmA${tag}`, `bmB${tag}`];
  await run([
    'ip',
    'link',
    'add',
    veths[0]!,
    'netns',
    nets[0]!,
    'type',
    'veth',
    'peer',
    'name',
    veths[1]!,
    'netns',
    nets[1]!,
  ]);
  for (let i = 0; i < 2; i++) {
    await run(['ip', '-n', nets[i]!, 'link', 'set', 'lo', 'up']);
    await run(['ip', '-n', nets[i]!, 'addr', 'add', `${addresses[i]}/24`, 'dev', veths[i]!]);
    await run(['ip', '-n', nets[i]!, 'link', 'set', veths[i]!, 'up']);
  }
  // The kernel and initrd are copies in the shared folder: libvirtd relabels what its guests open.
  const cached = await ensureGuests();
  const guest = { linuxKernel: join(shared, 'vmlinuz'), linuxInitrd: join(shared, 'initrd.gz') };
  await copyFile(cached.linuxKernel, guest.linuxKernel);
  await copyFile(cached.linuxInitrd, guest.linuxInitrd);
  await chmod(guest.linuxKernel, 0o644);
  await chmod(guest.linuxInitrd, 0o644);
  const xmlFile = join(shared, `${GUEST}.xml`);
  await writeFile(xmlFile, buildLinuxXml(GUEST, guest, { append: 'tsvirt.shell=1' }));

  const ts = await startTsvirtdPair(nets, addresses, shared);
  try {
    results.set(ts.name, await benchPair(ts, xmlFile));
  } finally {
    await ts.stop();
  }
  if (!LIBVIRTD || !HAS_QEMU_DRIVER) {
    libvirtdNote = 'not measured: libvirtd or its qemu driver is not installed';
  } else {
    const lv = await startLibvirtdPair(nets, addresses);
    try {
      results.set(lv.name, await benchPair(lv, xmlFile));
    } finally {
      await lv.stop();
    }
  }
  const record = tables(results);
  if (libvirtdNote) console.log(`libvirtd -> libvirtd: ${libvirtdNote}`);
  const path = await writeResult('migrate', {
    machine: machine(),
    mem_mib: MEM_MIB,
    runs: RUNS,
    ...record,
    ...(libvirtdNote ? { libvirtd: libvirtdNote } : {}),
  });
  console.log(`wrote ${path}`);
} finally {
  for (const ns of nets) {
    // Whatever still runs in a namespace (a qemu a failed run left) goes with it.
    const pids = (await run(['ip', 'netns', 'pids', ns], { okExitCodes: [0, 1] }).catch(() => undefined))
      ?.stdout;
    for (const pid of (pids ?? '').split('\n').filter((p) => /^\d+$/.test(p))) {
      await killAndWait(Number(pid), 5_000).catch(() => undefined);
    }
    await run(['ip', 'netns', 'del', ns]).catch(() => undefined);
  }
  await rm(shared, { recursive: true, force: true });
}
