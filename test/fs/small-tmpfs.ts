/**
 * Test helper: a small tmpfs on a temp folder, for tests that fill a disk. Whether one can be mounted
 * is asked at collection (a probe mounted and removed at once), the mount itself is made in a hook, so
 * that collecting a test file (`vitest list`, a `-t` filter that runs none of its tests) leaves nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/exec/index.js';

/** Mounts a tmpfs of `size` (mount's size=, e.g. '2m') on a new temp folder named after `prefix`. */
export async function mountSmallTmpfs(prefix: string, size: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  try {
    await run(['mount', '-t', 'tmpfs', '-o', `size=${size},mode=0755`, prefix, dir], { timeoutMs: 10_000 });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return dir;
}

/** Unmounts and removes what mountSmallTmpfs made; '' (nothing mounted) does nothing. */
export async function unmountSmallTmpfs(dir: string): Promise<void> {
  if (!dir) return;
  await run(['umount', dir], { timeoutMs: 10_000 }).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}

/** Why no tmpfs can be mounted here, or undefined when one can (the probe is gone again). */
export async function whyNoTmpfs(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  try {
    await unmountSmallTmpfs(await mountSmallTmpfs('tsvirt-tmpfs-probe', '1m'));
    return undefined;
  } catch (err) {
    return `mount -t tmpfs failed: ${(err as Error).message}`;
  }
}
