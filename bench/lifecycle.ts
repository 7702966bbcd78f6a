/**
 * Start and stop of the boot-sector guest (TCG, 64 MiB), three ways in alternating runs: libvirt-python's
 * dom.create()/dom.destroy() against tsvirtd and against the reference libvirtd, and the bare qemu spawn
 * of the same argv (spawn -S, QMP, cont; quit until the process is gone).
 * Run after the build, from the checkout root: `node dist/bench/lifecycle.js [runs]`.
 * Writes bench/results/lifecycle.json. A benchmark, not a test: nothing here fails for being slow.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BareQemu } from './libvirtd/bare-qemu.js';
import { guestXml, makeImages } from './libvirtd/guest.js';
import { runFixture } from './libvirtd/python.js';
import { figure, formatTable, withRatios, writeResult, type Row } from './libvirtd/report.js';
import { withSession, type Session } from './libvirtd/session.js';

const RUNS = Number(process.argv[2] ?? 12);
/** Time between start and stop: the guest prints its marker and halts within ~0.15 s under TCG. */
const SETTLE_MS = 300;
const TARGET_VS_BARE = 1.15;
const TARGET_LIBVIRTD_OVER_TSVIRTD = 3;

interface Way {
  name: string;
  /** One start and one stop, each timed in ms. */
  once: () => Promise<{ start: number; stop: number }>;
  start: number[];
  stop: number[];
}

async function bareWay(s: Session): Promise<Way> {
  const dir = join(s.dir, 'bare');
  await mkdir(dir);
  const [image] = await makeImages(dir, 'bare', 1);
  const bare = await BareQemu.prepare(guestXml(`${s.prefix}bare`, image!), dir);
  const once = async (): Promise<{ start: number; stop: number }> => {
    const t0 = performance.now();
    const guest = await bare.start();
    const start = performance.now() - t0;
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const t1 = performance.now();
    await bare.stop(guest);
    return { start, stop: performance.now() - t1 };
  };
  return { name: 'bare qemu', once, start: [], stop: [] };
}

function daemonWays(s: Session): Way[] {
  return s.sides.map((side) => {
    const name = s.names(side, 1)[0]!;
    const once = async (): Promise<{ start: number; stop: number }> => {
      const r = await runFixture<{ create_ms: number[]; destroy_ms: number[] }>('lifecycle.py', [
        side.daemon.uri,
        name,
        1,
        SETTLE_MS,
      ]);
      return { start: r.create_ms[0]!, stop: r.destroy_ms[0]! };
    };
    return { name: `${side.daemon.name} (python)`, once, start: [], stop: [] };
  });
}

async function measure(ways: Way[]): Promise<void> {
  for (const w of ways) await w.once(); // warm-up: first exec of qemu, page cache, daemon code paths
  for (let run = 0; run < RUNS; run++) {
    // Rotate who goes first, so that drift in the host's load hits every way alike.
    for (let k = 0; k < ways.length; k++) {
      const w = ways[(run + k) % ways.length]!;
      const r = await w.once();
      w.start.push(r.start);
      w.stop.push(r.stop);
    }
  }
}

function rowsOf(ways: Way[], key: 'start' | 'stop'): Row[] {
  return withRatios(
    ways.map((w) => ({ name: w.name, fig: figure(w[key]) })),
    'bare qemu',
  );
}

function verdicts(start: Row[]): string[] {
  const ts = start.find((r) => r.name.startsWith('tsvirtd'));
  const lv = start.find((r) => r.name.startsWith('libvirtd'));
  const out: string[] = [];
  if (ts?.ratio !== undefined) {
    out.push(`tsvirtd start / bare: ${ts.ratio.toFixed(2)}x (target <= ${TARGET_VS_BARE}x)`);
  }
  if (ts && lv) {
    const x = lv.fig.median / ts.fig.median;
    out.push(`libvirtd start / tsvirtd start: ${x.toFixed(2)}x (target >= ${TARGET_LIBVIRTD_OVER_TSVIRTD}x)`);
  }
  return out;
}

await withSession('lifecycle', async (s) => {
  for (const side of s.sides) await s.defineGuests(side, 1);
  const bare = await bareWay(s);
  const ways = [bare, ...daemonWays(s)];
  await measure(ways);
  const start = rowsOf(ways, 'start');
  const stop = rowsOf(ways, 'stop');
  console.log(
    formatTable(`start: call to a running guest, ${RUNS} alternating runs`, 'ms', start, ' to bare'),
  );
  console.log(
    formatTable(`stop: destroy of a running guest, ${RUNS} alternating runs`, 'ms', stop, ' to bare'),
  );
  const lines = verdicts(start);
  for (const l of lines) console.log(l);
  const path = await writeResult('lifecycle', {
    unit: 'ms',
    runs: RUNS,
    settleMs: SETTLE_MS,
    start,
    stop,
    verdicts: lines,
    targets: { tsvirtdOverBare: TARGET_VS_BARE, libvirtdOverTsvirtd: TARGET_LIBVIRTD_OVER_TSVIRTD },
    raw: Object.fromEntries(ways.map((w) => [w.name, { start: w.start, stop: w.stop }])),
  });
  console.log(`wrote ${path}`);
});
