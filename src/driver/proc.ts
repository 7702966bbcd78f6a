import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** What /proc/PID/stat tells about a process. */
export interface ProcStat {
  /** One-letter state: R, S, D, Z, T, ... */
  state: string;
  /** Start time in clock ticks after boot (field 22): with the pid, the identity of a process. */
  startTicks: number;
}

/** /proc/PID/stat of a process, or undefined when there is no such process. */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0] ?? '?', startTicks: Number(rest[19]) };
}

/** Whether a process exists and has not exited (a zombie counts as exited). */
export function isProcessAlive(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

/** The argv of a process from /proc/PID/cmdline, or undefined when it is gone. */
export function readCmdline(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((s, i, all) => s.length > 0 || i < all.length - 1);
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` is a live qemu process started for the domain with this uuid (STYLE point 8). With the
 * `startTicks` recorded when this driver spawned it, a process that started at that very tick is ours
 * whatever its command line shows: between setpriv and qemu, an exec in progress can show none.
 */
export function isQemuOfDomain(pid: number, uuid: string, startTicks?: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 1) return false;
  const stat = readProcStat(pid);
  if (stat === undefined || stat.state === 'Z' || stat.state === 'X') return false;
  if (startTicks !== undefined && startTicks > 0 && stat.startTicks === startTicks) return true;
  let argv = readCmdline(pid);
  // Just after spawn the process may still be setpriv, about to execute this qemu in place: it is ours.
  if (argv && basename(argv[0] ?? '') === 'setpriv' && argv.includes('--'))
    argv = argv.slice(argv.indexOf('--') + 1);
  if (!argv || argv.length === 0 || !basename(argv[0] ?? '').includes('qemu')) return false;
  const i = argv.indexOf('-uuid');
  return i >= 0 && (argv[i + 1] ?? '').toLowerCase() === uuid.toLowerCase();
}

/** Send a signal after checking that `pid` is still the domain's qemu; false when it is not (or gone). */
export function signalQemu(pid: number, uuid: string, signal: NodeJS.Signals, startTicks?: number): boolean {
  if (!isQemuOfDomain(pid, uuid, startTicks)) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/**
 * Wait until `pid` has exited, for at most `timeoutMs`; true when it has. qemu exits a few ms after
 * `quit`, so poll every millisecond at first, then every `pollMs`.
 */
export async function waitForExit(pid: number, timeoutMs: number, pollMs = 20): Promise<boolean> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  for (;;) {
    if (!isProcessAlive(pid)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, Date.now() - started < FAST_POLL_PHASE_MS ? 1 : pollMs));
  }
}

/** How long waitForExit polls every millisecond. */
const FAST_POLL_PHASE_MS = 100;
