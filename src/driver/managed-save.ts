/**
 * Managed save (virDomainManagedSave and friends): a save to the domain's own image under
 * lib/qemu/save, which the next start resumes from and then removes, as libvirt's qemu driver does.
 */
import { TsvirtError } from '../errors.js';
import { CreateFlags, SaveRestoreFlags } from '../api/domain-enums.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { AsyncJob } from './jobs-kinds.js';
import { hasManagedSaveImage } from './managed-save-image.js';
import { runAsyncDomainJob } from './power.js';
import { restoreDomain } from './restore.js';
import { removeFile } from './runtime-files.js';
import { readSaveImageHeader } from './save-file.js';
import { checkSaveFlags, defineSaveImageXml, saveDomain } from './save.js';

/** virDomainUndefineFlagsValues: MANAGED_SAVE also removes the managed save image. */
export const UNDEFINE_MANAGED_SAVE = 1;

/** Save a persistent, running or paused domain to its managed save image. */
export async function managedSaveDomain(ctx: DriverContext, dom: DomainObject, flags: number): Promise<void> {
  checkSaveFlags(flags, 'virDomainManagedSave');
  if (!dom.persistent) {
    throw new TsvirtError(
      'ERR_OPERATION_INVALID',
      'Requested operation is not valid: cannot do managed save for transient domain',
      { domain: dom.name },
    );
  }
  await runAsyncDomainJob(ctx, dom, { kind: AsyncJob.SAVE }, ctx.jobWaitMs, (job) =>
    saveDomain(ctx, dom, job, dom.paths.managedSave, { flags }),
  );
}

/** The image's path, or ERR_NO_DOMAIN-like ERR_OPERATION_INVALID naming the domain when it has none. */
function requireImage(dom: DomainObject): string {
  if (hasManagedSaveImage(dom)) return dom.paths.managedSave;
  throw new TsvirtError(
    'ERR_OPERATION_INVALID',
    `Requested operation is not valid: domain does not have managed save image`,
    { domain: dom.name },
  );
}

/** managedsave-dumpxml: the XML the image holds. */
export async function readManagedSaveXml(dom: DomainObject): Promise<string> {
  return (await readSaveImageHeader(requireImage(dom))).xml;
}

/** managedsave-define: the image's XML (and with RUNNING or PAUSED, its state) replaced. */
export async function defineManagedSaveXml(
  dom: DomainObject,
  dxml: string | undefined,
  flags: number,
): Promise<void> {
  checkSaveFlags(flags, 'virDomainManagedSaveDefineXML');
  const file = requireImage(dom);
  await defineSaveImageXml(file, dxml ?? (await readSaveImageHeader(file)).xml, flags);
}

/** managedsave-remove: the image goes (nothing to do without one, as libvirt). */
export async function removeManagedSave(dom: DomainObject): Promise<void> {
  await removeFile(dom.paths.managedSave);
}

/**
 * A start of a domain that has a managed save image: restore from it (flags PAUSED kept), then remove
 * it. With FORCE_BOOT the image is removed and the guest boots. Returns false when there is no image.
 */
export async function startFromManagedSave(
  ctx: DriverContext,
  dom: DomainObject,
  flags: number,
): Promise<boolean> {
  if (!hasManagedSaveImage(dom)) return false;
  if ((flags & CreateFlags.FORCE_BOOT) !== 0) {
    await removeManagedSave(dom);
    return false;
  }
  const paused = (flags & CreateFlags.PAUSED) !== 0;
  await restoreDomain(ctx, dom.paths.managedSave, {
    flags: paused ? SaveRestoreFlags.PAUSED : 0,
    waitMs: ctx.jobWaitMs,
  });
  await removeManagedSave(dom);
  return true;
}
