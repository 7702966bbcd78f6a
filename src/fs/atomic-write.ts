import { open, rename, rm } from 'node:fs/promises';
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

/** Flushes a folder's entries to disk. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
