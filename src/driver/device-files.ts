/**
 * The file of a disk attached to a running guest, handed to the qemu user as a start hands its disks
 * (dynamic ownership), recorded in the domain's owners file, and given back when the disk is detached
 * unless another running guest still uses it (that one then takes the record over).
 */
import { dirname } from 'node:path';
import { realpath } from 'node:fs/promises';
import type { DiskConfig } from '../domain/index.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { giveBack, grantFiles, readOwners, saveOwners } from './ownership.js';
import { listGuestFiles } from './guest-files.js';

/** The host path of a disk's source (a volume resolved), or undefined for an empty drive. */
export function diskHostPath(disk: DiskConfig): string | undefined {
  const s = disk.source;
  return s?.kind === 'file' ? s.path : s?.kind === 'block' ? s.dev : s?.resolved?.path;
}

/**
 * Give the qemu user the disk's file (when it lacks access) and record the owner to give back. Throws
 * ERR_IO naming the file and the user when qemu still could not open it.
 */
export async function grantDiskFile(ctx: DriverContext, dom: DomainObject, disk: DiskConfig): Promise<void> {
  const { user, dynamicOwnership } = ctx.confinement;
  const path = diskHostPath(disk);
  if (!user || user.uid === 0 || path === undefined) return;
  const file = {
    path,
    mode: disk.readonly ? ('r' as const) : ('rw' as const),
    what: `disk ${disk.targetDev}`,
  };
  const granted = await grantFiles(dom.name, [file], user, dynamicOwnership, [
    dirname(ctx.dirs.etc),
    ctx.dirs.run,
  ]);
  if (granted.length === 0) return;
  const earlier = await readOwners(dom.paths.owners);
  const records = [...earlier, ...granted.filter((g) => !earlier.some((e) => e.path === g.path))];
  await saveOwners(dom.paths.owners, records).catch(async (err: unknown) => {
    await giveBack(granted, ctx.log);
    throw err;
  });
}

/**
 * Give a detached disk's file back to its recorded owner, unless the domain's live definition (`def`,
 * without the disk) or another running guest still uses it; another guest then takes the record over.
 */
export async function releaseDiskFile(ctx: DriverContext, dom: DomainObject, path: string): Promise<void> {
  const records = await readOwners(dom.paths.owners);
  const real = await realpath(path).catch(() => path);
  const mine = records.filter((r) => r.path === real);
  if (mine.length === 0) return;
  const holders = ctx.registry.all().filter((d) => d.run && d.liveDef);
  for (const holder of holders) {
    const files = listGuestFiles(holder.liveDef as NonNullable<typeof holder.liveDef>, holder.paths);
    const reals = await Promise.all(files.map((f) => realpath(f.path).catch(() => f.path)));
    if (!reals.includes(real)) continue;
    if (holder === dom) return; // still used by another disk of this guest
    const theirs = await readOwners(holder.paths.owners);
    if (!theirs.some((t) => t.path === real)) await saveOwners(holder.paths.owners, [...theirs, ...mine]);
    await saveOwners(
      dom.paths.owners,
      records.filter((r) => r.path !== real),
    );
    return;
  }
  await giveBack(mine, ctx.log);
  await saveOwners(
    dom.paths.owners,
    records.filter((r) => r.path !== real),
  );
}
