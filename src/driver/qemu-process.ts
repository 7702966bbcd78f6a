import { appendFile, readFile } from 'node:fs/promises';
import { TsvirtError } from '../errors.js';
import { spawnDetached } from '../exec/index.js';
import { isQemuOfDomain, readProcStat, signalQemu, waitForExit } from './proc.js';

/** A qemu process this driver started. */
export interface QemuLaunch {
  pid: number;
  startTicks: number;
  /** Settles when qemu exits, while this process watches it. */
  exited: Promise<{ exitCode: number | undefined; signal: string | undefined }>;
}

/** What a launch adds to qemu's environment and to the log after the command line. */
export interface LaunchOptions {
  /** Variables set for qemu on top of the driver's own (<qemu:env>); the log shows them before the argv. */
  env?: Record<string, string>;
  /** Lines logged after the command line, each with the time (a taint, as libvirt logs it). */
  notes?: string[];
  /** Descriptors qemu gets as its fds 3, 4, ... (the taps of bridge and network NICs). */
  passFds?: readonly number[];
}

/**
 * Start qemu in its own session (it outlives the driver), its stdout and stderr appended to the log
 * (mode 0600) after a header line with the time and the argv, as libvirt's qemu log has them. qemu
 * starts with umask 077, so the sockets and files it makes are its user's alone.
 */
export async function launchQemu(
  argv: readonly string[],
  logFile: string,
  options: LaunchOptions = {},
): Promise<QemuLaunch> {
  const now = new Date().toISOString();
  const env = Object.entries(options.env ?? {}).map(([k, v]) => formatArgv([`${k}=${v}`]) + ' ');
  const notes = (options.notes ?? []).map((line) => `${now}: ${line}\n`).join('');
  await appendFile(logFile, `${now}: starting up\n${env.join('')}${formatArgv(argv)}\n${notes}`, {
    mode: 0o600,
  });
  const child = await spawnDetached(argv, {
    logFile,
    umask: 0o077,
    ...(options.env ? { env: options.env } : {}),
    ...(options.passFds?.length ? { passFds: options.passFds } : {}),
  });
  return { pid: child.pid, startTicks: readProcStat(child.pid)?.startTicks ?? 0, exited: child.exited };
}

/** An argv as one shell-quoted line, for the log only (it is never run by a shell). */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** What qemu printed after its last start-up header (the header and argv lines skipped), at most `bytes`. */
export async function readLogTail(logFile: string, bytes = 1500): Promise<string> {
  try {
    const text = await readFile(logFile, 'utf8');
    const header = text.lastIndexOf(': starting up\n');
    const afterHeader = header < 0 ? text : text.slice(header + ': starting up\n'.length);
    const afterArgv = afterHeader.slice(afterHeader.indexOf('\n') + 1);
    return afterArgv.slice(-bytes).trim();
  } catch {
    return '';
  }
}

/** The bounded waits of the stop ladder. */
export interface StopLadder {
  /** Stop after SIGTERM: never SIGKILL (virDomainDestroyFlags GRACEFUL). */
  graceful: boolean;
  termWaitMs: number;
  killWaitMs: number;
}

/** The step of the ladder that ended the process ('gone': it was not running, or was not our qemu). */
export type StopStep = 'gone' | 'sigterm' | 'sigkill';

/**
 * Stop a qemu: SIGTERM, then SIGKILL (unless graceful), each followed by a bounded wait.
 * SIGCONT follows SIGTERM: a stopped (SIGSTOP) process acts on SIGTERM only once continued. Every
 * signal is sent only after the process shows to be this domain's qemu: the one spawned at
 * `startTicks`, or one whose /proc/PID/cmdline names the uuid. Throws ERR_OPERATION_FAILED when the
 * process survives the last step.
 */
export async function stopQemu(
  proc: { pid: number; startTicks?: number },
  uuid: string,
  ladder: StopLadder,
): Promise<StopStep> {
  const { pid, startTicks } = proc;
  if (!isQemuOfDomain(pid, uuid, startTicks)) return 'gone';
  if (!signalQemu(pid, uuid, 'SIGTERM', startTicks)) return 'gone';
  signalQemu(pid, uuid, 'SIGCONT', startTicks);
  if (await waitForExit(pid, ladder.termWaitMs)) return 'sigterm';
  if (ladder.graceful) {
    throw new TsvirtError(
      'ERR_OPERATION_FAILED',
      `qemu process ${pid} is still running ${ladder.termWaitMs} ms after SIGTERM; destroy without --graceful to kill it`,
      { pid, step: 'sigterm', waitMs: ladder.termWaitMs },
    );
  }
  if (!signalQemu(pid, uuid, 'SIGKILL', startTicks)) return 'gone';
  if (await waitForExit(pid, ladder.killWaitMs)) return 'sigkill';
  throw new TsvirtError(
    'ERR_OPERATION_FAILED',
    `qemu process ${pid} is still running ${ladder.killWaitMs} ms after SIGKILL; it may be stuck in the kernel (state D), check /proc/${pid}/stack`,
    { pid, step: 'sigkill', waitMs: ladder.killWaitMs },
  );
}
