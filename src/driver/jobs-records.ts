/** The records of a domain's jobs: what runs, how far it got, and what its body is given. */
import type { AsyncJobKind, NormalJobKind } from './jobs-kinds.js';

/** How far an async job has got, in bytes and milliseconds (what domjobinfo shows). */
export interface JobProgress {
  /** The totals are known (libvirt's BOUNDED job) rather than still growing (UNBOUNDED). */
  bounded: boolean;
  dataTotal: bigint;
  dataProcessed: bigint;
  dataRemaining: bigint;
  memTotal: bigint;
  memProcessed: bigint;
  memRemaining: bigint;
  timeRemainingMs: bigint;
  /** A migration's vCPU throttle in percent (qemu's cpu-throttle-percentage), while auto-converge acts. */
  autoConvergeThrottle?: number;
  /** A completed migration's downtime in ms, as qemu measured it. */
  downtimeMs?: bigint;
}

/** The async job of a domain, as it runs. */
export interface AsyncJobState {
  readonly kind: AsyncJobKind;
  /** The name errors give ("busy with save"). */
  readonly name: string;
  /** virDomainJobOperation. */
  readonly operation: number;
  /** Date.now() when it began. */
  readonly startedAtMs: number;
  /** Where the job is, in its own words ("perform", "writing memory"); '' until it says. */
  phase: string;
  /** The normal jobs it lets run beside it. */
  mask: ReadonlySet<NormalJobKind>;
  progress: JobProgress;
  /** Set when an abort was asked for; the job decides what to do with it. */
  readonly abortController: AbortController;
}

/** An async job that ended, kept for `domjobinfo --completed`. */
export interface EndedAsyncJob {
  job: AsyncJobState;
  endedAtMs: number;
  outcome: 'completed' | 'failed' | 'cancelled';
  error: string | undefined;
}

/** What an async job's body is given: its abort signal and the setters of what domjobinfo shows. */
export interface AsyncJobHandle {
  readonly kind: AsyncJobKind;
  readonly name: string;
  /** Aborted when a caller asks to abort the job, or when a destroy kills its qemu. */
  readonly signal: AbortSignal;
  setPhase(phase: string): void;
  setProgress(progress: Partial<JobProgress>): void;
  /** Change which normal jobs may run beside it (DESTROY always may). */
  setMask(kinds: readonly NormalJobKind[]): void;
}

/** A normal job: its name (for errors) and its kind (default: the driver's table, see kindOfJob). */
export interface NormalJobRequest {
  name: string;
  kind?: NormalJobKind;
}

/** An async job to begin. */
export interface AsyncJobRequest {
  kind: AsyncJobKind;
  /** Default: the kind. */
  name?: string;
  /** virDomainJobOperation; default: the kind's own. */
  operation?: number;
  /** Also hold the normal job for the whole run (a START: not even a destroy's cleanup runs beside it). */
  holdNormal?: boolean;
}

/** A progress record with nothing known. */
export function buildEmptyProgress(): JobProgress {
  return {
    bounded: false,
    dataTotal: 0n,
    dataProcessed: 0n,
    dataRemaining: 0n,
    memTotal: 0n,
    memProcessed: 0n,
    memRemaining: 0n,
    timeRemainingMs: 0n,
  };
}
