/**
 * An outgoing migration that a tsvirtd restart cut off. Nobody will Finish or Confirm it any more, and
 * the destination drops its incoming qemu once its caller is gone, so the source keeps the guest, as
 * libvirt's recovery does: qemu's migration, if it still runs, is cancelled, and a guest paused for the
 * migration runs again (running/migration-canceled, event RESUMED/MIGRATED). A migration that qemu had
 * completed is left paused: the destination may already run the guest, and two running copies would be
 * worse than a paused one.
 */
import { DomainState } from '../../connection.js';
import { cont, migrateCancel, queryMigrate, type QmpClient } from '../../qmp/index.js';
import { EventType, PausedReason, ResumedDetail, RunningReason } from '../../api/domain-enums.js';
import type { DriverContext } from '../context.js';
import type { DomainObject } from '../domain-object.js';
import { emitLifecycle, saveStatus } from '../transitions.js';

/** MigrationStatus values of an outgoing migration that still moves data and can be cancelled. */
const CANCELLABLE = new Set(['setup', 'active', 'pre-switchover', 'device', 'wait-unplug']);
/** MigrationStatus values on the way to `cancelled`. */
const CANCELLING = 'cancelling';
/** How long qemu may take to report the cancelled migration over. */
const CANCEL_WAIT_MS = 30_000;
const POLL_MS = 50;

/** Cancel the migration qemu still runs; resolves with the status it ended on. */
async function cancelRunning(qmp: QmpClient, status: string): Promise<string> {
  if (!CANCELLABLE.has(status) && status !== CANCELLING) return status;
  await migrateCancel(qmp);
  const deadline = Date.now() + CANCEL_WAIT_MS;
  for (;;) {
    const now = (await queryMigrate(qmp)).status;
    if ((!CANCELLABLE.has(now) && now !== CANCELLING) || Date.now() > deadline) return now;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * At re-adoption: end the outgoing migration the restart cut off and give the guest back its vCPUs if
 * the migration paused them. Returns whether there was one.
 */
export async function recoverOutgoing(
  ctx: DriverContext,
  dom: DomainObject,
  qmp: QmpClient,
): Promise<boolean> {
  const found = (await queryMigrate(qmp)).status;
  if (found === 'none' || found === 'postcopy-active') {
    if (found !== 'none') ctx.log(`domain '${dom.name}': its post-copy migration goes on; left as it is`);
    return false;
  }
  const ended = await cancelRunning(qmp, found);
  if (ended !== found)
    ctx.log(`domain '${dom.name}': cancelled its outgoing migration cut off by a tsvirtd restart`);
  const pausedForIt = dom.state === DomainState.PAUSED && dom.reason === PausedReason.MIGRATION;
  if (!pausedForIt) return ended !== found;
  if (ended === 'completed') {
    ctx.log(
      `domain '${dom.name}': its migration had completed but was never confirmed; left paused (resume it here only if the destination does not run it)`,
    );
    return true;
  }
  await cont(qmp);
  dom.setState(DomainState.RUNNING, RunningReason.MIGRATION_CANCELED);
  emitLifecycle(ctx, dom, EventType.RESUMED, ResumedDetail.MIGRATED);
  await saveStatus(ctx, dom);
  ctx.log(`domain '${dom.name}': resumed after its migration was cut off by a tsvirtd restart`);
  return true;
}
