/**
 * The daemon's open-file limit (RLIMIT_NOFILE): raised at start from the soft to the hard limit, as
 * systemd-era daemons do, and turned into a cap on clients so that accept never meets EMFILE. Node has
 * no setrlimit, so util-linux prlimit(1) sets the daemon's own limit by pid.
 */
import { readFile } from 'node:fs/promises';
import { TsvirtError } from '../errors.js';
import { run } from '../exec/index.js';

/** A soft and a hard limit; Infinity stands for "unlimited". */
export interface NofileLimits {
  soft: number;
  hard: number;
}

/**
 * Descriptors kept out of the client cap: guests' QMP and console sockets, log and image files, the
 * pipes of qemu-img and lvm runs, the listeners. A quarter of a small limit, 256 of a large one.
 */
export function reservedDescriptors(soft: number): number {
  return Math.min(256, Math.ceil(soft / 4));
}

/** How many clients the soft limit leaves room for. */
export function clientBudgetFor(soft: number): number {
  if (!Number.isFinite(soft)) return Number.MAX_SAFE_INTEGER;
  return Math.max(1, soft - reservedDescriptors(soft));
}

/** The "Max open files" line of a /proc/PID/limits text. Pure. */
export function parseNofileLimits(text: string): NofileLimits {
  const line = text.split('\n').find((l) => l.startsWith('Max open files'));
  const m = line?.match(/^Max open files\s+(\S+)\s+(\S+)/);
  const value = (s: string | undefined): number => (s === 'unlimited' ? Infinity : Number(s));
  const limits = { soft: value(m?.[1]), hard: value(m?.[2]) };
  if (!m || Number.isNaN(limits.soft) || Number.isNaN(limits.hard)) {
    throw new TsvirtError(
      'ERR_IO',
      `/proc/self/limits: no "Max open files" line with two limits (got ${JSON.stringify(line ?? null)})`,
      { field: 'Max open files', value: line ?? null },
    );
  }
  return limits;
}

/** This process's limits, from /proc/self/limits. */
export async function readNofileLimits(): Promise<NofileLimits> {
  return parseNofileLimits(await readFile('/proc/self/limits', 'utf8'));
}

/**
 * Raises this process's soft limit to the hard one with `prlimit --pid`; returns the limits in force
 * afterwards. A failure to raise is reported through `warn`, and the old limits stay.
 */
export async function raiseNofileLimit(warn: (msg: string) => void): Promise<NofileLimits> {
  const before = await readNofileLimits();
  if (before.soft >= before.hard) return before;
  const hard = Number.isFinite(before.hard) ? String(before.hard) : 'unlimited';
  try {
    await run(['prlimit', `--pid=${process.pid}`, `--nofile=${hard}:${hard}`], { timeoutMs: 10_000 });
  } catch (err) {
    warn(
      `the soft limit of open files stays ${before.soft} (hard ${before.hard}): ${(err as Error).message}; install util-linux's prlimit or raise it with ulimit -n`,
    );
    return before;
  }
  return readNofileLimits();
}
