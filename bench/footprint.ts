/**
 * Daemon memory: VmRSS of tsvirtd and of the reference libvirtd (plus any virtqemud or virtlogd working
 * for it) when idle, with 200 defined domains, and with 10 running guests; per-guest overhead is the RSS
 * delta over the guests. Both daemons run side by side and are sampled in alternation.
 * First, side by side: a tsvirtd of its own (npm start's listeners: unix sockets and loopback TCP; an
 * empty root; no client yet) against a bare `node -e 'setInterval(()=>{},1e6)'` started with it, the
 * same number of samples each, 2 s after the start and settled (12 s); the target is a median at most
 * 8 MiB above the bare one.
 * Run after the build, from the checkout root: `node dist/bench/footprint.js [samples]`.
 * Writes bench/results/footprint.json. A benchmark, not a test: nothing here fails for being big.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDemoConf } from '../scripts/demo-conf.js';
import { freePort, isAlive, killAndWait, waitFor } from '../scripts/loopback-daemon.js';
import { spawnDetached } from '../src/exec/index.js';
import type { BenchDaemon } from './libvirtd/daemon.js';
import { rssKiB } from './libvirtd/proc.js';
import { runFixture } from './libvirtd/python.js';
import { figure, formatTable, writeResult, type Figure, type Row } from './libvirtd/report.js';
import { withSession, type Session } from './libvirtd/session.js';
import { TSVIRTD_ENTRY, tsvirtdReady } from './libvirtd/tsvirtd.js';

const SAMPLES = Number(process.argv[2] ?? 10);
const SAMPLE_GAP_MS = 150;
const DEFINED = 200;
const RUNNING = 10;
const TARGET_IDLE_RATIO = 1.5;
const TARGET_PER_GUEST_KIB = 64;
/** tsvirtd idle may be this much above a bare Node.js process (KiB). */
const TARGET_OVER_BARE_KIB = 8 * 1024;
/** When the bare comparison samples: just after the start, and once V8 has settled an idle heap. */
const BARE_CHECKS_S = { 'after start': 2, settled: 12 } as const;

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

/** A child process of this benchmark, stopped and its folder removed by stop(). */
interface Child {
  pid: number;
  stop(): Promise<void>;
}

/** Starts `argv` detached with its output in DIR/name.log; stop() kills it and removes DIR. */
async function startChild(argv: string[], dir: string, name: string): Promise<Child> {
  const { pid } = await spawnDetached(argv, { logFile: join(dir, `${name}.log`) });
  return { pid, stop: () => killAndWait(pid, 10_000) };
}

/**
 * tsvirtd as npm start runs it (its conf: unix sockets, TCP on loopback, no TLS, no WebSocket API) on an
 * empty root, and a bare idle node started with it; ready once tsvirtd has written its pidfile (after
 * its listeners), so that no client has reached it.
 */
async function startIdlePair(dir: string): Promise<{ tsvirtd: Child; bare: Child }> {
  const conf = join(dir, 'tsvirtd.conf');
  const pidFile = join(dir, 'tsvirtd.pid');
  await writeFile(conf, buildDemoConf(await freePort()));
  const tsvirtd = await startChild(
    [process.execPath, TSVIRTD_ENTRY, '-f', conf, '--listen', '--root', join(dir, 'root'), '-p', pidFile],
    dir,
    'tsvirtd',
  );
  const bare = await startChild([process.execPath, '-e', 'setInterval(()=>{},1e6)'], dir, 'node');
  const ready = async (): Promise<boolean> =>
    (await readFile(pidFile, 'utf8').catch(() => '')).trim() === String(tsvirtd.pid);
  await waitFor(async () => !isAlive(tsvirtd.pid) || (await ready()), 30_000);
  if (!(await ready())) {
    await Promise.all([tsvirtd.stop(), bare.stop()]);
    const log = await readFile(join(dir, 'tsvirtd.log'), 'utf8').catch(() => '');
    throw new Error(`tsvirtd did not come up for the idle comparison:\n${log.slice(-2000)}`);
  }
  return { tsvirtd, bare };
}

type BareCheck = keyof typeof BARE_CHECKS_S;
interface BareComparison {
  afterStartS: number;
  tsvirtd: Figure;
  bareNode: Figure;
  overBareMiB: number;
  meetsTarget: boolean;
}

/** tsvirtd and the bare node sampled in alternation, SAMPLES each, once `check`'s time has come. */
async function compareWithBare(
  pair: { tsvirtd: Child; bare: Child },
  check: BareCheck,
  readyMs: number,
): Promise<BareComparison> {
  const afterStartS = BARE_CHECKS_S[check];
  await sleep(Math.max(0, readyMs + afterStartS * 1_000 - Date.now()));
  const series: [number[], number[]] = [[], []];
  for (let i = 0; i < SAMPLES; i++) {
    series[0].push(rssKiB(pair.tsvirtd.pid));
    series[1].push(rssKiB(pair.bare.pid));
    await sleep(SAMPLE_GAP_MS);
  }
  const [tsvirtd, bareNode] = series.map(figure) as [Figure, Figure];
  const overKiB = tsvirtd.median - bareNode.median;
  const rows: Row[] = [
    { name: 'tsvirtd', fig: tsvirtd, ratio: tsvirtd.median / bareNode.median },
    { name: 'bare node', fig: bareNode },
  ];
  console.log(
    formatTable(
      `idle RSS ${check} (${afterStartS} s), ${SAMPLES} samples each`,
      'KiB',
      rows,
      ' to bare node',
    ),
  );
  const meetsTarget = overKiB <= TARGET_OVER_BARE_KIB;
  console.log(
    `tsvirtd idle ${check}: ${(overKiB / 1024).toFixed(1)} MiB above bare node (target <= ${TARGET_OVER_BARE_KIB / 1024} MiB: ${meetsTarget ? 'met' : 'missed'})`,
  );
  return { afterStartS, tsvirtd, bareNode, overBareMiB: overKiB / 1024, meetsTarget };
}

/** The side-by-side idle comparison with a bare node, before the daemons' session. */
async function measureOverBare(): Promise<Partial<Record<BareCheck, BareComparison>>> {
  const dir = await mkdtemp(join(tmpdir(), 'tsvirt-bench-idle-'));
  const out: Partial<Record<BareCheck, BareComparison>> = {};
  try {
    const pair = await startIdlePair(dir);
    const readyMs = Date.now();
    try {
      for (const check of Object.keys(BARE_CHECKS_S) as BareCheck[]) {
        out[check] = await compareWithBare(pair, check, readyMs);
      }
    } finally {
      await Promise.all([pair.tsvirtd.stop(), pair.bare.stop()]);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}

const overBare = (await tsvirtdReady()) ? await measureOverBare() : {};
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
    idleOverBareNode: overBare,
    verdicts: lines,
    targets: {
      idleRatio: TARGET_IDLE_RATIO,
      perGuestKiB: TARGET_PER_GUEST_KIB,
      idleOverBareNodeMiB: TARGET_OVER_BARE_KIB / 1024,
    },
  });
  console.log(`wrote ${path}`);
});
