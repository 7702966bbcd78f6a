import type { DomainJobs } from './jobs.js';
import type { JobProgress } from './jobs-records.js';
import { JobOperation, JobType } from '../api/domain-enums.js';

/**
 * A domain's job as virDomainGetJobInfo (type, times, data/memory/file totals) and virDomainGetJobStats
 * (also operation, phase) report it. Byte counts in bytes, times in milliseconds.
 */
export interface JobInfo {
  /** virDomainJobType. */
  type: number;
  /** virDomainJobOperation (stats "operation"). */
  operation: number;
  /** The async job's name and phase, '' without a job (tsvirt's own). */
  job: string;
  phase: string;
  timeElapsedMs: bigint;
  timeRemainingMs: bigint;
  dataTotal: bigint;
  dataProcessed: bigint;
  dataRemaining: bigint;
  memTotal: bigint;
  memProcessed: bigint;
  memRemaining: bigint;
  fileTotal: bigint;
  fileProcessed: bigint;
  fileRemaining: bigint;
  /** A migration's vCPU throttle, percent (stats "auto_converge_throttle"), while it acts. */
  autoConvergeThrottle?: number;
  /** A completed migration's downtime, ms (stats "downtime"). */
  downtimeMs?: bigint;
  /** Why a completed job failed (stats "errmsg"). */
  errmsg: string | undefined;
}

const OUTCOME_TYPE = {
  completed: JobType.COMPLETED,
  failed: JobType.FAILED,
  cancelled: JobType.CANCELLED,
} as const;

/**
 * domjobinfo of a domain: its async job now, or with `completed` the one that ended last (NONE when
 * there is none). No qemu is asked: the job keeps its own progress.
 */
export function buildJobInfo(
  jobs: DomainJobs,
  opts: { completed?: boolean } = {},
  nowMs = Date.now(),
): JobInfo {
  if (opts.completed) {
    const ended = jobs.lastEnded;
    if (!ended) return buildNoJobInfo();
    const { job } = ended;
    return fill(
      OUTCOME_TYPE[ended.outcome],
      job.operation,
      job.name,
      job.phase,
      ended.endedAtMs - job.startedAtMs,
      job.progress,
      ended.error,
    );
  }
  const job = jobs.async;
  if (!job) return buildNoJobInfo();
  const type = job.progress.bounded ? JobType.BOUNDED : JobType.UNBOUNDED;
  return fill(type, job.operation, job.name, job.phase, nowMs - job.startedAtMs, job.progress, undefined);
}

/** The record of a domain without a job. */
export function buildNoJobInfo(): JobInfo {
  return {
    type: JobType.NONE,
    operation: JobOperation.UNKNOWN,
    job: '',
    phase: '',
    timeElapsedMs: 0n,
    timeRemainingMs: 0n,
    dataTotal: 0n,
    dataProcessed: 0n,
    dataRemaining: 0n,
    memTotal: 0n,
    memProcessed: 0n,
    memRemaining: 0n,
    fileTotal: 0n,
    fileProcessed: 0n,
    fileRemaining: 0n,
    errmsg: undefined,
  };
}

function fill(
  type: number,
  operation: number,
  job: string,
  phase: string,
  elapsedMs: number,
  p: JobProgress,
  errmsg: string | undefined,
): JobInfo {
  return {
    ...buildNoJobInfo(),
    type,
    operation,
    job,
    phase,
    timeElapsedMs: BigInt(Math.max(0, Math.round(elapsedMs))),
    timeRemainingMs: p.timeRemainingMs,
    dataTotal: p.dataTotal,
    dataProcessed: p.dataProcessed,
    dataRemaining: p.dataRemaining,
    memTotal: p.memTotal,
    memProcessed: p.memProcessed,
    memRemaining: p.memRemaining,
    ...(p.autoConvergeThrottle === undefined ? {} : { autoConvergeThrottle: p.autoConvergeThrottle }),
    ...(p.downtimeMs === undefined ? {} : { downtimeMs: p.downtimeMs }),
    errmsg,
  };
}
