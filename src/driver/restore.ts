/**
 * virDomainRestore: a new qemu started with `-incoming defer` is fed the stream of a tsvirt save image,
 * then runs (or stays paused) with the guest as it was saved: no boot. A restore that fails kills that
 * qemu and leaves the domain shut off (failed); the image is left as it was.
 */
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DomainState } from '../connection.js';
import { TsvirtError } from '../errors.js';
import { cont, migrateIncoming } from '../qmp/index.js';
import {
  EventType,
  JobOperation,
  PausedReason,
  RunningReason,
  SaveRestoreFlags,
  StartedDetail,
  SuspendedDetail,
} from '../api/domain-enums.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { registerForCreate } from './definitions.js';
import { AsyncJob } from './jobs-kinds.js';
import type { AsyncJobHandle } from './jobs-records.js';
import { waitForMigration } from './migration-wait.js';
import { requireMonitor, runAsyncDomainJob } from './power.js';
import { readLogTail, stopQemu } from './qemu-process.js';
import { openSaveImageStream, readSaveImageHeader } from './save-file.js';
import { SavedState, type SaveImageHeader } from './save-image-format.js';
import { startDomain } from './start.js';
import { checkAction } from './state-machine.js';
import { connectToQemu } from './state-socket.js';
import { emitLifecycle, markStopped, saveStatus } from './transitions.js';

/** How long a restore waits for qemu to listen on its incoming socket. */
const INCOMING_CONNECT_MS = 10_000;

/** Whether the restored guest stays paused: the caller's flag, else its state when saved. */
export function isRestoredPaused(header: Pick<SaveImageHeader, 'state'>, flags: number): boolean {
  if ((flags & SaveRestoreFlags.PAUSED) !== 0) return true;
  if ((flags & SaveRestoreFlags.RUNNING) !== 0) return false;
  return header.state === SavedState.PAUSED;
}

/**
 * Restore the image at `file` (its XML, or `dxml` in its place) as a START async job with operation
 * RESTORE. `waitMs`: how long to wait for the domain's jobs. Returns the restored domain.
 */
export async function restoreDomain(
  ctx: DriverContext,
  file: string,
  opts: { dxml?: string; flags: number; waitMs: number },
): Promise<DomainObject> {
  const header = await readSaveImageHeader(file);
  const { dom, def, added } = await registerForCreate(ctx, opts.dxml ?? header.xml);
  const req = { kind: AsyncJob.START, name: 'restore', operation: JobOperation.RESTORE, holdNormal: true };
  try {
    await runAsyncDomainJob(ctx, dom, req, added ? 0 : opts.waitMs, async (job) => {
      checkAction('start', dom.subject);
      await startDomain(ctx, dom, { incoming: 'defer', definition: def });
      try {
        await feedState(dom, job, file, header);
      } catch (err) {
        throw await abortRestore(ctx, dom, file, err);
      }
      await finishRestore(ctx, dom, isRestoredPaused(header, opts.flags));
    });
  } catch (err) {
    if (added && !dom.active) ctx.registry.remove(dom);
    throw err;
  }
  return dom;
}

/** Stream the image into qemu's incoming listener and wait until qemu has taken all of it. */
async function feedState(
  dom: DomainObject,
  job: AsyncJobHandle,
  file: string,
  header: SaveImageHeader,
): Promise<void> {
  const qmp = requireMonitor(dom);
  const socketPath = join(dom.paths.chanDir, 'restore.sock');
  job.setPhase('reading memory');
  await migrateIncoming(qmp, `unix:${socketPath}`);
  const sock = await connectToQemu(socketPath, INCOMING_CONNECT_MS);
  const feeding = pipeline(openSaveImageStream(file, header), sock);
  feeding.catch(() => undefined); // qemu's verdict (query-migrate) decides; a broken pipe follows it
  await waitForMigration(qmp, job, `restore of domain '${dom.name}' from ${file}`);
  await feeding.catch(() => undefined);
}

/** The state has arrived: running/restored (vCPUs resumed) or paused, events STARTED/RESTORED (and SUSPENDED). */
async function finishRestore(ctx: DriverContext, dom: DomainObject, paused: boolean): Promise<void> {
  const qmp = requireMonitor(dom);
  if (paused) {
    dom.setState(DomainState.PAUSED, PausedReason.USER);
    await saveStatus(ctx, dom);
  } else {
    dom.setState(DomainState.RUNNING, RunningReason.RESTORED);
    await Promise.all([cont(qmp), saveStatus(ctx, dom)]);
  }
  emitLifecycle(ctx, dom, EventType.STARTED, StartedDetail.RESTORED);
  if (paused) emitLifecycle(ctx, dom, EventType.SUSPENDED, SuspendedDetail.PAUSED);
}

/** Kill the qemu a failed restore started (shutoff/failed); the error names the image and qemu's log. */
async function abortRestore(
  ctx: DriverContext,
  dom: DomainObject,
  file: string,
  err: unknown,
): Promise<TsvirtError> {
  const run = dom.run;
  if (run) {
    run.qmp?.removeAllListeners();
    await stopQemu(run, dom.uuid, { graceful: false, termWaitMs: 0, killWaitMs: 5_000 }).catch((e: unknown) =>
      ctx.log(`domain '${dom.name}': cannot kill qemu pid ${run.pid}: ${String(e)}`),
    );
    await markStopped(ctx, dom, 'failed');
  }
  const tail = await readLogTail(dom.paths.log, 600);
  return new TsvirtError(
    'ERR_OPERATION_FAILED',
    `domain '${dom.name}' could not be restored from ${file}: ${(err as Error).message}${tail ? `\nqemu log (${dom.paths.log}):\n${tail}` : ''}`,
    { domain: dom.name, path: file },
    { cause: err },
  );
}
