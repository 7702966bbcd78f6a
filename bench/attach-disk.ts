/**
 * Disk hot-plug against tsvirtd and against the reference libvirtd, side by side in one run: the Linux
 * test guest (TCG) runs on each daemon with `tsvirt.watchblock=1`, printing its /sys/block whenever it
 * changes to a serial file; each sample is one `virsh attach-disk --live` (or `detach-disk --live`)
 * from its start until the guest has printed that the disk arrived (or left). Runs alternate between
 * the daemons. Run after the build, from the checkout root: `node dist/bench/attach-disk.js [runs]`.
 * Writes bench/results/attach-disk.json. A benchmark, not a test: nothing here fails for being slow.
 */
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureGuests, LINUX_READY_MARKER } from '../scripts/guests/paths.js';
import { LINUX_BLOCK_PREFIX } from '../scripts/guests/init-script.js';
import { run } from '../src/exec/index.js';
import { figure, formatTable, withRatios, writeResult } from './libvirtd/report.js';
import { withSession, type Session, type Side } from './libvirtd/session.js';

const RUNS = Number(process.argv[2] ?? 10);
const VIRSH = '/usr/bin/virsh';
const WAIT_MS = 60_000;

/** The Linux guest with its serial console in a file the benchmark reads. */
function buildGuestXml(
  name: string,
  guest: { linuxKernel: string; linuxInitrd: string },
  serial: string,
): string {
  return `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${guest.linuxKernel}</kernel>
    <initrd>${guest.linuxInitrd}</initrd>
    <cmdline>console=ttyS0 quiet tsvirt.watchblock=1</cmdline>
  </os>
  <features><acpi/></features>
  <devices>
    <serial type='file'><source path='${serial}'/><target port='0'/></serial>
    <memballoon model='none'/>
  </devices>
</domain>`;
}

async function virsh(uri: string, args: string[], home: string): Promise<void> {
  await run([VIRSH, '-c', uri, ...args], { timeoutMs: 60_000, env: { HOME: home } });
}

/** The block lists the guest has printed so far. */
async function readBlockLines(serial: string): Promise<string[]> {
  const text = await readFile(serial, 'latin1').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.startsWith(LINUX_BLOCK_PREFIX))
    .map((l) => l.slice(LINUX_BLOCK_PREFIX.length).trim());
}

/** Wait until the guest prints a block list past the first `seen` that satisfies `ok`. */
async function waitForBlocks(serial: string, seen: number, ok: (list: string) => boolean): Promise<number> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const lines = await readBlockLines(serial);
    if (lines.slice(seen).some(ok)) return lines.length;
    if (Date.now() > deadline)
      throw new Error(`${serial}: the guest did not report the change within ${WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

interface Guest {
  side: Side;
  name: string;
  serial: string;
  image: string;
  seen: number;
}

async function startGuest(s: Session, side: Side): Promise<Guest> {
  const guests = await ensureGuests();
  const name = `${side.stem}ad`;
  const serial = join(s.dir, `${name}.serial`);
  const image = join(s.dir, 'img', `${name}-extra.img`);
  await writeFile(image, '');
  await truncate(image, 8 << 20);
  const xml = join(s.dir, `${name}.xml`);
  await writeFile(xml, buildGuestXml(name, guests, serial));
  await virsh(side.daemon.uri, ['define', xml], s.dir);
  await virsh(side.daemon.uri, ['start', name], s.dir);
  const deadline = Date.now() + WAIT_MS;
  while (!(await readFile(serial, 'latin1').catch(() => '')).includes(LINUX_READY_MARKER)) {
    if (Date.now() > deadline) throw new Error(`${side.daemon.name}: the guest did not boot`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const seen = await waitForBlocks(serial, 0, () => true);
  return { side, name, serial, image, seen };
}

/** One attach and one detach, each timed until the guest reports it. */
async function cycle(
  g: Guest,
  home: string,
): Promise<Record<'attach' | 'attachCall' | 'detach' | 'detachCall', number>> {
  const uri = g.side.daemon.uri;
  let t0 = performance.now();
  await virsh(uri, ['attach-disk', g.name, g.image, 'vdb', '--live'], home);
  const attachCall = performance.now() - t0;
  g.seen = await waitForBlocks(g.serial, g.seen, (list) => list.split(' ').includes('vda'));
  const attach = performance.now() - t0;
  t0 = performance.now();
  await virsh(uri, ['detach-disk', g.name, 'vdb', '--live'], home);
  const detachCall = performance.now() - t0;
  g.seen = await waitForBlocks(g.serial, g.seen, (list) => !list.split(' ').includes('vda'));
  return { attach, attachCall, detach: performance.now() - t0, detachCall };
}

await withSession('attach-disk', async (s) => {
  const guests: Guest[] = [];
  for (const side of s.sides) guests.push(await startGuest(s, side));
  const samples = { attach: {}, attachCall: {}, detach: {}, detachCall: {} } as Record<
    'attach' | 'attachCall' | 'detach' | 'detachCall',
    Record<string, number[]>
  >;
  for (const g of guests) {
    for (const k of Object.values(samples)) k[g.side.daemon.name] = [];
    await cycle(g, s.dir); // untimed: the guest's and the daemon's first hot-plug
  }
  for (let i = 0; i < RUNS; i++) {
    for (const g of i % 2 === 0 ? guests : [...guests].reverse()) {
      const ms = await cycle(g, s.dir);
      for (const k of ['attach', 'attachCall', 'detach', 'detachCall'] as const)
        samples[k][g.side.daemon.name]!.push(ms[k]);
    }
  }
  const { attach, detach } = samples;
  const rows = (samples: Record<string, number[]>) =>
    withRatios(
      Object.entries(samples).map(([name, ms]) => ({ name, fig: figure(ms) })),
      'libvirtd',
    );
  const attachRows = rows(attach);
  const detachRows = rows(detach);
  const attachCallRows = rows(samples.attachCall);
  const detachCallRows = rows(samples.detachCall);
  console.log(formatTable('of which the virsh attach-disk process', 'ms', attachCallRows, ' to libvirtd'));
  console.log(formatTable('of which the virsh detach-disk process', 'ms', detachCallRows, ' to libvirtd'));
  console.log(
    formatTable(
      'virsh attach-disk --live until the guest sees the disk (TCG)',
      'ms',
      attachRows,
      ' to libvirtd',
    ),
  );
  console.log(
    formatTable(
      'virsh detach-disk --live until the guest lost the disk (TCG)',
      'ms',
      detachRows,
      ' to libvirtd',
    ),
  );
  for (const g of guests) await virsh(g.side.daemon.uri, ['destroy', g.name], s.dir).catch(() => undefined);
  const path = await writeResult('attach-disk', {
    runs: RUNS,
    note: 'ms per virsh run until the Linux guest (TCG, pc, virtio disk) reports the change on its serial console',
    attach: attachRows,
    detach: detachRows,
    attachCall: attachCallRows,
    detachCall: detachCallRows,
  });
  console.log(`wrote ${path}`);
});
