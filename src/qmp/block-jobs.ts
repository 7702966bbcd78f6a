/**
 * Typed wrappers of QMP's block jobs (qapi/block-core.json, QEMU 7.2): block-commit and block-stream
 * start a job named by its job-id, query-block-jobs follows it, block-job-complete pivots a ready
 * mirror-kind job (an active commit), block-job-cancel ends one; query-named-block-nodes maps image
 * files to node names.
 */
import type { QmpClient } from './client.js';

/** One running block job (BlockJobInfo); lengths in bytes. */
export interface QmpBlockJob {
  /** The job-id given at its start. */
  id: string;
  /** JobType: commit, stream, mirror, backup. */
  type: string;
  lenBytes: number;
  offsetBytes: number;
  /** Bytes per second; 0 for no limit. */
  speed: number;
  /** Whether a mirror-kind job has caught up and may be completed. */
  ready: boolean;
  /** JobStatus: created, running, ready, concluded, ... */
  status: string;
}

/** A format node and the image file under it (BlockDeviceInfo of query-named-block-nodes). */
export interface QmpNamedNode {
  nodeName: string;
  file: string;
  driver: string;
  /** The file of its backing image, if it has one. */
  backingFile?: string;
  /** Whether it is open read-only now. */
  readOnly: boolean;
}

/** `block-commit`: the data of `top` (default: the active layer of `device`) merged into `base`. */
export async function blockCommit(
  c: QmpClient,
  args: { jobId: string; device: string; topNode?: string; baseNode: string; speed?: number },
): Promise<void> {
  await c.execute('block-commit', {
    'job-id': args.jobId,
    device: args.device,
    ...(args.topNode === undefined ? {} : { 'top-node': args.topNode }),
    'base-node': args.baseNode,
    ...(args.speed ? { speed: args.speed } : {}),
  });
}

/** `block-stream`: the data below `device` (down to, not into, `baseNode`) copied into it. */
export async function blockStream(
  c: QmpClient,
  args: { jobId: string; device: string; baseNode?: string; speed?: number },
): Promise<void> {
  await c.execute('block-stream', {
    'job-id': args.jobId,
    device: args.device,
    ...(args.baseNode === undefined ? {} : { 'base-node': args.baseNode }),
    ...(args.speed ? { speed: args.speed } : {}),
  });
}

/** `query-block-jobs` → BlockJobInfo[]. */
export async function queryBlockJobs(c: QmpClient): Promise<QmpBlockJob[]> {
  type Wire = {
    device: string;
    type: string;
    len: number;
    offset: number;
    speed: number;
    ready: boolean;
    status: string;
  };
  const r = await c.execute<Wire[]>('query-block-jobs');
  return r.map((j) => ({
    id: j.device,
    type: j.type,
    lenBytes: j.len,
    offsetBytes: j.offset,
    speed: j.speed,
    ready: j.ready,
    status: j.status,
  }));
}

/** `block-job-complete {device: job-id}`: a ready job switches the device to its target (pivot). */
export async function blockJobComplete(c: QmpClient, jobId: string): Promise<void> {
  await c.execute('block-job-complete', { device: jobId });
}

/** `block-job-cancel {device: job-id}`: a job stops; a ready active commit leaves the top in place. */
export async function blockJobCancel(c: QmpClient, jobId: string): Promise<void> {
  await c.execute('block-job-cancel', { device: jobId });
}

/** `block-job-set-speed {device: job-id, speed}` in bytes per second (0: no limit). */
export async function blockJobSetSpeed(c: QmpClient, jobId: string, speed: number): Promise<void> {
  await c.execute('block-job-set-speed', { device: jobId, speed });
}

/** `query-named-block-nodes` → the nodes with their image file and backing file. */
export async function queryNamedBlockNodes(c: QmpClient): Promise<QmpNamedNode[]> {
  type Wire = { 'node-name': string; file: string; drv: string; ro: boolean; backing_file?: string };
  const r = await c.execute<Wire[]>('query-named-block-nodes');
  return r.map((n) => ({
    nodeName: n['node-name'],
    file: n.file,
    driver: n.drv,
    readOnly: n.ro,
    ...(n.backing_file === undefined ? {} : { backingFile: n.backing_file }),
  }));
}
