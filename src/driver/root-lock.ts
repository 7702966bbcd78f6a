import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TsvirtError } from '../errors.js';
import { readProcStat } from './proc.js';

/** The holder of a root lock, as written in the lock file: "PID STARTTICKS\n". */
export interface LockHolder {
  pid: number;
  startTicks: number;
}

const POLL_MS = 50;

/**
 * Only one driver owns a root. The lock file holds the owner's pid and start time; a second owner waits
 * up to `timeoutMs`, then fails with ERR_ROOT_LOCKED naming the pid. A lock whose process is gone (or
 * whose pid now belongs to another process) is stale and is taken over.
 */
export class RootLock {
  private constructor(
    readonly path: string,
    private readonly content: string,
  ) {}

  /** Take the lock at `path`, waiting at most `timeoutMs` for a live holder to let go. */
  static async acquire(path: string, timeoutMs: number): Promise<RootLock> {
    await mkdir(dirname(path), { recursive: true });
    const self = describeSelf();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await tryCreate(path, self)) return new RootLock(path, self);
      const text = await readFile(path, 'utf8').catch(() => undefined);
      if (text === undefined) continue; // released between our two calls
      const holder = parseHolder(text);
      if (!holder || !isHolderAlive(holder)) {
        await takeOverStale(path, text);
        continue;
      }
      if (Date.now() >= deadline) {
        throw new TsvirtError(
          'ERR_ROOT_LOCKED',
          `${path}: the root is in use by process ${holder.pid}; stop that process or use another --root`,
          { path, pid: holder.pid, timeoutMs },
        );
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /** Let go of the lock (only if the file is still ours). */
  async release(): Promise<void> {
    const text = await readFile(this.path, 'utf8').catch(() => undefined);
    if (text === this.content) await unlink(this.path).catch(() => undefined);
  }
}

/** The holder written in a lock file, or undefined when the text is not one. */
export function parseHolder(text: string): LockHolder | undefined {
  const m = /^(\d+) (\d+)\n?$/.exec(text);
  if (!m) return undefined;
  return { pid: Number(m[1]), startTicks: Number(m[2]) };
}

function describeSelf(): string {
  const stat = readProcStat(process.pid);
  return `${process.pid} ${stat?.startTicks ?? 0}\n`;
}

function isHolderAlive(holder: LockHolder): boolean {
  const stat = readProcStat(holder.pid);
  return stat !== undefined && stat.state !== 'Z' && stat.startTicks === holder.startTicks;
}

/** Create the lock file only if none exists: write a temp file, then link(2), which fails on EEXIST. */
async function tryCreate(path: string, content: string): Promise<boolean> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(content);
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (cause) {
    await unlink(tmp).catch(() => undefined);
    const errno = (cause as NodeJS.ErrnoException).code;
    const full = errno === 'ENOSPC';
    throw new TsvirtError(
      full ? 'ERR_NO_SPACE' : 'ERR_IO',
      `${path}: cannot take the root lock (${(cause as Error).message})${full ? '; free some space on that file system' : ''}`,
      { path, errno },
      { cause },
    );
  }
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/**
 * Move a stale lock aside. rename(2) is atomic, so of two processes taking over at once only one moves
 * the stale file; if what we moved is not the stale text we read (another process took over first),
 * we put it back and the loop sees a live holder.
 */
async function takeOverStale(path: string, staleText: string): Promise<void> {
  const aside = `${path}.stale.${process.pid}`;
  try {
    await rename(path, aside);
  } catch {
    return;
  }
  const moved = await readFile(aside, 'utf8').catch(() => undefined);
  if (moved !== staleText) await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}
