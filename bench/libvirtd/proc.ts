/** Process facts for the benchmarks: liveness, RSS, cmdline scans for our own qemu pids, free ports. */
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, connect } from 'node:net';

/** Whether a pid still runs (a zombie counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3, after the parenthesised command name, is the state; Z is a zombie.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** VmRSS of a pid in KiB, from /proc/PID/status (NaN when the pid is gone). */
export function rssKiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** The argv of a pid, or [] when it is gone. */
export function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * Pids of the qemu processes whose `-name guest=NAME` starts with `prefix`. Every guest of one benchmark
 * run carries that run's random prefix, so this finds our qemus and never another helper's.
 */
export function findGuestPids(prefix: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = cmdline(Number(entry));
    const i = argv.indexOf('-name');
    if (i < 0 || !argv[0]?.includes('qemu-system')) continue;
    if (argv[i + 1]?.startsWith(`guest=${prefix}`) && isAlive(Number(entry))) pids.push(Number(entry));
  }
  return pids;
}

/** Poll `cond` every `everyMs` until it holds or `ms` pass; returns its last value. */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  ms: number,
  everyMs = 20,
): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return cond();
}

/** SIGTERM, then SIGKILL after `graceMs`; throws when the pid still runs after that. */
export async function killAndWait(pid: number, graceMs = 5_000): Promise<void> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  if (!isAlive(pid)) return;
  signal('SIGTERM');
  if (await waitFor(() => !isAlive(pid), graceMs)) return;
  signal('SIGKILL');
  if (!(await waitFor(() => !isAlive(pid), 3_000))) throw new Error(`pid ${pid} survived SIGKILL`);
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Whether 127.0.0.1:port accepts a connection. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}
