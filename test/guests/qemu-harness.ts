import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDetached, type DetachedChild } from '../../src/exec/index.js';

/** One qemu started by a test, with its own temp folder for the serial log, qemu's log and QMP. */
export interface TestQemu {
  child: DetachedChild;
  dir: string;
  serialLog: string;
  serialSocket: string;
  qmpSocket: string;
  startedAt: number;
}

/**
 * Start qemu-system-x86_64 with a QMP socket, plus `args`; COM1 goes to a log file, or to a listening
 * unix socket (`serialSocket`) for interactive console tests.
 */
export async function startQemu(
  args: readonly string[],
  options: { serialSocket?: boolean } = {},
): Promise<TestQemu> {
  const dir = await mkdtemp(join(tmpdir(), 'tsvirt-guests-'));
  const serialLog = join(dir, 'serial.log');
  const serialSocket = join(dir, 'serial.sock');
  const serial = options.serialSocket ? `unix:${serialSocket},server=on,wait=off` : `file:${serialLog}`;
  const qmpSocket = join(dir, 'qmp.sock');
  const startedAt = performance.now();
  const child = await spawnDetached(
    [
      'qemu-system-x86_64',
      ...['-display', 'none', '-nodefaults', '-no-user-config'],
      ...['-serial', serial],
      ...['-qmp', `unix:${qmpSocket},server=on,wait=off`],
      ...args,
    ],
    { logFile: join(dir, 'qemu.log') },
  );
  return { child, dir, serialLog, serialSocket, qmpSocket, startedAt };
}

/** How often `text` occurs in `haystack`. */
export function countOccurrences(haystack: string, text: string): number {
  return haystack.split(text).length - 1;
}

/** Wait until the serial log holds `text` at least `times` times; returns ms since spawn, or throws. */
export async function waitForSerial(
  qemu: TestQemu,
  text: string,
  timeoutMs: number,
  times = 1,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const log = await readFile(qemu.serialLog, 'latin1').catch(() => '');
    if (countOccurrences(log, text) >= times) return performance.now() - qemu.startedAt;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const log = await readFile(qemu.serialLog, 'latin1').catch(() => '(no serial log)');
  const qemuLog = await readFile(join(qemu.dir, 'qemu.log'), 'utf8').catch(() => '');
  throw new Error(
    `"${text}" x${times} not seen within ${timeoutMs} ms; serial tail:\n${log.slice(-1500)}\n${qemuLog}`,
  );
}

/** Resolve with qemu's exit, or undefined when it has not exited within `timeoutMs`. */
export async function waitForExit(
  qemu: TestQemu,
  timeoutMs: number,
): Promise<{ exitCode: number | undefined; signal: string | undefined } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    return await Promise.race([qemu.child.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether a process with this pid exists (a zombie counts). */
export function isPidAlive(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

/** SIGKILL this test's qemu (only its pid), wait for it to be reaped, and remove its temp folder. */
export async function stopQemu(qemu: TestQemu): Promise<void> {
  if (isPidAlive(qemu.child.pid)) {
    try {
      process.kill(qemu.child.pid, 'SIGKILL');
    } catch {
      // it exited between the check and the kill
    }
  }
  await waitForExit(qemu, 5_000);
  await rm(qemu.dir, { recursive: true, force: true });
}
