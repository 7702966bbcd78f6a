/** Process facts for the benchmarks: RSS, cmdline scans for our own qemu pids. */
import { readFileSync, readdirSync } from 'node:fs';
import { isAlive } from '../../scripts/loopback-daemon.js';

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
