/**
 * The vocabulary of a domain's jobs, after libvirt's: normal jobs (virDomainJob), of which one runs at a
 * time, and async jobs (virDomainAsyncJob), long operations of which one runs at a time and beside which
 * the normal jobs of its mask may run.
 */
import { JobOperation } from '../api/domain-enums.js';

/** Normal job kinds (virDomainJob), as tsvirt names them. */
export const NormalJob = {
  QUERY: 'query', // reads the domain's state only
  DESTROY: 'destroy', // stops qemu; no async job can keep it out
  SUSPEND: 'suspend', // stops the vCPUs
  MODIFY: 'modify', // may change the domain's state
  ABORT: 'abort', // asks the async job to stop
  MIGRATION_OP: 'migration-op', // acts on an outgoing migration (speed, downtime)
  MODIFY_MIGRATION_SAFE: 'modify-migration-safe', // changes state in a way a migration does not mind
  ASYNC_NESTED: 'async-nested', // a step of the async job itself
} as const;

/** One of NormalJob's values. */
export type NormalJobKind = (typeof NormalJob)[keyof typeof NormalJob];

/** Async job kinds (virDomainAsyncJob), as tsvirt names them. */
export const AsyncJob = {
  MIGRATION_OUT: 'migration-out',
  MIGRATION_IN: 'migration-in',
  SAVE: 'save',
  DUMP: 'dump',
  SNAPSHOT: 'snapshot',
  START: 'start', // start and restore: qemu is being set up
  BACKUP: 'backup',
} as const;

/** One of AsyncJob's values. */
export type AsyncJobKind = (typeof AsyncJob)[keyof typeof AsyncJob];

const { QUERY, DESTROY, SUSPEND, MODIFY, ABORT, MIGRATION_OP, MODIFY_MIGRATION_SAFE } = NormalJob;

/** The normal jobs any async job lets run beside it unless it says otherwise (libvirt's default mask). */
export const DEFAULT_JOB_MASK: readonly NormalJobKind[] = [QUERY, DESTROY, ABORT];

/**
 * The normal jobs each async job lets run beside it when it begins, as libvirt's qemu driver sets them.
 * DESTROY is allowed beside every async job whatever its mask says.
 */
export const ASYNC_JOB_MASKS: Record<AsyncJobKind, readonly NormalJobKind[]> = {
  'migration-out': [...DEFAULT_JOB_MASK, SUSPEND, MIGRATION_OP, MODIFY_MIGRATION_SAFE],
  'migration-in': [MODIFY_MIGRATION_SAFE],
  save: DEFAULT_JOB_MASK,
  dump: DEFAULT_JOB_MASK,
  // A snapshot with memory widens it to SNAPSHOT_MEMORY_MASK once it starts saving the memory.
  snapshot: DEFAULT_JOB_MASK,
  start: [],
  backup: [...DEFAULT_JOB_MASK, SUSPEND, MODIFY],
};

/** What a snapshot that saves the guest's memory allows: it may be aborted, and the guest paused. */
export const SNAPSHOT_MEMORY_MASK: readonly NormalJobKind[] = [...DEFAULT_JOB_MASK, SUSPEND, MIGRATION_OP];

/** The operation an async job reports unless its caller names another (a restore runs as START). */
export const DEFAULT_OPERATION: Record<AsyncJobKind, number> = {
  'migration-out': JobOperation.MIGRATION_OUT,
  'migration-in': JobOperation.MIGRATION_IN,
  save: JobOperation.SAVE,
  dump: JobOperation.DUMP,
  snapshot: JobOperation.SNAPSHOT,
  start: JobOperation.START,
  backup: JobOperation.BACKUP,
};

/** The driver's job names and the kind each one runs as (libvirt's choice for the same call). */
export const DRIVER_JOBS = {
  shutdown: MODIFY,
  reboot: MODIFY,
  reset: MODIFY,
  suspend: SUSPEND,
  resume: MODIFY,
  undefine: MODIFY,
  'set-autostart': MODIFY,
  vcpupin: MODIFY,
  setmem: MODIFY,
  setvcpus: MODIFY,
  screenshot: QUERY,
  'attach-device': MODIFY,
  'detach-device': MODIFY,
  'update-device': MODIFY,
  define: MODIFY,
  reload: MODIFY,
  destroy: DESTROY,
  // qemu exited: libvirt cleans up under a DESTROY job, so no async job keeps the cleanup out.
  'exit-cleanup': DESTROY,
  abort: ABORT,
  query: QUERY,
} as const satisfies Record<string, NormalJobKind>;

/** The kind a named job runs as; a name the table lacks runs as MODIFY, the most exclusive kind. */
export function kindOfJob(name: string): NormalJobKind {
  return (DRIVER_JOBS as Record<string, NormalJobKind>)[name] ?? MODIFY;
}
