import { TsvirtError, type ErrorCode } from '../errors.js';

/** What a finished or failed child process left behind. */
export interface CommandOutcome {
  argv: readonly string[];
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

/** A child process that exited non-zero, was killed, timed out or could not be started. */
export class CommandFailedError extends TsvirtError {
  readonly argv: readonly string[];
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;

  constructor(code: ErrorCode, message: string, outcome: CommandOutcome, options?: { cause?: unknown }) {
    super(
      code,
      message,
      {
        argv: outcome.argv,
        exitCode: outcome.exitCode,
        signal: outcome.signal,
        stderr: outcome.stderr,
        timedOut: outcome.timedOut,
      },
      options,
    );
    this.name = 'CommandFailedError';
    this.argv = outcome.argv;
    this.exitCode = outcome.exitCode;
    this.signal = outcome.signal;
    this.stdout = outcome.stdout;
    this.stderr = outcome.stderr;
    this.timedOut = outcome.timedOut;
  }
}
