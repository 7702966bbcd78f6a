/**
 * virDomainSave: the guest's memory and device state written to a tsvirt save image, then qemu
 * stopped (shutoff/saved). The vCPUs are paused first, so that the image is one instant of the guest;
 * a save that fails or is aborted removes its temp file and lets the guest run on as it was.
 */
import { stopRunAs } from './stop-run.js';
import { join } from 'node:path';
import { DomainState } from '../connection.js';
import { TsvirtError } from '../errors.js';
import { formatDomainXml } from '../domain/format-domain.js';
import type { DomainConfig } from '../domain/types.js';
import { cont, migrate, stop, type QmpClient } from '../qmp/index.js';
import { PausedReason, SaveRestoreFlags } from '../api/domain-enums.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import type { AsyncJobHandle } from './jobs-records.js';
import { waitForMigration } from './migration-wait.js';
import { requireMonitor } from './power.js';
import { createSaveImage, readSaveImageHeader, rewriteSaveImageXml } from './save-file.js';
import { parseDomainXml } from '../domain/parse-domain.js';
import { SavedState } from './save-image-format.js';
import { listenForQemu } from './state-socket.js';
import { markPaused, markResumed } from './transitions.js';
import { clearPendingJob, recordPendingJob } from './pending-job.js';

/** The flags a save accepts. */
const SAVE_FLAGS = SaveRestoreFlags.BYPASS_CACHE | SaveRestoreFlags.RUNNING | SaveRestoreFlags.PAUSED;

/** Refuse flags a save does not know, and RUNNING with PAUSED, as libvirt does. */
export function checkSaveFlags(flags: number, api: string): void {
  if ((flags & ~SAVE_FLAGS) !== 0) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `unsupported flags (0x${(flags & ~SAVE_FLAGS).toString(16)}) in ${api}`,
      {
        field: 'flags',
        value: flags,
        expected: 'bypass-cache (1), running (2), paused (4)',
      },
    );
  }
  if ((flags & SaveRestoreFlags.RUNNING) !== 0 && (flags & SaveRestoreFlags.PAUSED) !== 0) {
    throw new TsvirtError('ERR_INVALID_ARG', "flags 'running' and 'paused' are mutually exclusive", {
      field: 'flags',
      value: flags,
      expected: 'at most one of running (2) and paused (4)',
    });
  }
}

/** The state a save image records: the guest's own, unless the caller asked for RUNNING or PAUSED. */
function chooseSavedState(dom: DomainObject, flags: number): number {
  if ((flags & SaveRestoreFlags.RUNNING) !== 0) return SavedState.RUNNING;
  if ((flags & SaveRestoreFlags.PAUSED) !== 0) return SavedState.PAUSED;
  return dom.state === DomainState.RUNNING ? SavedState.RUNNING : SavedState.PAUSED;
}

/** The domain XML a save image carries: the live definition, or the caller's replacement. */
export function buildSaveXml(live: DomainConfig, replacement: DomainConfig | undefined): string {
  const def = replacement ?? live;
  if (replacement && (replacement.name !== live.name || replacement.uuid !== live.uuid)) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `the replacement XML names domain '${replacement.name}' (${replacement.uuid}), not '${live.name}' (${live.uuid})`,
      { field: 'dxml', value: replacement.name, expected: live.name },
    );
  }
  return formatDomainXml(def, undefined, { secure: true });
}

/**
 * Save a running or paused domain to `target` under its SAVE async job (the caller holds it and has
 * checked the flags). On success qemu is stopped: shutoff/saved, event STOPPED/SAVED.
 */
