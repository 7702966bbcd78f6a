/** The daemon's pidfile: "PID\n", written atomically once the daemon serves, removed when it stops. */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TsvirtError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { isProcessAlive, readCmdline } from '../driver/proc.js';

/** The pid in a pidfile, or undefined when the file is absent or not a pidfile. */
export async function readPidFile(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  const m = text === undefined ? null : /^(\d+)\s*$/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Fails when the pidfile names a live process other than this one (another daemon on this root). */
export async function checkPidFileFree(path: string): Promise<void> {
  const pid = await readPidFile(path);
  if (pid === undefined || pid === process.pid || !isProcessAlive(pid)) return;
  // A reused pid that is not a tsvirtd makes the file stale, not a rival.
  if (!(readCmdline(pid) ?? []).some((arg) => arg.includes('tsvirtd'))) return;
  throw new TsvirtError(
    'ERR_ROOT_LOCKED',
    `${path}: another tsvirtd runs (pid ${pid}); stop it first (kill ${pid}) or use another --root and -p`,
    { path, pid },
  );
}

/** Writes this process's pid to `path`, atomically. */
export async function writePidFile(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, `${process.pid}\n`, 0o644);
}

/** Removes the pidfile if it still names this process. */
export async function removePidFile(path: string): Promise<void> {
  if ((await readPidFile(path)) === process.pid) await rm(path, { force: true });
}
