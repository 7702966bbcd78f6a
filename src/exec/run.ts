import type { Options } from 'execa';
import { CommandFailedError, type CommandOutcome } from './command-failed-error.js';

/** Default bound on any child process, so that a hung tool never hangs tsvirt. */
export const DEFAULT_TIMEOUT_MS = 120_000;

/** Resource limits applied to a child through prlimit(1), for tools that read untrusted input. */
export interface ResourceLimits {
  /** Address-space limit (RLIMIT_AS). */
  memoryBytes?: number;
  /** CPU-time limit (RLIMIT_CPU). */
  cpuSeconds?: number;
}

/** Options of one child process run. */
export interface RunOptions {
  timeoutMs?: number;
  /** Extra environment, merged over the parent's; LC_ALL is always C. */
  env?: Record<string, string | undefined>;
  /** Bytes or text written to the child's stdin. */
  input?: string | Buffer;
  cwd?: string;
  limits?: ResourceLimits;
  /** Accept these exit codes as success (0 always is). */
  okExitCodes?: readonly number[];
}

/** The result of a child process that succeeded. */
export type RunResult = CommandOutcome & { exitCode: number };

/** Prefix argv with prlimit(1) when limits are asked for. */
export function buildLimitedArgv(argv: readonly string[], limits: ResourceLimits | undefined): string[] {
  if (!limits || (limits.memoryBytes === undefined && limits.cpuSeconds === undefined)) return [...argv];
  const prefix = ['prlimit'];
  if (limits.memoryBytes !== undefined) prefix.push(`--as=${Math.floor(limits.memoryBytes)}`);
  if (limits.cpuSeconds !== undefined) prefix.push(`--cpu=${Math.ceil(limits.cpuSeconds)}`);
  return [...prefix, '--', ...argv];
}

/** The environment every child gets: the parent's, the caller's extras, and the C locale. */
export function buildChildEnv(
  extra?: Record<string, string | undefined>,
): Record<string, string | undefined> {
  return { ...process.env, ...extra, LC_ALL: 'C', LANG: 'C' };
}

/**
 * Run one program with an argv array (never a shell string), in the C locale, with a timeout.
 * Resolves on exit 0 (or an accepted code); rejects with CommandFailedError otherwise.
 */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  if (argv.length === 0 || !argv[0]) throw new TypeError('run: argv must name a program');
  const fullArgv = buildLimitedArgv(argv, options.limits);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // execa's hundred modules load on the first run, not at import: an idle daemon runs no tool.
  const { execa } = await import('execa');
  const started = performance.now();
  const execaOptions: Options = {
    reject: false,
    timeout: timeoutMs,
    env: buildChildEnv(options.env),
    extendEnv: false,
    stripFinalNewline: false,
    forceKillAfterDelay: 2_000,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
  };
  const result = await execa(fullArgv[0] as string, fullArgv.slice(1), execaOptions);
  const outcome: CommandOutcome = {
    argv: fullArgv,
    exitCode: result.exitCode,
    signal: result.signal,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    timedOut: result.timedOut,
    durationMs: performance.now() - started,
  };
  const accepted =
    outcome.exitCode === 0 ||
    (outcome.exitCode !== undefined && !!options.okExitCodes?.includes(outcome.exitCode));
  if (accepted && !outcome.timedOut) return outcome as RunResult;
  throw toCommandFailedError(outcome, result.cause, timeoutMs);
}

function toCommandFailedError(
  outcome: CommandOutcome,
  cause: unknown,
  timeoutMs: number,
): CommandFailedError {
  const program = outcome.argv[0];
  const errno = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (errno === 'ENOENT') {
    return new CommandFailedError(
      'ERR_COMMAND_NOT_FOUND',
      `${program}: command not found; install the package that provides it`,
      outcome,
      { cause },
    );
  }
  if (outcome.timedOut) {
    return new CommandFailedError(
      'ERR_COMMAND_TIMEOUT',
      `${program} timed out after ${timeoutMs} ms`,
      outcome,
      {
        cause,
      },
    );
  }
  const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with status ${outcome.exitCode}`;
  const detail = firstLine(outcome.stderr);
  return new CommandFailedError(
    'ERR_COMMAND_FAILED',
    `${program} ${how}${detail ? `: ${detail}` : ''}`,
    outcome,
    { cause },
  );
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? ''
  );
}