export async function saveDomain(
  ctx: DriverContext,
  dom: DomainObject,
  job: AsyncJobHandle,
  target: string,
  opts: { replacement?: DomainConfig; flags: number },
): Promise<void> {
  const qmp = requireActive(dom);
  const run = dom.run;
  const xml = buildSaveXml(dom.liveDef as DomainConfig, opts.replacement);
  const state = chooseSavedState(dom, opts.flags);
  const wasRunning = dom.state === DomainState.RUNNING;
  job.setPhase('pausing');
  // A tsvirtd killed from here on finds the save in the status file and undoes it, or, once the image
  // is complete, finishes it (job-recovery.ts).
  await recordPendingJob(ctx, dom, { kind: 'save', target, committed: false });
  try {
    if (wasRunning) await pauseForSave(ctx, dom, qmp);
    await writeMemoryImage(ctx, dom, job, target, { xml, state, what: 'save' });
  } catch (err) {
    // An abort (domjobabort) or a failure leaves the guest as it was; a destroy leaves nothing to resume.
    if (wasRunning && dom.run === run && !dom.job.destroying) await resumeAfterFailure(ctx, dom, qmp);
    if (dom.run === run) await clearPendingJob(ctx, dom);
    throw err;
  }
  await recordPendingJob(ctx, dom, { kind: 'save', target, committed: true });
  job.setPhase('stopping');
  await stopRunAs(ctx, dom, 'save-stop', 'saved');
}

/**
 * Write the memory and device state of a domain whose vCPUs are stopped to a save image at `target`
 * (header with `xml` and `state`, then qemu's migration stream); nothing is left of it on a failure.
 */
export async function writeMemoryImage(
  ctx: DriverContext,
  dom: DomainObject,
  job: AsyncJobHandle,
  target: string,
  header: { xml: string; state: number; what: string },
): Promise<void> {
  const qmp = requireMonitor(dom);
  const image = await createSaveImage(target, header.xml, header.state);
  const socket = join(dom.paths.chanDir, 'save.sock');
  const listener = await listenForQemu(socket, ctx.confinement.user);
  let writeError: unknown;
  try {
    job.setPhase('writing memory');
    const received = listener.accepted.then((sock) => image.receive(sock));
    // A write that failed (a full disk) is why qemu's migration then fails: that is the error to give.
    received.catch((err: unknown) => (writeError = err));
    await migrate(qmp, `unix:${socket}`);
    await waitForMigration(qmp, job, `${header.what} of domain '${dom.name}'`);
    const bytes = await received;
    job.setPhase('syncing');
    await image.commit(bytes);
  } catch (err) {
    await image.discard();
    throw writeError ?? err;
  } finally {
    await listener.close();
  }
}

/** The monitor of a domain a save may act on: running or paused. */
function requireActive(dom: DomainObject): QmpClient {
  if (dom.state !== DomainState.RUNNING && dom.state !== DomainState.PAUSED) {
    throw new TsvirtError(
      'ERR_OPERATION_INVALID',
      'Requested operation is not valid: domain is not running',
      {
        domain: dom.name,
      },
    );
  }
  return requireMonitor(dom);
}

async function pauseForSave(ctx: DriverContext, dom: DomainObject, qmp: QmpClient): Promise<void> {
  if (dom.run) dom.run.pauseReason = PausedReason.SAVE;
  try {
    await stop(qmp);
    await markPaused(ctx, dom, PausedReason.SAVE);
  } finally {
    if (dom.run) dom.run.pauseReason = undefined;
  }
}

/** A failed save lets the guest run on (running/save-canceled in libvirt; RESUMED/UNPAUSED here). */
async function resumeAfterFailure(ctx: DriverContext, dom: DomainObject, qmp: QmpClient): Promise<void> {
  try {
    await cont(qmp);
    await markResumed(ctx, dom);
  } catch (err) {
    ctx.log(`domain '${dom.name}': cannot resume after a failed save: ${String(err)}`);
  }
}

/**
 * save-image-define: the image's XML replaced by `dxml`, which must name the same domain (name and
 * uuid); flags RUNNING or PAUSED also change the state a restore brings back.
 */
export async function defineSaveImageXml(file: string, dxml: string, flags: number): Promise<void> {
  const header = await readSaveImageHeader(file);
  const xml = buildSaveXml(parseDomainXml(header.xml), parseDomainXml(dxml));
  let state = header.state;
  if ((flags & SaveRestoreFlags.RUNNING) !== 0) state = SavedState.RUNNING;
  if ((flags & SaveRestoreFlags.PAUSED) !== 0) state = SavedState.PAUSED;
  await rewriteSaveImageXml(file, xml, state);
}
