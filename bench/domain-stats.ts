/**
 * Domain statistics against tsvirtd and the reference libvirtd, side by side in one run:
 * - virConnectGetAllDomainStats (every group) for 100 defined domains, 10 of them running boot-sector
 *   guests (TCG, 64 MiB, one IDE disk, no NIC, no balloon), calls per second through libvirt-python in
 *   alternating 1 s windows;
 * - the daemon's CPU (utime + stime from /proc/PID/stat, helpers included) over a window in which a
 *   client makes, once a second, what virt-manager 4.1 calls each second with every graph on (getInfo,
 *   then getAllDomainStats of state, cpu-total, vcpu, balloon, block and interface) for 50 running
 *   boot-sector guests; one daemon's guests at a time.
 * Run after the build, from the checkout root: `node dist/bench/domain-stats.js [windows] [pollSeconds]`.
 * Writes bench/results/domain-stats.json. A benchmark, not a test: nothing here fails for being slow.
 */
import { readFileSync } from 'node:fs';
import { runFixture } from './libvirtd/python.js';
import { figure, formatTable, withRatios, writeResult } from './libvirtd/report.js';
import { withSession, type Session, type Side } from './libvirtd/session.js';

const WINDOWS = Number(process.argv[2] ?? 6);
const POLL_S = Number(process.argv[3] ?? 30);
const DEFINED = 100;
const RUNNING = 10;
const POLLED = 50;
/** Clock ticks per second of /proc/PID/stat (USER_HZ). */
const TICKS_PER_S = 100;

/** utime + stime of a process in ticks (0 when it is gone). */
function cpuTicks(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

function daemonTicks(side: Side): number {
  return [side.daemon.pid, ...side.daemon.helperPids()].reduce((t, pid) => t + cpuTicks(pid), 0);
}

async function startGuests(side: Side, names: string[]): Promise<void> {
  await runFixture('domains.py', [side.daemon.uri, 'start', side.stem], { input: names, timeoutMs: 600_000 });
}

/** Calls per second of bulk stats, in alternating windows. */
async function measureRate(s: Session): Promise<Record<string, { rates: number[]; params: number }>> {
  const out: Record<string, { rates: number[]; params: number }> = {};
  for (const side of s.sides) {
    await s.defineGuests(side, DEFINED);
    await startGuests(side, s.names(side, RUNNING));
    out[side.daemon.name] = { rates: [], params: 0 };
  }
  for (let w = 0; w < WINDOWS; w++) {
    for (const side of s.sides) {
      const r = await runFixture<{ calls: number; seconds: number; domains: number; params: number }>(
        'stats.py',
        [side.daemon.uri, 'rate', 1],
      );
      const row = out[side.daemon.name]!;
      row.rates.push(r.calls / r.seconds);
      row.params = r.params;
      if (r.domains !== DEFINED) throw new Error(`${side.daemon.name}: ${r.domains} records, not ${DEFINED}`);
    }
  }
  return out;
}

/** The daemon's CPU share of one core while virt-manager's per-second calls run for POLLED guests. */
async function measurePoll(s: Session, side: Side): Promise<{ cpuPercent: number; pollMs: number[] }> {
  await startGuests(side, s.names(side, POLLED).slice(RUNNING));
  const t0 = process.hrtime.bigint();
  const ticks0 = daemonTicks(side);
  const r = await runFixture<{ polls: number; domains: number; ms: number[] }>(
    'stats.py',
    [side.daemon.uri, 'poll', POLL_S],
    { timeoutMs: (POLL_S + 60) * 1000 },
  );
  const ticks = daemonTicks(side) - ticks0;
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  await runFixture('domains.py', [side.daemon.uri, 'destroy', side.stem], { timeoutMs: 600_000 });
  return { cpuPercent: (100 * ticks) / TICKS_PER_S / wallS, pollMs: r.ms };
}

await withSession('domstats', async (s) => {
  const rate = await measureRate(s);
  const rateRows = withRatios(
    Object.entries(rate).map(([name, r]) => ({ name, fig: figure(r.rates) })),
    'libvirtd',
  );
  for (const side of s.sides) await runFixture('domains.py', [side.daemon.uri, 'destroy', side.stem]);
  const poll: Record<string, { cpuPercent: number; pollMs: number[] }> = {};
  for (const side of s.sides) poll[side.daemon.name] = await measurePoll(s, side);
  console.log(
    formatTable(
      `getAllDomainStats, ${DEFINED} domains (${RUNNING} running)`,
      'calls/s',
      rateRows,
      ' (over libvirtd)',
    ),
  );
  for (const [name, p] of Object.entries(poll)) {
    const f = figure(p.pollMs);
    console.log(
      `${name}: ${p.cpuPercent.toFixed(2)}% of one core over ${POLL_S} s of virt-manager polls, ${POLLED} running guests; poll median ${f.median.toFixed(1)} ms, max ${f.max.toFixed(1)} ms`,
    );
  }
  const path = await writeResult('domain-stats', {
    windows: WINDOWS,
    pollSeconds: POLL_S,
    note: `rate: getAllDomainStats(all groups) calls/s for ${DEFINED} defined domains, ${RUNNING} running boot-sector guests (TCG, 64 MiB, IDE disk, no NIC, no balloon), target >= 1x libvirtd; poll: daemon CPU % of one core while virt-manager's per-second calls (getInfo + getAllDomainStats of state, cpu-total, vcpu, balloon, block, interface) run for ${POLLED} running boot-sector guests, target tsvirtd < 5%`,
    rate: rateRows,
    paramsPerCall: Object.fromEntries(Object.entries(rate).map(([n, r]) => [n, r.params])),
    poll: Object.fromEntries(
      Object.entries(poll).map(([n, p]) => [n, { cpuPercent: p.cpuPercent, pollMs: figure(p.pollMs) }]),
    ),
  });
  console.log(`wrote ${path}`);
});
