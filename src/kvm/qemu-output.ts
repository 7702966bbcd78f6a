/** What qemu's own output says; pure parsers of `--version`, `-accel help` and a trial start. */

/** The version in `qemu-system-x86_64 --version` ("QEMU emulator version 7.2.22 (Debian ...)"). */
export function parseQemuVersion(stdout: string): string | null {
  const match = /QEMU emulator version (\d+\.\d+(?:\.\d+)?)/.exec(stdout);
  return match?.[1] ?? null;
}

/** The accelerators that `-accel help` lists, one a line after its heading. */
export function parseAccelHelp(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^[a-z][a-z0-9_-]*$/.test(line));
}

/** How a trial start of qemu ended. */
export interface TrialOutcome {
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Whether a `-cpu host` trial started and quit on request, and why not when it did not. */
export interface CpuHostVerdict {
  works: boolean;
  detail: string;
}

/**
 * Judges a trial start that was sent qmp_capabilities, cont and quit over `-qmp stdio`: it worked
 * when qemu exited 0 after answering. Otherwise the detail is the first stderr line about an MSR
 * (qemu asserts after failing to set one), else the first line that is not a warning.
 */
export function judgeCpuHostTrial(outcome: TrialOutcome): CpuHostVerdict {
  if (outcome.exitCode === 0 && !outcome.timedOut && outcome.stdout.includes('"return"')) {
    return { works: true, detail: 'qemu started with -cpu host under KVM and quit on request' };
  }
  const lines = outcome.stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  const reason =
    lines.find((line) => /\bMSR\b/i.test(line)) ??
    lines.find((line) => !/warning:/i.test(line)) ??
    describeEnd(outcome);
  return { works: false, detail: reason };
}

function describeEnd(outcome: TrialOutcome): string {
  if (outcome.timedOut) return 'qemu did not quit in time';
  if (outcome.signal) return `qemu was killed by ${outcome.signal}`;
  return `qemu exited with status ${outcome.exitCode ?? 'unknown'}`;
}
