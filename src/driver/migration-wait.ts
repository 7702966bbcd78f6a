/**
 * Following a migration that qemu runs (a save's outgoing stream, a restore's incoming one): polled
 * with query-migrate, its progress given to the async job for domjobinfo, an abort turned into
 * migrate_cancel.
 */
import { TsvirtError } from '../errors.js';
import { migrateCancel, queryMigrate, type QmpClient, type QmpMigrationInfo } from '../qmp/index.js';
import type { AsyncJobHandle } from './jobs-records.js';

/** How often query-migrate is asked while a migration runs. */
const POLL_MS = 50;

/** MigrationStatus values after which qemu moves no more data. */
const ENDED = new Set(['completed', 'failed', 'cancelled']);

/** The progress domjobinfo shows for a migration's state. */
export function buildMigrationProgress(info: QmpMigrationInfo): Parameters<AsyncJobHandle['setProgress']>[0] {
  const total = BigInt(info.ramTotalBytes);
  const processed = BigInt(info.ramTransferredBytes);
  const remaining = BigInt(info.ramRemainingBytes);
  return {
    bounded: total > 0n,
    dataTotal: total,
    dataProcessed: processed,
    dataRemaining: remaining,
    memTotal: total,
    memProcessed: processed,
    memRemaining: remaining,
    ...(info.cpuThrottlePercent === undefined ? {} : { autoConvergeThrottle: info.cpuThrottlePercent }),
    ...(info.downtimeMs === undefined ? {} : { downtimeMs: BigInt(info.downtimeMs) }),
  };
}

/** MigrationStatus once the destination runs the guest and pulls the pages it lacks. */
export const POSTCOPY_ACTIVE = 'postcopy-active';

/**
 * Wait until qemu's migration has completed (or, with `untilPostcopy`, has switched to post-copy),
 * reporting progress on `job`. A failed or cancelled migration is ERR_OPERATION_FAILED with qemu's
 * reason; an abort of the job's signal cancels it and rethrows the abort's reason. `what` names the
 * operation in errors ("save", "restore"). Returns the status it ended on.
 */
export async function waitForMigration(
  qmp: QmpClient,
  job: AsyncJobHandle,
  what: string,
  untilPostcopy = false,
): Promise<string> {
  let cancelled = false;
  for (;;) {
    if (job.signal.aborted && !cancelled) {
      cancelled = true;
      await migrateCancel(qmp).catch(() => undefined);
    }
    const info = await queryMigrate(qmp);
    job.setProgress(buildMigrationProgress(info));
    if (info.status === 'completed' && !cancelled) return info.status;
    if (untilPostcopy && info.status === POSTCOPY_ACTIVE) return info.status;
    if (ENDED.has(info.status)) {
      if (cancelled) throw job.signal.reason;
      throw new TsvirtError(
        'ERR_OPERATION_FAILED',
        `${what} failed: qemu's migration ended ${info.status}${info.errorDesc ? `: ${info.errorDesc}` : ''}`,
        { status: info.status, error: info.errorDesc },
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
