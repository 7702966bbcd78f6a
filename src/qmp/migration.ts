/**
 * Typed wrappers of QMP's migration commands (qapi/migration.json, QEMU 7.2), which save and restore
 * use to move a guest's state through a socket. The wire name appears once, in each execute() call.
 */
import type { QmpClient } from './client.js';

/** How far a migration has got (MigrationInfo), byte counts in bytes. */
export interface QmpMigrationInfo {
  /** MigrationStatus: none, setup, active, device, completed, failed, cancelling, cancelled, ... */
  status: string;
  ramTotalBytes: number;
  ramTransferredBytes: number;
  ramRemainingBytes: number;
  /** Why it failed, when status is failed. */
  errorDesc: string | undefined;
  /** Milliseconds from start to completion (total-time), once reported. */
  totalTimeMs: number | undefined;
  /** Milliseconds the guest was stopped at the switch-over (downtime), once completed. */
  downtimeMs: number | undefined;
  /** Percent of vCPU time auto-converge takes away (cpu-throttle-percentage), while it acts. */
  cpuThrottlePercent: number | undefined;
}

/** `migrate {uri}`: start sending the guest's state; returns at once, the job runs in qemu. */
export async function migrate(c: QmpClient, uri: string): Promise<void> {
  await c.execute('migrate', { uri });
}

/** `migrate-incoming {uri}`: a qemu started with `-incoming defer` listens for the state on `uri`. */
export async function migrateIncoming(c: QmpClient, uri: string): Promise<void> {
  await c.execute('migrate-incoming', { uri });
}

/** `migrate_cancel`: stop the outgoing migration; the source guest keeps its state. */
export async function migrateCancel(c: QmpClient): Promise<void> {
  await c.execute('migrate_cancel');
}

/** `query-migrate` → MigrationInfo {status, ram {total, transferred, remaining}, error-desc}. */
export async function queryMigrate(c: QmpClient): Promise<QmpMigrationInfo> {
  type Wire = {
    status?: string;
    ram?: { total?: number; transferred?: number; remaining?: number };
    'error-desc'?: string;
    'total-time'?: number;
    downtime?: number;
    'cpu-throttle-percentage'?: number;
  };
  const r = await c.execute<Wire>('query-migrate');
  return {
    status: r.status ?? 'none',
    ramTotalBytes: r.ram?.total ?? 0,
    ramTransferredBytes: r.ram?.transferred ?? 0,
    ramRemainingBytes: r.ram?.remaining ?? 0,
    errorDesc: r['error-desc'],
    totalTimeMs: r['total-time'],
    downtimeMs: r.downtime,
    cpuThrottlePercent: r['cpu-throttle-percentage'],
  };
}

/**
 * `migrate-set-parameters`: max-bandwidth and max-postcopy-bandwidth in bytes/s (0: unlimited for the
 * latter), downtime-limit in ms; the fields given only.
 */
export async function setMigrateParameters(
  c: QmpClient,
  p: { maxBandwidthBytes?: number; downtimeLimitMs?: number; maxPostcopyBandwidthBytes?: number },
): Promise<void> {
  const args: Record<string, number> = {};
  if (p.maxBandwidthBytes !== undefined) args['max-bandwidth'] = p.maxBandwidthBytes;
  if (p.downtimeLimitMs !== undefined) args['downtime-limit'] = p.downtimeLimitMs;
  if (p.maxPostcopyBandwidthBytes !== undefined) {
    args['max-postcopy-bandwidth'] = p.maxPostcopyBandwidthBytes;
  }
  await c.execute('migrate-set-parameters', args);
}

/** `query-migrate-parameters` → max-bandwidth, max-postcopy-bandwidth (bytes/s) and downtime-limit (ms). */
export async function queryMigrateParameters(
  c: QmpClient,
): Promise<{ maxBandwidthBytes: number; downtimeLimitMs: number; maxPostcopyBandwidthBytes: number }> {
  const r = await c.execute<{
    'max-bandwidth'?: number;
    'downtime-limit'?: number;
    'max-postcopy-bandwidth'?: number;
  }>('query-migrate-parameters');
  return {
    maxBandwidthBytes: r['max-bandwidth'] ?? 0,
    downtimeLimitMs: r['downtime-limit'] ?? 0,
    maxPostcopyBandwidthBytes: r['max-postcopy-bandwidth'] ?? 0,
  };
}

/** `migrate-start-postcopy`: switch a running migration (postcopy-ram on) to post-copy. */
export async function migrateStartPostcopy(c: QmpClient): Promise<void> {
  await c.execute('migrate-start-postcopy');
}

/** `migrate-set-capabilities`: turn the named capabilities (auto-converge, ...) on or off. */
export async function setMigrateCapabilities(c: QmpClient, caps: Record<string, boolean>): Promise<void> {
  const capabilities = Object.entries(caps).map(([capability, state]) => ({ capability, state }));
  await c.execute('migrate-set-capabilities', { capabilities });
}
