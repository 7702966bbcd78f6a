/**
 * Whether a user can reach and open a file, from the modes and owners along its path (POSIX ACLs
 * aside), so that a guest whose qemu could not open a disk fails with the path and the user named
 * rather than with qemu's "Permission denied".
 */
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Stats } from 'node:fs';
import type { QemuUser } from './qemu-user.js';

/** Access a file is opened with. */
export type AccessMode = 'r' | 'rw';

/** Why `user` cannot reach or open `path`, or undefined when it can. */
export async function findAccessProblem(
  path: string,
  user: QemuUser,
  mode: AccessMode,
): Promise<string | undefined> {
  if (user.uid === 0) return undefined;
  for (const dir of listAncestors(path)) {
    const st = await stat(dir).catch(() => undefined);
    if (!st) return `${dir} does not exist`;
    if (!isAllowed(st, user, 0o1)) return `no search permission on ${describe(dir, st)}`;
  }
  const st = await stat(path).catch(() => undefined);
  if (!st) return `${path} does not exist`;
  if (!isAllowed(st, user, 0o4)) return `no read permission on ${describe(path, st)}`;
  if (mode === 'rw' && !isAllowed(st, user, 0o2)) return `no write permission on ${describe(path, st)}`;
  return undefined;
}

/** Whether `user` has the permission `bit` (4 read, 2 write, 1 search) on a file of these stats. Pure. */
export function isAllowed(st: Pick<Stats, 'mode' | 'uid' | 'gid'>, user: QemuUser, bit: number): boolean {
  if (user.uid === 0) return true;
  if (st.uid === user.uid) return ((st.mode >> 6) & bit) === bit;
  if (user.groups.includes(st.gid) || st.gid === user.gid) return ((st.mode >> 3) & bit) === bit;
  return (st.mode & bit) === bit;
}

/** The folders above `path`, from the root down. Pure. */
export function listAncestors(path: string): string[] {
  const out: string[] = [];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    out.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  return out;
}

function describe(path: string, st: Stats): string {
  return `${path} (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}, owner ${st.uid}:${st.gid})`;
}
