/**
 * The steps a snapshot or a revert takes on a running qemu: pausing and resuming the vCPUs with
 * libvirt's snapshot reasons, and stopping qemu when a snapshot halts the guest or a revert shuts it off.
 */
import { stopRunAs } from './stop-run.js';
import { DomainState } from '../connection.js';
import { cont, stop, type QmpClient } from '../qmp/index.js';
import {
  EventType,
  PausedReason,
  ResumedDetail,
  RunningReason,
  SuspendedDetail,
} from '../api/domain-enums.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { emitLifecycle, markPaused, markResumed, saveStatus } from './transitions.js';

/** Stop the vCPUs of a running guest for `reason` (paused/snapshot while a snapshot is taken). */
export async function pauseVcpus(
  ctx: DriverContext,
  dom: DomainObject,
  qmp: QmpClient,
  reason: number,
): Promise<void> {
  if (dom.state !== DomainState.RUNNING) return;
  if (dom.run) dom.run.pauseReason = reason;
  try {
    await stop(qmp);
    await markPaused(ctx, dom, reason);
  } finally {
    if (dom.run) dom.run.pauseReason = undefined;
  }
}

/** Run the vCPUs again after a snapshot (running/unpaused, event RESUMED/UNPAUSED); logged, not thrown. */
export async function resumeVcpus(ctx: DriverContext, dom: DomainObject, qmp: QmpClient): Promise<void> {
  try {
    await cont(qmp);
    await markResumed(ctx, dom);
  } catch (err) {
    ctx.log(`domain '${dom.name}': cannot resume after a snapshot: ${String(err)}`);
  }
}

/** A revert brought the guest back running (running/from snapshot, event RESUMED/FROM_SNAPSHOT) or paused. */
export async function finishRevert(
  ctx: DriverContext,
  dom: DomainObject,
  qmp: QmpClient,
  running: boolean,
): Promise<void> {
  if (running) {
    dom.setState(DomainState.RUNNING, RunningReason.FROM_SNAPSHOT);
    await Promise.all([cont(qmp), saveStatus(ctx, dom)]);
    emitLifecycle(ctx, dom, EventType.RESUMED, ResumedDetail.FROM_SNAPSHOT);
  } else {
    dom.setState(DomainState.PAUSED, PausedReason.FROM_SNAPSHOT);
    await saveStatus(ctx, dom);
    emitLifecycle(ctx, dom, EventType.SUSPENDED, SuspendedDetail.FROM_SNAPSHOT);
  }
}

/** Stop qemu (shutoff/from snapshot, event STOPPED/FROM_SNAPSHOT) under a DESTROY-kind job. */
export async function stopForSnapshot(ctx: DriverContext, dom: DomainObject): Promise<void> {
  await stopRunAs(ctx, dom, 'snapshot-stop', 'from-snapshot');
}
