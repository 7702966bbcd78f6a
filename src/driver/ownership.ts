/**
 * Dynamic ownership, as libvirt's qemu.conf `dynamic_ownership`: while a guest runs, the qemu user
 * owns the files its qemu opens (disks, kernel, initrd, serial files); at stop they get their owners
 * back. The owners before the start are kept in run/qemu/NAME.owners (JSON, mode 0600) so that a
 * restarted tsvirtd still gives them back. Files under system folders and under the root's own etc/
 * and run/ are never given away: a guest may use them only where the qemu user can already open them.
 */
import { chown, realpath, stat } from 'node:fs/promises';
import { sep } from 'node:path';
import { TsvirtError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { findAccessProblem, type AccessMode } from './file-access.js';
import { hasDeviceMapper } from '../storage/backend.js';
import type { QemuUser } from './qemu-user.js';
import { readIfExists, removeFile } from './runtime-files.js';

/** A file a starting guest's qemu opens. */
export interface GuestFile {
  path: string;
  mode: AccessMode;
  /** What the domain uses it for, for messages: `disk vda`, `kernel`. */
  what: string;
  /** What to do when the qemu user cannot open it, where the general advice does not fit. */
  remedy?: string;
}

/** A file's owner before tsvirt gave it to the qemu user. */
export interface OwnerRecord {
  path: string;
  uid: number;
  gid: number;
}

/** Folders whose files tsvirt never gives to the qemu user. */
const SYSTEM_DIRS = ['/etc', '/usr', '/boot', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
const SYSTEM_DIRS_ANY = ['/proc', '/sys', '/root/.ssh'];

/** Whether tsvirt may give `realPath` (symlinks resolved) to the qemu user. Pure. */
export function isGivable(
  realPath: string,
  kind: 'file' | 'block' | 'other',
  keep: readonly string[],
): boolean {
  if (kind === 'other') return false;
  const under = (dir: string): boolean => realPath === dir || realPath.startsWith(dir + sep);
  if ([...SYSTEM_DIRS, ...SYSTEM_DIRS_ANY, ...keep].some(under)) return false;
  // Block devices live under /dev (LVM volumes among them); nothing else there is a disk to give.
  return kind === 'block' ? under('/dev') : !under('/dev');
}

/**
 * Give the qemu user each file it lacks access to, then check that it can open every one; returns the
 * owners to give back. On a file it still cannot open, what was given is given back and the error
 * (ERR_IO) names the domain, the file, the user and the reason. `keep`: folders never given away.
 */
export async function grantFiles(
  domain: string,
  files: readonly GuestFile[],
  user: QemuUser,
  dynamicOwnership: boolean,
  keep: readonly string[],
): Promise<OwnerRecord[]> {
  const records: OwnerRecord[] = [];
  try {
    for (const file of files) {
      const real = await realpath(file.path).catch(() => file.path);
      const st = await stat(real).catch(() => undefined);
      if (!st) await checkDeviceNode(domain, file, real);
      const kind = !st ? 'other' : st.isFile() ? 'file' : st.isBlockDevice() ? 'block' : 'other';
      const givable = dynamicOwnership && st !== undefined && isGivable(real, kind, keep);
      if (givable && (st.uid !== user.uid || st.gid !== user.gid)) {
        if (!records.some((r) => r.path === real)) records.push({ path: real, uid: st.uid, gid: st.gid });
        await chown(real, user.uid, user.gid);
      }
      const problem = await findAccessProblem(real, user, file.mode);
      if (problem)
        throw accessError(domain, file, user, problem, st !== undefined && !givable, dynamicOwnership);
    }
  } catch (err) {
    await giveBack(records, () => undefined);
    throw err;
  }
  return records;
}

/**
 * A device node under /dev that is absent while the kernel has no device-mapper: say so (an LVM
 * volume's node cannot exist then), rather than only that the path is missing.
 */
async function checkDeviceNode(domain: string, file: GuestFile, path: string): Promise<void> {
  if (!path.startsWith('/dev/') || (await hasDeviceMapper())) return;
  throw new TsvirtError(
    'ERR_NO_DEVICE_MAPPER',
    `domain '${domain}': ${file.what} ${path} does not exist, and the kernel has no device-mapper, so LVM volumes cannot be activated; load the dm_mod module or use a dir pool`,
    { domain, path },
  );
}

function accessError(
  domain: string,
  file: GuestFile,
  user: QemuUser,
  problem: string,
  kept: boolean,
  dynamicOwnership: boolean,
): TsvirtError {
  const how = file.mode === 'rw' ? 'for reading and writing' : 'for reading';
  const remedy =
    file.remedy ??
    (!dynamicOwnership
      ? 'give that user access, or set dynamic_ownership = 1 in qemu.conf'
      : kept
        ? 'tsvirt gives no system file (nor anything outside a regular file or block device) to the qemu user; copy it elsewhere or give that user access yourself'
        : 'give that user search permission on every folder above it, or move the file');
  return new TsvirtError(
    'ERR_IO',
    `domain '${domain}': ${file.what} ${file.path}: the qemu user ${user.name} (uid ${user.uid}, gid ${user.gid}) cannot open it ${how}: ${problem}; ${remedy}`,
    {
      domain,
      path: file.path,
      user: user.name,
      uid: user.uid,
      gid: user.gid,
      mode: file.mode,
      reason: problem,
    },
  );
}

/** Give each file its recorded owner back; failures go to `log`. */
export async function giveBack(records: readonly OwnerRecord[], log: (line: string) => void): Promise<void> {
  for (const r of records) {
    await chown(r.path, r.uid, r.gid).catch((err: unknown) =>
      log(`${r.path}: cannot give back to ${r.uid}:${r.gid} (${(err as Error).message})`),
    );
  }
}

/** Write the owners file of a domain (nothing when there is nothing to give back). */
export async function saveOwners(file: string, records: readonly OwnerRecord[]): Promise<void> {
  if (records.length === 0) return removeFile(file);
  await writeFileAtomic(file, `${JSON.stringify(records, null, 1)}\n`, 0o600);
}

/** The records of an owners file; an absent or unreadable file gives none. */
export async function readOwners(file: string): Promise<OwnerRecord[]> {
  const text = await readIfExists(file).catch(() => undefined);
  if (!text) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (r): r is OwnerRecord =>
        typeof r === 'object' &&
        r !== null &&
        typeof (r as OwnerRecord).path === 'string' &&
        Number.isSafeInteger((r as OwnerRecord).uid) &&
        Number.isSafeInteger((r as OwnerRecord).gid),
    );
  } catch {
    return [];
  }
}
