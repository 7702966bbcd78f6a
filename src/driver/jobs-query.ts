/**
 * virDomainGetJobInfo, virDomainGetJobStats and virDomainAbortJob of one domain. The queries read the
 * job records directly: they never wait behind another job, nor ask qemu.
 */
import type { DomainJobInfo } from '../api/types.js';
import { DomainJobStatsFlags } from '../api/domain-enums.js';
import { TsvirtError } from '../errors.js';
import type { TypedParam } from '../api/types.js';
import type { DomainObject } from './domain-object.js';
import { JobType } from '../api/domain-enums.js';
import { buildJobInfo, buildNoJobInfo, type JobInfo } from './jobs-info.js';

const STATS_FLAGS = DomainJobStatsFlags.COMPLETED | DomainJobStatsFlags.KEEP_COMPLETED;

/** ERR_OPERATION_INVALID unless the domain runs (libvirt's virDomainObjCheckActive). */
function checkActive(dom: DomainObject): void {
  if (dom.active) return;
  throw new TsvirtError('ERR_OPERATION_INVALID', 'Requested operation is not valid: domain is not running', {
    domain: dom.name,
    value: 'shut off',
    expected: 'a running domain',
  });
}

/** virDomainGetJobInfo: the async job of a running domain, type NONE without one. */
export function getJobInfo(dom: DomainObject): DomainJobInfo {
  checkActive(dom);
  return toJobInfo(buildJobInfo(dom.job));
}

/**
 * virDomainGetJobStats. With COMPLETED, the async job that ended last, while none runs (NONE
 * otherwise), and that record is dropped unless KEEP_COMPLETED; without, the job now, of a running
 * domain. A NONE job has no parameters.
 */
export function getJobStats(dom: DomainObject, flags: number): { type: number; params: TypedParam[] } {
  if ((flags & ~STATS_FLAGS) !== 0) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `unsupported flags (0x${flags.toString(16)}) in virDomainGetJobStats`,
      {
        field: 'flags',
        value: flags,
        expected: `a mask of 0x${STATS_FLAGS.toString(16)} (COMPLETED, KEEP_COMPLETED)`,
      },
    );
  }
  let info: JobInfo;
  if (flags & DomainJobStatsFlags.COMPLETED) {
    info = dom.job.async ? buildNoJobInfo() : buildJobInfo(dom.job, { completed: true });
    if (!(flags & DomainJobStatsFlags.KEEP_COMPLETED)) dom.job.lastEnded = undefined;
  } else {
    checkActive(dom);
    info = buildJobInfo(dom.job);
  }
  return { type: info.type, params: buildJobStatsParams(info) };
}

/** virDomainAbortJob: ask the async job of a running domain to stop (DomainJobs.abort). */
export async function abortJob(dom: DomainObject, flags: number, waitMs: number): Promise<void> {
  if (flags !== 0) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `unsupported flags (0x${flags.toString(16)}) in virDomainAbortJob`,
      {
        field: 'flags',
        value: flags,
        expected: 0,
      },
    );
  }
  checkActive(dom);
  await dom.job.abort(waitMs);
}

/** virDomainJobInfo of a job record. */
function toJobInfo(i: JobInfo): DomainJobInfo {
  return {
    type: i.type,
    timeElapsed: i.timeElapsedMs,
    timeRemaining: i.timeRemainingMs,
    dataTotal: i.dataTotal,
    dataProcessed: i.dataProcessed,
    dataRemaining: i.dataRemaining,
    memTotal: i.memTotal,
    memProcessed: i.memProcessed,
    memRemaining: i.memRemaining,
    fileTotal: i.fileTotal,
    fileProcessed: i.fileProcessed,
    fileRemaining: i.fileRemaining,
  };
}

const ENDED_TYPES: readonly number[] = [JobType.COMPLETED, JobType.FAILED, JobType.CANCELLED];

/**
 * A job record as VIR_DOMAIN_JOB_* typed parameters: operation, time_elapsed, time_remaining (a
 * bounded job's), the data and memory counts in bytes; an ended job adds success and, when it failed,
 * errmsg. NONE has none.
 */
export function buildJobStatsParams(i: JobInfo): TypedParam[] {
  if (i.type === JobType.NONE) return [];
  const ull = (name: string, value: bigint): TypedParam => ({ name, type: 'ullong', value });
  const params: TypedParam[] = [
    { name: 'operation', type: 'int', value: i.operation },
    ull('time_elapsed', i.timeElapsedMs),
    ...(i.type === JobType.BOUNDED ? [ull('time_remaining', i.timeRemainingMs)] : []),
    ull('data_total', i.dataTotal),
    ull('data_processed', i.dataProcessed),
    ull('data_remaining', i.dataRemaining),
    ull('memory_total', i.memTotal),
    ull('memory_processed', i.memProcessed),
    ull('memory_remaining', i.memRemaining),
  ];
  if (i.autoConvergeThrottle !== undefined) {
    params.push({ name: 'auto_converge_throttle', type: 'int', value: i.autoConvergeThrottle });
  }
  if (i.downtimeMs !== undefined) params.push(ull('downtime', i.downtimeMs));
  if (ENDED_TYPES.includes(i.type)) {
    params.push({ name: 'success', type: 'boolean', value: i.type === JobType.COMPLETED });
  }
  if (i.errmsg !== undefined) params.push({ name: 'errmsg', type: 'string', value: i.errmsg });
  return params;
}
