import { once } from 'node:events';
import { closeSync, fchmodSync, openSync } from 'node:fs';
import type { Options } from 'execa';
import { buildChildEnv } from './run.js';
import { CommandFailedError } from './command-failed-error.js';

/** Options for a long-lived child that must outlive tsvirt (a qemu process). */
export interface DetachedOptions {
  /** File that receives the child's stdout and stderr (appended). */
  logFile: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** The child's umask (default: this process's). */
  umask?: number;
  /** Open descriptors of this process the child gets as its fds 3, 4, ... in order (a tap for qemu). */
  passFds?: readonly number[];
}

/** A child started in its own session, with no pipes back to us. */
export interface DetachedChild {
  pid: number;
  /** Settles when the child ends, while this process still watches it. */
  exited: Promise<{ exitCode: number | undefined; signal: string | undefined }>;
}

/**
 * Start a program in its own process session (setsid), stdout and stderr appended to a log file, stdin
 * closed. It keeps running when this process exits. Rejects with CommandFailedError when it cannot start.
 */
export async function spawnDetached(
  argv: readonly string[],
  options: DetachedOptions,
): Promise<DetachedChild> {
  if (argv.length === 0 || !argv[0]) throw new TypeError('spawnDetached: argv must name a program');
  const { execa } = await import('execa'); // loaded on first use, as in run()
  // A raw fd, not execa's {file} form: that one pipes the output through this process, which then
  // cannot exit while the child runs, and the log stops when this process dies.
  const fd = openSync(options.logFile, 'a', 0o600);
  fchmodSync(fd, 0o600);
  const execaOptions: Options = {
    detached: true,
    stdio: ['ignore', fd, fd, ...(options.passFds ?? [])] as unknown as Options['stdio'],
    reject: false,
    env: buildChildEnv(options.env),
    extendEnv: false,
    cleanup: false,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  };
  // The umask is the process's: set it only around the synchronous fork and exec inside execa().
  const previousUmask = options.umask === undefined ? undefined : process.umask(options.umask);
  let child: ReturnType<typeof execa>;
  try {
    child = execa(argv[0], argv.slice(1), execaOptions);
  } finally {
    if (previousUmask !== undefined) process.umask(previousUmask);
  }
  const exited = child.then((r) => ({ exitCode: r.exitCode, signal: r.signal }));
  try {
    await once(child, 'spawn');
  } catch (cause) {
    closeSync(fd);
    const errno = (cause as NodeJS.ErrnoException).code;
    const outcome = {
      argv,
      exitCode: undefined,
      signal: undefined,
      stdout: '',
      stderr: String((cause as Error).message),
      timedOut: false,
      durationMs: 0,
    };
    throw new CommandFailedError(
      errno === 'ENOENT' ? 'ERR_COMMAND_NOT_FOUND' : 'ERR_COMMAND_FAILED',
      `${argv[0]}: could not start (${errno ?? 'unknown error'})`,
      outcome,
      { cause },
    );
  }
  closeSync(fd);
  child.unref();
  return { pid: child.pid as number, exited };
}
