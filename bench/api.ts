/**
 * API latency and throughput with 200 defined domains: listAllDomains, lookupByName and XMLDesc through
 * libvirt-python, from one connection and from 16 parallel connections (16 python processes), against
 * tsvirtd and the reference libvirtd in alternating time windows.
 * Run after the build, from the checkout root: `node dist/bench/api.js [windows]`.
 * Writes bench/results/api.json. A benchmark, not a test: nothing here fails for being slow.
 */
import { runFixture } from './libvirtd/python.js';
import { figure, formatTable, withRatios, writeResult, type Figure, type Row } from './libvirtd/report.js';
import { withSession, type Session } from './libvirtd/session.js';

const WINDOWS = Number(process.argv[2] ?? 10);
const DOMAINS = 200;
const WINDOW_S = 0.5;
const GAP_S = 0.15;
const OPS = { list: 'listAllDomains', lookup: 'lookupByName', xml: 'XMLDesc' } as const;
const PARALLEL = [1, 16] as const;

interface FixtureOut {
  windows: Array<Array<[number, number]>>;
  lat_us: number[][];
}

/** Throughput per window (summed over processes) and per-call latency, per daemon. */
interface Measured {
  daemon: string;
  rate: Figure;
  latencyUs?: Figure;
}

async function measureOne(s: Session, op: keyof typeof OPS, procs: number): Promise<Measured[]> {
  // The python processes connect first, then meet at a wall-clock start; 16 of them need longer.
  const startAt = Date.now() / 1000 + (procs > 1 ? 3 : 1.2);
  const pairs = s.sides.flatMap((side) => [side.daemon.uri, side.stem]);
  const args = [op, DOMAINS, startAt.toFixed(3), WINDOW_S, GAP_S, WINDOWS, procs === 1 ? 1 : 0, ...pairs];
  const bound = (3 + WINDOWS * s.sides.length * (WINDOW_S + GAP_S)) * 1000 + 60_000;
  const outs = await Promise.all(
    Array.from({ length: procs }, () => runFixture<FixtureOut>('api.py', args, { timeoutMs: bound })),
  );
  return s.sides.map((side, d) => {
    const rates = Array.from({ length: WINDOWS }, (_, w) =>
      outs.reduce((sum, o) => sum + o.windows[d]![w]![0] / o.windows[d]![w]![1], 0),
    );
    const lat = outs.flatMap((o) => o.lat_us[d] ?? []);
    return {
      daemon: side.daemon.name,
      rate: figure(rates),
      ...(lat.length > 0 ? { latencyUs: figure(lat) } : {}),
    };
  });
}

function rateRows(ms: Measured[]): Row[] {
  const lv = ms.find((m) => m.daemon === 'libvirtd');
  return ms.map((m) => ({
    name: m.daemon,
    fig: m.rate,
    ...(lv && m !== lv ? { ratio: m.rate.median / lv.rate.median } : {}),
  }));
}

await withSession('api', async (s) => {
  for (const side of s.sides) await s.defineGuests(side, DOMAINS);
  const results: Record<string, unknown> = {};
  for (const [op, apiName] of Object.entries(OPS) as Array<[keyof typeof OPS, string]>) {
    for (const procs of PARALLEL) {
      const ms = await measureOne(s, op, procs);
      const title = `${apiName}, ${DOMAINS} domains, ${procs} connection${procs > 1 ? 's' : ''}: calls/s per ${WINDOW_S} s window, ${WINDOWS} windows`;
      console.log(formatTable(title, 'calls/s', rateRows(ms), ' to libvirtd'));
      if (procs === 1) {
        const lat = ms.flatMap((m) => (m.latencyUs ? [{ name: m.daemon, fig: m.latencyUs }] : []));
        console.log(
          formatTable(
            `${apiName}, 1 connection: latency per call`,
            'us',
            withRatios(lat, 'libvirtd'),
            ' to libvirtd',
          ),
        );
      }
      results[`${op}-${procs}`] = { api: apiName, connections: procs, daemons: ms };
    }
  }
  const path = await writeResult('api', {
    domains: DOMAINS,
    windowS: WINDOW_S,
    windows: WINDOWS,
    note: 'rate = calls/s summed over connections per window; ratio = median rate over libvirtd median rate',
    results,
  });
  console.log(`wrote ${path}`);
});
