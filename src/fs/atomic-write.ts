import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TsvirtError } from '../errors.js';

let tmpCounter = 0;

/**
 * Writes a file so that readers see the old content or the new, never a part: a temp file in the same
 * folder, fsync, rename over the target, then fsync the folder so the rename survives a crash. On
 * failure the temp file is removed and the target is left as it was (ERR_IO, or ERR_NO_SPACE when the
 * disk is full).
 */
export async function writeFileAtomic(path: string, data: string | Buffer, mode = 0o600): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${++tmpCounter}.tmp`);
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    await syncDir(dirname(path));
  } catch (cause) {
    await rm(tmp, { force: true });
    const errno = (cause as NodeJS.ErrnoException).code;
    throw new TsvirtError(
      errno === 'ENOSPC' ? 'ERR_NO_SPACE' : 'ERR_IO',
      `${path}: cannot write (${(cause as Error).message})${errno === 'ENOSPC' ? '; free some space on that file system' : ''}`,
      { path, errno },
      { cause },
    );
  }
}

/** A temp file of writeFileAtomic: `.NAME.PID.N.tmp`. */
const TEMP_FILE = /^\..+\.(\d+)\.\d+\.tmp$/;

/**
 * Removes the temp files that writers killed mid-write (kill -9, power loss) left in `dir`: those of
 * a pid that no longer runs. Returns their names.
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  const stale = (await readdir(dir).catch(() => [] as string[])).filter((name) => {
    const pid = Number(TEMP_FILE.exec(name)?.[1] ?? Number.NaN);
    return Number.isSafeInteger(pid) && pid !== process.pid && !isPidRunning(pid);
  });
  for (const name of stale) await rm(join(dir, name), { force: true });
  return stale;
}

/** Whether a process with this pid exists (one of another user counts). */
export function isPidRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Flushes a folder's entries to disk. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
