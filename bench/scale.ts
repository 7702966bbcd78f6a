/**
 * Scale: 20 guests (boot-sector guest, TCG, 32 MiB each) started at once through libvirt-python, one
 * thread and connection per guest, timed until all run; compared with the same 20 started one after
 * another. tsvirtd and libvirtd take turns, round by round.
 * Run after the build, from the checkout root: `node dist/bench/scale.js [rounds]`.
 * Writes bench/results/scale.json. A benchmark, not a test: nothing here fails for being slow.
 */
import { runFixture } from './libvirtd/python.js';
import { figure, formatTable, writeResult, type Row } from './libvirtd/report.js';
import { withSession, type Side, type Session } from './libvirtd/session.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const GUESTS = 20;
const MEM_MIB = 32;

interface Timing {
  all_ms: number;
  each_ms: number[];
}

/** Per daemon: all-at-once wall times, one-after-another wall times, and the single starts of the latter. */
interface Series {
  parallel: number[];
  serial: number[];
  single: number[];
}

async function round(s: Session, side: Side, into: Series): Promise<void> {
  const names = s.names(side, GUESTS);
  const uri = side.daemon.uri;
  const bound = { timeoutMs: 180_000 };
  const serial = await runFixture<Timing>('scale.py', ['serial', uri, ...names], bound);
  await runFixture('scale.py', ['destroy', uri, ...names], bound);
  const parallel = await runFixture<Timing>('scale.py', ['parallel', uri, ...names], bound);
  await runFixture('scale.py', ['destroy', uri, ...names], bound);
  into.serial.push(serial.all_ms);
  into.single.push(...serial.each_ms);
  into.parallel.push(parallel.all_ms);
}

function rowsFor(s: Session, series: Series[]): Row[] {
  return s.sides.flatMap((side, d) => {
    const x = series[d]!;
    const serial = figure(x.serial);
    return [
      {
        name: `${side.daemon.name} at once`,
        fig: figure(x.parallel),
        ratio: figure(x.parallel).median / serial.median,
      },
      { name: `${side.daemon.name} one by one`, fig: serial },
      { name: `${side.daemon.name} single start`, fig: figure(x.single) },
    ];
  });
}

await withSession('scale', async (s) => {
  for (const side of s.sides) await s.defineGuests(side, GUESTS, MEM_MIB);
  const series: Series[] = s.sides.map(() => ({ parallel: [], serial: [], single: [] }));
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < s.sides.length; k++) {
      const d = (r + k) % s.sides.length;
      await round(s, s.sides[d]!, series[d]!);
    }
  }
  const rows = rowsFor(s, series);
  console.log(
    formatTable(
      `${GUESTS} guests (TCG, ${MEM_MIB} MiB): time until all run, ${ROUNDS} rounds`,
      'ms',
      rows,
      ' at once / one by one',
    ),
  );
  const path = await writeResult('scale', {
    unit: 'ms',
    guests: GUESTS,
    memMiB: MEM_MIB,
    rounds: ROUNDS,
    rows,
    raw: Object.fromEntries(s.sides.map((side, d) => [side.daemon.name, series[d]])),
  });
  console.log(`wrote ${path}`);
});
