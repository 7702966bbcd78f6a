/** What the real-qemu tests of the domain codecs share: qemu's path, and a folder and qemu per test. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import type { DetachedChild } from '../../src/exec/index.js';

export const QEMU = '/usr/bin/qemu-system-x86_64';
/** Whether qemu and qemu-img are installed (the tests skip with the reason printed when not). */
export const hasQemu = existsSync(QEMU) && existsSync('/usr/bin/qemu-img');

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The temp folder of the running test, and the qemu it started there (if any). */
export interface QemuRun {
  dir: string;
  child: DetachedChild | undefined;
}

/**
 * A fresh temp folder for each test; after it, the qemu the test set in `child` is killed (and must be
 * gone) and the folder removed.
 */
export function useQemuRun(prefix: string): QemuRun {
  const run: QemuRun = { dir: '', child: undefined };
  beforeEach(() => {
    run.dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    if (run.child) {
      const { pid, exited } = run.child;
      run.child = undefined;
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      await exited;
      expect(isAlive(pid)).toBe(false);
    }
    rmSync(run.dir, { recursive: true, force: true });
  });
  return run;
}
