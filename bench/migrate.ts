/**
 * Live migration of the same idle 256 MiB boot-sector guest (TCG) back and forth between two tsvirtd
 * hosts: two network namespaces joined by a veth pair, a tsvirtd in each listening on its own address,
 * the disk image in a folder both see. Real virsh drives each migration from the source's namespace;
 * the figures are virsh's wall-clock time and qemu's own total time and downtime (domjobinfo
 * --completed at the source). Run as root after the build: `node dist/bench/migrate.js [runs]`.
 * Writes bench/results/migrate.json. A benchmark, not a test: nothing here fails for being slow.
 *
 * libvirtd to libvirtd is not measured here: it needs two confined libvirtds, each with its own
 * network, mount and UTS namespace and host UUID (libvirt refuses a migration to the same host).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, spawnDetached } from '../src/exec/index.js';
import { killAndWait, waitFor } from '../scripts/loopback-daemon.js';
import { guestXml, makeImages } from './libvirtd/guest.js';
import { figure, formatTable, machine, writeResult } from './libvirtd/report.js';
import { TSVIRTD_ENTRY } from './libvirtd/tsvirtd.js';

const RUNS = Number(process.argv[2] ?? 6);
const MEM_MIB = 256;

/** One host: its namespace, address, daemon pid and folder. */
interface Host {
  ns: string;
  address: string;
  uri: string;
  pid: number;
  dir: string;
}

async function startHost(ns: string, address: string, veth: string): Promise<Host> {
  await run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  await run(['ip', '-n', ns, 'addr', 'add', `${address}/24`, 'dev', veth]);
  await run(['ip', '-n', ns, 'link', 'set', veth, 'up']);
  const dir = await mkdtemp(join(tmpdir(), 'tsvirt-bench-mig-'));
  await chmod(dir, 0o711);
  await mkdir(join(dir, 'sock'));
  const conf = join(dir, 'tsvirtd.conf');
  await writeFile(
    conf,
    `listen_tls = 0\nlisten_tcp = 1\nlisten_addr = "${address}"\nauth_tcp = "none"\nunix_sock_dir = "${join(dir, 'sock')}"\n`,
  );
  const argv = ['ip', 'netns', 'exec', ns, process.execPath, TSVIRTD_ENTRY, '-f', conf, '-l'];
  const { pid } = await spawnDetached([...argv, '--root', join(dir, 'root')], {
    logFile: join(dir, 'tsvirtd.log'),
  });
  const uri = `qemu+tcp://${address}/system`;
  await waitFor(
    async () => (await virsh({ ns, address, uri, pid, dir }, 'uri').catch(() => undefined)) !== undefined,
    20_000,
  );
  return { ns, address, uri, pid, dir };
}

/** virsh run in `h`'s namespace against its tsvirtd; stdout, or a thrown error naming stderr. */
async function virsh(h: Host, ...args: string[]): Promise<string> {
  const r = await run(['ip', 'netns', 'exec', h.ns, 'virsh', '-c', h.uri, ...args], { timeoutMs: 300_000 });
  return r.stdout;
}

/** A number domjobinfo prints after `label`, or NaN. */
function readJobField(text: string, label: string): number {
  const m = new RegExp(`${label}:\\s+(\\d+)`).exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

const tag = randomBytes(3).toString('hex');
const nets = [`tsvirt-bmA${tag}`, `tsvirt-bmB${tag}`];
const subnet = `10.${200 + (parseInt(tag.slice(0, 2), 16) % 50)}.${parseInt(tag.slice(2, 4), 16)}`;
const shared = await mkdtemp(join(tmpdir(), 'tsvirt-bench-shared-'));
await chmod(shared, 0o755);
const hosts: Host[] = [];
try {
  for (const ns of nets) await run(['ip', 'netns', 'add', ns]);
  await run([
    'ip',
    'link',
    'add',
    `bmA${tag}`,
    'netns',
    nets[0]!,
    'type',
    'veth',
    'peer',
    'name',
    `bmB${tag}`,
    'netns',
    nets[1]!,
  ]);
  hosts.push(await startHost(nets[0]!, `${subnet}.1`, `bmA${tag}`));
  hosts.push(await startHost(nets[1]!, `${subnet}.2`, `bmB${tag}`));
  const [image] = await makeImages(shared, 'mig', 1);
  const xmlFile = join(shared, 'mig.xml');
  await writeFile(xmlFile, guestXml('mig', image!, MEM_MIB));
  await virsh(hosts[0]!, 'define', xmlFile);
  await virsh(hosts[0]!, 'start', 'mig');
  await new Promise((r) => setTimeout(r, 3_000)); // let the guest settle into its idle loop
  const wallMs: number[] = [];
  const totalMs: number[] = [];
  const downtimeMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const [from, to] = i % 2 === 0 ? [hosts[0]!, hosts[1]!] : [hosts[1]!, hosts[0]!];
    const t0 = performance.now();
    // --persistent keeps the domain defined at the source, whose completed job is read below.
    await virsh(from, 'migrate', '--live', '--persistent', 'mig', to.uri);
    wallMs.push(performance.now() - t0);
    const info = await virsh(from, 'domjobinfo', '--completed', 'mig');
    totalMs.push(readJobField(info, 'Time elapsed'));
    downtimeMs.push(readJobField(info, 'Total downtime'));
  }
  const rows = (samples: number[]) => [{ name: 'tsvirtd -> tsvirtd', fig: figure(samples) }];
  console.log(
    formatTable(`virsh migrate --live, ${MEM_MIB} MiB idle guest (wall clock)`, 'ms', rows(wallMs)),
  );
  console.log(
    formatTable('migration job at the source, Perform (domjobinfo Time elapsed)', 'ms', rows(totalMs)),
  );
  console.log(formatTable('qemu downtime (domjobinfo Total downtime)', 'ms', rows(downtimeMs)));
  console.log('libvirtd -> libvirtd: not measured (see the header of bench/migrate.ts)');
  const path = await writeResult('migrate', {
    machine: machine(),
    mem_mib: MEM_MIB,
    runs: RUNS,
    tsvirtd: { wall_ms: figure(wallMs), total_ms: figure(totalMs), downtime_ms: figure(downtimeMs) },
    libvirtd:
      'not measured: two confined libvirtds in separate network, mount and UTS namespaces are not set up',
  });
  console.log(`wrote ${path}`);
} finally {
  for (const h of hosts) {
    await run(['ip', 'netns', 'exec', h.ns, 'virsh', '-c', h.uri, 'destroy', 'mig'], {
      okExitCodes: [0, 1],
    }).catch(() => undefined);
    await killAndWait(h.pid, 10_000).catch(() => undefined);
    await rm(h.dir, { recursive: true, force: true });
  }
  for (const ns of nets) await run(['ip', 'netns', 'del', ns]).catch(() => undefined);
  await rm(shared, { recursive: true, force: true });
}
