/**
 * Daemon memory: VmRSS of tsvirtd and of the reference libvirtd (plus any virtqemud or virtlogd working
 * for it) when idle, with 200 defined domains, and with 10 running guests; per-guest overhead is the RSS
 * delta over the guests. Both daemons run side by side and are sampled in alternation.
 * Run after the build, from the checkout root: `node dist/bench/footprint.js [samples]`.
 * Writes bench/results/footprint.json. A benchmark, not a test: nothing here fails for being big.
 */
import type { BenchDaemon } from './libvirtd/daemon.js';
import { rssKiB } from './libvirtd/proc.js';
import { runFixture } from './libvirtd/python.js';
import { figure, formatTable, writeResult, type Figure, type Row } from './libvirtd/report.js';
import { withSession, type Session } from './libvirtd/session.js';

const SAMPLES = Number(process.argv[2] ?? 10);
const SAMPLE_GAP_MS = 150;
const DEFINED = 200;
const RUNNING = 10;
const TARGET_IDLE_RATIO = 1.5;
const TARGET_PER_GUEST_KIB = 64;

const STAGES = ['idle', `${DEFINED} defined`, `${RUNNING} running`, `${RUNNING} stopped again`] as const;
type Stage = (typeof STAGES)[number];

/** RSS of the daemon and its helpers, in KiB. */
function daemonRss(d: BenchDaemon): number {
  return [d.pid, ...d.helperPids()].reduce((sum, pid) => sum + rssKiB(pid), 0);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** SAMPLES readings of every daemon, alternating between them. */
async function sample(s: Session): Promise<Figure[]> {
  const series: number[][] = s.sides.map(() => []);
  for (let i = 0; i < SAMPLES; i++) {
    s.sides.forEach((side, d) => series[d]!.push(daemonRss(side.daemon)));
    await sleep(SAMPLE_GAP_MS);
  }
  return series.map(figure);
}

async function reach(s: Session, stage: Stage): Promise<void> {
  if (stage === 'idle') return sleep(2_000); // let start-up work (capability probes, GC) settle
  for (const side of s.sides) {
    if (stage === STAGES[1]) {
      await s.defineGuests(side, DEFINED);
      // One start and destroy first, of a guest outside the ten, so that code loaded on the first start
      // is not counted as per-guest memory.
      await runFixture('lifecycle.py', [side.daemon.uri, s.names(side, RUNNING + 1)[RUNNING]!, 1, 100]);
    } else if (stage === STAGES[2]) {
      await runFixture('domains.py', [side.daemon.uri, 'start', side.stem], {
        input: s.names(side, RUNNING),
      });
    } else await runFixture('domains.py', [side.daemon.uri, 'destroy', side.stem]);
  }
  await sleep(1_000);
}

function summaryLines(
  s: Session,
  figs: Record<Stage, Figure[]>,
): { lines: string[]; perGuest: Record<string, number> } {
  const lines: string[] = [];
  const perGuest: Record<string, number> = {};
  s.sides.forEach((side, d) => {
    const delta = figs[STAGES[2]][d]!.median - figs[STAGES[1]][d]!.median;
    const perDefined = (figs[STAGES[1]][d]!.median - figs.idle[d]!.median) / DEFINED;
    perGuest[side.daemon.name] = delta / RUNNING;
    const after = (figs[STAGES[2]][d]!.median - figs[STAGES[3]][d]!.median) / RUNNING;
    lines.push(
      `${side.daemon.name}: ${(delta / RUNNING).toFixed(0)} KiB per running guest (target <= ${TARGET_PER_GUEST_KIB} for tsvirtd), ` +
        `${after.toFixed(0)} KiB against the stopped-again RSS, ` +
        `${perDefined.toFixed(1)} KiB per defined domain; helpers: ${side.daemon.helperPids().length}`,
    );
  });
  const ts = s.sides.findIndex((x) => x.daemon.name === 'tsvirtd');
  const lv = s.sides.findIndex((x) => x.daemon.name === 'libvirtd');
  if (ts >= 0 && lv >= 0) {
    const r = figs.idle[ts]!.median / figs.idle[lv]!.median;
    lines.push(`tsvirtd idle / libvirtd idle: ${r.toFixed(2)}x (target <= ${TARGET_IDLE_RATIO}x)`);
  }
  return { lines, perGuest };
}

await withSession('footprint', async (s) => {
  const figs = {} as Record<Stage, Figure[]>;
  for (const stage of STAGES) {
    await reach(s, stage);
    figs[stage] = await sample(s);
    const rows: Row[] = s.sides.map((side, d) => ({ name: side.daemon.name, fig: figs[stage][d]! }));
    const lv = s.sides.findIndex((x) => x.daemon.name === 'libvirtd');
    if (lv >= 0) rows.forEach((r, d) => d !== lv && (r.ratio = r.fig.median / figs[stage][lv]!.median));
    console.log(formatTable(`daemon RSS, ${stage}, ${SAMPLES} samples`, 'KiB', rows, ' to libvirtd'));
  }
  const { lines, perGuest } = summaryLines(s, figs);
  for (const l of lines) console.log(l);
  const path = await writeResult('footprint', {
    unit: 'KiB',
    samples: SAMPLES,
    stages: Object.fromEntries(
      STAGES.map((st) => [st, Object.fromEntries(s.sides.map((side, d) => [side.daemon.name, figs[st][d]]))]),
    ),
    perRunningGuestKiB: perGuest,
    verdicts: lines,
    targets: { idleRatio: TARGET_IDLE_RATIO, perGuestKiB: TARGET_PER_GUEST_KIB },
  });
  console.log(`wrote ${path}`);
});
