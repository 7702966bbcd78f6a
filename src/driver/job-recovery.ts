/**
 * At re-adoption: the save or internal snapshot that a tsvirtd restart cut off (its record in the
 * status file, see pending-job.ts) is undone, so that nothing half-made is left for a later command to
 * trust, and a guest paused for it runs again. A save whose image was complete and in place is finished
 * instead: qemu stops and the domain is shut off (saved), as the save would have left it.
 */
import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DomainState } from '../connection.js';
import {
  cont,
  dismissJob,
  queryJobs,
  snapshotDelete,
  SNAPSHOT_JOB_PREFIX,
  type QmpClient,
} from '../qmp/index.js';
import { PausedReason } from '../api/domain-enums.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { clearPendingJob } from './pending-job.js';
import { loadSnapshots } from './snapshot-store.js';
import type { PendingJob } from './status-jobs.js';
import { stopRunAs } from './stop-run.js';
import { markResumed } from './transitions.js';

/** How long a snapshot job qemu still runs may take to conclude before recovery gives up on it. */
const SNAPSHOT_SETTLE_MS = 600_000;
/** How long the deletion of a half-made internal snapshot may take. */
const SNAPSHOT_DELETE_MS = 120_000;
const POLL_MS = 200;

/**
 * How long re-adoption waits for qemu's QMP greeting: qemu runs a snapshot-save in its main loop and
 * answers nothing, its greeting included, until the save ends.
 */
export function chooseGreetingWaitMs(pending: PendingJob | undefined, usualMs: number): number {
  return pending?.kind === 'snapshot' ? SNAPSHOT_SETTLE_MS : usualMs;
}

/**
 * Resolve `pending`, the job the status file recorded as under way; resolves true when that stopped
 * qemu (a complete save finished), false when the guest runs on (or stays as the user left it).
 */
export async function recoverPendingJob(
  ctx: DriverContext,
  dom: DomainObject,
  qmp: QmpClient,
  pending: PendingJob | undefined,
): Promise<boolean> {
  if (!pending) return false;
  if (dom.run) dom.run.pendingJob = pending;
  if (pending.kind === 'save') {
    await removeSaveTemps(ctx, pending.target);
    if (pending.committed) {
      ctx.log(`domain '${dom.name}': its save to ${pending.target} was complete; stopping qemu as saved`);
      await stopRunAs(ctx, dom, 'save-stop', 'saved');
      return true;
    }
    ctx.log(`domain '${dom.name}': its save to ${pending.target} was cut off by a tsvirtd restart; undone`);
    await resumeIfPausedFor(ctx, dom, qmp, PausedReason.SAVE);
  } else {
    await settleSnapshotJobs(qmp);
    const set = await loadSnapshots(ctx, dom);
    if (!set.list.some((s) => s.name === pending.tag)) {
      await snapshotDelete(
        qmp,
        { tag: pending.tag, devices: pending.devices },
        { timeoutMs: SNAPSHOT_DELETE_MS },
      );
      ctx.log(`domain '${dom.name}': snapshot '${pending.tag}' was cut off by a tsvirtd restart; deleted`);
    }
    await resumeIfPausedFor(ctx, dom, qmp, PausedReason.SNAPSHOT);
  }
  await clearPendingJob(ctx, dom);
  return false;
}

/** The temp files a save to `target` writes (`.NAME.PID.N.tmp` beside it, see save-file.ts) go. */
async function removeSaveTemps(ctx: DriverContext, target: string): Promise<void> {
  const dir = dirname(target);
  const name = basename(target);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const n of names) {
    const rest = n.startsWith(`.${name}.`) ? n.slice(name.length + 2) : '';
    if (!/^\d+\.\d+\.tmp$/.test(rest)) continue;
    await rm(join(dir, n), { force: true });
    ctx.log(`${join(dir, n)}: half-written save image removed`);
  }
}

/** Wait for the snapshot jobs qemu still runs to conclude, and dismiss them. */
async function settleSnapshotJobs(qmp: QmpClient): Promise<void> {
  const deadline = Date.now() + SNAPSHOT_SETTLE_MS;
  for (;;) {
    const jobs = (await queryJobs(qmp)).filter((j) => j.id.startsWith(SNAPSHOT_JOB_PREFIX));
    for (const j of jobs) if (j.status === 'concluded') await dismissJob(qmp, j.id);
    if (jobs.every((j) => j.status === 'concluded' || j.status === 'null')) return;
    if (Date.now() > deadline)
      throw new Error(`qemu's snapshot jobs did not conclude in ${SNAPSHOT_SETTLE_MS} ms`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** A guest the cut-off job paused (paused with `reason`) runs again: running/unpaused, event RESUMED. */
async function resumeIfPausedFor(
  ctx: DriverContext,
  dom: DomainObject,
  qmp: QmpClient,
  reason: number,
): Promise<void> {
  if (dom.state !== DomainState.PAUSED || dom.reason !== reason) return;
  await cont(qmp);
  await markResumed(ctx, dom);
}
