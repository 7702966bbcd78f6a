/**
 * QEMU's internal snapshot jobs (snapshot-save, snapshot-load, snapshot-delete): each starts a job that
 * reports through JOB_STATUS_CHANGE events; it is done once `concluded`, when query-jobs tells whether it
 * failed, and it is then dismissed.
 */
import { TsvirtError } from '../errors.js';
import type { QmpClient } from './client.js';

/** One entry of query-jobs. */
export interface QmpJobInfo {
  id: string;
  type: string;
  status: string;
  error?: string;
}

/** What each snapshot job command takes besides its job id. */
export interface SnapshotJobArgs {
  /** The snapshot's name (qcow2's snapshot tag). */
  tag: string;
  /** Block node names of the disks (their format nodes). */
  devices: string[];
  /** The node that holds the guest's memory (snapshot-save and snapshot-load only). */
  vmstate?: string;
}

/** Options of a job wait. */
export interface JobWaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

let nextJob = 0;

/** snapshot-save: the guest's memory and device state to `vmstate`, and an internal snapshot of `devices`. */
export function snapshotSave(c: QmpClient, args: SnapshotJobArgs, opts: JobWaitOptions): Promise<void> {
  return runSnapshotJob(c, 'snapshot-save', args, opts);
}

/** snapshot-load: the guest brought back to snapshot `tag` (the vCPUs must be stopped). */
export function snapshotLoad(c: QmpClient, args: SnapshotJobArgs, opts: JobWaitOptions): Promise<void> {
  return runSnapshotJob(c, 'snapshot-load', args, opts);
}

/** snapshot-delete: snapshot `tag` removed from `devices`. */
export function snapshotDelete(c: QmpClient, args: SnapshotJobArgs, opts: JobWaitOptions): Promise<void> {
  const { vmstate: _unused, ...rest } = args;
  return runSnapshotJob(c, 'snapshot-delete', rest, opts);
}

/** The job-id prefix of the snapshot jobs tsvirt starts: `tsvirt-snapshot-save-3`. */
export const SNAPSHOT_JOB_PREFIX = 'tsvirt-snapshot-';

/** `query-jobs`: qemu's generic jobs (snapshot jobs among them), with their status and error. */
export function queryJobs(c: QmpClient): Promise<QmpJobInfo[]> {
  return c.execute<QmpJobInfo[]>('query-jobs');
}

/** `job-dismiss`: a concluded job leaves query-jobs. */
export async function dismissJob(c: QmpClient, id: string): Promise<void> {
  await c.execute('job-dismiss', { id });
}

async function runSnapshotJob(
  c: QmpClient,
  command: string,
  args: SnapshotJobArgs,
  opts: JobWaitOptions,
): Promise<void> {
  // command is snapshot-save/-load/-delete: the id starts with SNAPSHOT_JOB_PREFIX.
  const jobId = `tsvirt-${command}-${++nextJob}`;
  const concluded = c.waitForEvent('JOB_STATUS_CHANGE', {
    match: (data) => data['id'] === jobId && data['status'] === 'concluded',
    timeoutMs: opts.timeoutMs,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  concluded.catch(() => undefined);
  await c.execute(command, { 'job-id': jobId, ...args });
  await concluded;
  const jobs = await c.execute<QmpJobInfo[]>('query-jobs');
  const info = jobs.find((j) => j.id === jobId);
  await c.execute('job-dismiss', { id: jobId });
  if (info?.error !== undefined) {
    throw new TsvirtError(
      'ERR_OPERATION_FAILED',
      `qemu's ${command} of '${args.tag}' failed: ${info.error}`,
      {
        command,
        tag: args.tag,
        error: info.error,
      },
    );
  }
}
