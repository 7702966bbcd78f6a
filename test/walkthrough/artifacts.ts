/**
 * Test helper: the folder where a desktop test keeps its screenshots and logs. It is removed after the
 * file's tests unless one of them failed (or TSVIRT_KEEP_ARTIFACTS=1), so that only evidence of a
 * failure outlives the run; the kept folder is named on the console.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';

/** Makes the folder (mode `mode`, for the qemu user to pass through) and registers its removal. */
export function useArtifactDir(prefix: string, mode: number): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, mode);
  let failed = false;
  afterEach(({ task }) => {
    if (task.result?.state === 'fail' || (task.result?.errors?.length ?? 0) > 0) failed = true;
  });
  // Registered before the file's own afterAll, so it runs after it (after hooks run in reverse).
  afterAll(() => {
    if (failed || process.env['TSVIRT_KEEP_ARTIFACTS'] === '1')
      console.log(`screenshots and logs kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}
