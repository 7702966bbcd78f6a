/**
 * Block jobs of a running domain's disk, as libvirt runs them on qemu: blockcommit (block-commit, an
 * active commit then waits ready for a pivot), blockpull (block-stream), and their progress, abort and
 * pivot. One job per disk; qemu's job-id is `commit-vda` / `pull-vda`. A pivot moves the disk (live
 * and persistent definition) onto the commit's base image.
 */
import { resolve } from 'node:path';
import { TsvirtError } from '../errors.js';
import { buildBlockNodeNames } from '../domain/aliases.js';
import type { DiskConfig, DomainConfig } from '../domain/types.js';
import type { BlockJobInfo } from '../api/types.js';
import {
  blockCommit,
  blockdevDel,
  blockJobCancel,
  blockJobComplete,
  blockStream,
  queryBlockJobs,
  queryNamedBlockNodes,
  type QmpClient,
  type QmpEvent,
  type QmpNamedNode,
} from '../qmp/index.js';
import {
  BlockCommitFlags,
  BlockJobAbortFlags,
  BlockJobInfoFlags,
  BlockJobType,
  BlockPullFlags,
} from '../api/domain-enums.js';
import type { DriverContext } from './context.js';
import type { BlockJobRecord } from './status-jobs.js';
import type { DomainObject } from './domain-object.js';
import { findDisk } from './block-resize.js';
import { grantDiskFile } from './device-files.js';
import { requireMonitor } from './power.js';
import { buildChain, dropChainLayers, followLiveDisk } from './live-chain.js';
import { checkAction } from './state-machine.js';
import { saveConfig, saveStatus } from './transitions.js';

/** virConnectDomainEventBlockJobStatus. */
const JobStatus = { COMPLETED: 0, FAILED: 1, CANCELED: 2, READY: 3 } as const;

/** How long a pivot or a synchronous abort waits for qemu's end-of-job event. */
const END_WAIT_MS = 60_000;
const MIB = 1024 * 1024;

/** The block jobs of the domain's run (kept in its status file); an empty map when it does not run. */
function recordsOf(dom: DomainObject): Map<string, BlockJobRecord> {
  return dom.run?.blockJobs ?? new Map<string, BlockJobRecord>();
}

/** The disk a block job call names, on a running domain, with its active format node. */
function findLiveDisk(dom: DomainObject, path: string): { disk: DiskConfig; position: number; node: string } {
  checkAction('live-change', dom.subject);
  const { disk, position } = findDisk(dom.liveDef as DomainConfig, path);
  return { disk, position, node: buildBlockNodeNames(disk.nodeIndex ?? position + 1).format };
}

function toBytesPerSecond(bandwidth: bigint, bytes: boolean): number {
  return Number(bytes ? bandwidth : bandwidth * BigInt(MIB));
}

function refuseBusy(dom: DomainObject, target: string): void {
  if (recordsOf(dom).has(target)) {
    throw new TsvirtError(
      'ERR_OPERATION_INVALID',
      `Requested operation is not valid: disk '${target}' already in active block job`,
      {
        domain: dom.name,
        disk: target,
      },
    );
  }
}

function findInChain(chain: readonly QmpNamedNode[], path: string, what: string, disk: string): number {
  const i = chain.findIndex((n) => n.file === resolve(path));
  if (i < 0) {
    throw new TsvirtError('ERR_INVALID_ARG', `could not find image '${path}' in chain for '${disk}'`, {
      field: what,
      value: path,
      expected: chain.map((n) => n.file).join(' <- '),
    });
  }
  return i;
}

/** virDomainBlockCommit: merge `top` (default: the active layer) down into `base` (default: the bottom). */
export async function commitBlock(
  ctx: DriverContext,
  dom: DomainObject,
  path: string,
  opts: { base: string | undefined; top: string | undefined; bandwidth: bigint; flags: number },
): Promise<void> {
  const known = BlockCommitFlags.SHALLOW | BlockCommitFlags.ACTIVE | BlockCommitFlags.BANDWIDTH_BYTES;
  if ((opts.flags & ~known) !== 0) {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `blockcommit flags 0x${(opts.flags & ~known).toString(16)} are not supported (delete, relative)`,
      {
        field: 'flags',
        value: opts.flags,
        expected: 'shallow (1), active (4), bandwidth-bytes (16)',
      },
    );
  }
  const { disk, node } = findLiveDisk(dom, path);
  refuseBusy(dom, disk.targetDev);
  const qmp = requireMonitor(dom);
  const chain = buildChain(await queryNamedBlockNodes(qmp), node);
  const topIndex = opts.top ? findInChain(chain, opts.top, 'top', disk.targetDev) : 0;
  const active = topIndex === 0;
  if (active && (opts.flags & BlockCommitFlags.ACTIVE) === 0) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `commit of '${disk.targetDev}' active layer requires active flag`,
      {
        field: 'flags',
        value: opts.flags,
        expected: 'active (4), or a top below the active layer',
      },
    );
  }
  let baseIndex = chain.length - 1;
  if ((opts.flags & BlockCommitFlags.SHALLOW) !== 0) baseIndex = topIndex + 1;
  else if (opts.base) baseIndex = findInChain(chain, opts.base, 'base', disk.targetDev);
  const base = chain[baseIndex];
  if (!base || baseIndex <= topIndex) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `disk '${disk.targetDev}' has no backing image below the top to commit into`,
      {
        field: 'base',
        value: opts.base ?? null,
        expected: 'an image below top in the chain',
      },
    );
  }
  // qemu rewrites the base's data and the header of the image above top: it needs write access to them.
  for (const image of chain.slice(0, baseIndex + 1)) {
    await grantDiskFile(ctx, dom, { ...disk, readonly: false, source: { kind: 'file', path: image.file } });
  }
  await reopenWritable(qmp, base, chain[baseIndex + 1]);
  const jobId = `commit-${disk.targetDev}`;
  const rec: BlockJobRecord = {
    disk: disk.targetDev,
    jobId,
    type: active ? BlockJobType.ACTIVE_COMMIT : BlockJobType.COMMIT,
    base: { path: base.file, node: base.nodeName, format: base.driver },
    leaving: chain.slice(topIndex, baseIndex).map((n) => n.nodeName),
  };
  await startJob(ctx, dom, qmp, disk, rec, (chain[0] as QmpNamedNode).file, () =>
    blockCommit(qmp, {
      jobId,
      device: node,
      ...(active ? {} : { topNode: (chain[topIndex] as QmpNamedNode).nodeName }),
      baseNode: base.nodeName,
      speed: toBytesPerSecond(opts.bandwidth, (opts.flags & BlockCommitFlags.BANDWIDTH_BYTES) !== 0),
    }),
  );
}

/**
 * Watch the job's events, then start it: a short job's end can come in the same read as qemu's answer
 * to the command that started it.
 */
async function startJob(
  ctx: DriverContext,
  dom: DomainObject,
  qmp: QmpClient,
  disk: DiskConfig,
  rec: BlockJobRecord,
  path: string,
  begin: () => Promise<void>,
): Promise<void> {
  recordsOf(dom).set(disk.targetDev, rec);
  const unwatch = watchJob(ctx, dom, qmp, disk, rec, path);
  try {
    await begin();
  } catch (err) {
    unwatch();
    if (recordsOf(dom).get(disk.targetDev) === rec) recordsOf(dom).delete(disk.targetDev);
    throw err;
  }
  // A tsvirtd restart finds the job again from the status file.
  await saveStatus(ctx, dom);
}

/** virDomainBlockPull: the whole backing chain copied into the active layer. */
export async function pullBlock(
  ctx: DriverContext,
  dom: DomainObject,
  path: string,
  bandwidth: bigint,
  flags: number,
): Promise<void> {
  if ((flags & ~BlockPullFlags.BANDWIDTH_BYTES) !== 0) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `blockpull flags 0x${flags.toString(16)}: only bandwidth-bytes (64) is known`,
      {
        field: 'flags',
        value: flags,
        expected: '0 or 64',
      },
    );
  }
  const { disk, node } = findLiveDisk(dom, path);
  refuseBusy(dom, disk.targetDev);
  const jobId = `pull-${disk.targetDev}`;
  const speed = toBytesPerSecond(bandwidth, (flags & BlockPullFlags.BANDWIDTH_BYTES) !== 0);
  const qmp = requireMonitor(dom);
  const below = buildChain(await queryNamedBlockNodes(qmp), node).slice(1);
  const rec: BlockJobRecord = {
    disk: disk.targetDev,
    jobId,
    type: BlockJobType.PULL,
    leaving: below.map((n) => n.nodeName),
  };
  await startJob(ctx, dom, qmp, disk, rec, diskSourcePath(disk), () =>
    blockStream(qmp, { jobId, device: node, speed }),
  );
}

/** virDomainGetBlockJobInfo: found 0 once qemu has no job on the disk (it ended). */
export async function getBlockJobInfo(dom: DomainObject, path: string, flags: number): Promise<BlockJobInfo> {
  const { disk } = findLiveDisk(dom, path);
  const none: BlockJobInfo = { found: 0, type: 0, bandwidth: 0n, cur: 0n, end: 0n };
  const rec = recordsOf(dom).get(disk.targetDev);
  if (!rec) return none;
  const job = (await queryBlockJobs(requireMonitor(dom))).find((j) => j.id === rec.jobId);
  if (!job) {
    recordsOf(dom).delete(disk.targetDev);
    return none;
  }
  const bytes = (flags & BlockJobInfoFlags.BANDWIDTH_BYTES) !== 0;
  let cur = BigInt(job.offsetBytes);
  let end = BigInt(job.lenBytes);
  // As libvirt: a job that has not started says 0 of 1, not 0 of 0 (done); a ready one is at its end.
  if (end === 0n && cur === 0n) end = 1n;
  if (job.ready) cur = end;
  return {
    found: 1,
    type: rec.type,
    bandwidth: BigInt(bytes ? job.speed : Math.floor(job.speed / MIB)),
    cur,
    end,
  };
}

/** virDomainBlockJobAbort: cancel the disk's job, or with PIVOT switch the disk to a ready commit's base. */
export async function abortBlockJob(
  ctx: DriverContext,
  dom: DomainObject,
  path: string,
  flags: number,
): Promise<void> {
  const { disk, position } = findLiveDisk(dom, path);
  const rec = recordsOf(dom).get(disk.targetDev);
  const qmp = requireMonitor(dom);
  const job = rec ? (await queryBlockJobs(qmp)).find((j) => j.id === rec.jobId) : undefined;
  if (!rec || !job) {
    recordsOf(dom).delete(disk.targetDev);
    throw new TsvirtError(
      'ERR_OPERATION_INVALID',
      `Requested operation is not valid: disk '${disk.targetDev}' does not have an active block job`,
      {
        domain: dom.name,
        disk: disk.targetDev,
      },
    );
  }
  if ((flags & BlockJobAbortFlags.PIVOT) !== 0) {
    if (!job.ready || rec.type !== BlockJobType.ACTIVE_COMMIT || !rec.base) {
      throw new TsvirtError(
        'ERR_OPERATION_INVALID',
        `Requested operation is not valid: block job '${rec.jobId}' not ready for pivot yet`,
        {
          domain: dom.name,
          disk: disk.targetDev,
        },
      );
    }
    await endJob(qmp, rec.jobId, () => blockJobComplete(qmp, rec.jobId));
    recordsOf(dom).delete(disk.targetDev);
    await pivotDisk(ctx, dom, position, rec.base);
    return;
  }
  rec.aborting = true;
  await saveStatus(ctx, dom);
  if ((flags & BlockJobAbortFlags.ASYNC) !== 0) {
    await blockJobCancel(qmp, rec.jobId);
    return;
  }
  await endJob(qmp, rec.jobId, () => blockJobCancel(qmp, rec.jobId));
  recordsOf(dom).delete(disk.targetDev);
  await saveStatus(ctx, dom);
}

/** Run `act` and wait for the job's end (BLOCK_JOB_COMPLETED or BLOCK_JOB_CANCELLED); qemu's error fails it. */
async function endJob(qmp: QmpClient, jobId: string, act: () => Promise<void>): Promise<void> {
  const stop = new AbortController();
  const opts = {
    timeoutMs: END_WAIT_MS,
    signal: stop.signal,
    match: (d: Record<string, unknown>) => d['device'] === jobId,
  };
  const ended = Promise.race([
    qmp.waitForEvent('BLOCK_JOB_COMPLETED', opts),
    qmp.waitForEvent('BLOCK_JOB_CANCELLED', opts),
  ]);
  ended.catch(() => undefined);
  try {
    await act();
    const ev = await ended;
    if (typeof ev.data['error'] === 'string') {
      throw new TsvirtError('ERR_OPERATION_FAILED', `block job '${jobId}' failed: ${ev.data['error']}`, {
        job: jobId,
      });
    }
  } finally {
    stop.abort();
  }
}

/** After a pivot: the disk's source is the base image, live and persistent, as libvirt rewrites them. */
export async function pivotDisk(
  ctx: DriverContext,
  dom: DomainObject,
  position: number,
  base: { path: string; node: string; format: string },
): Promise<void> {
  const live = structuredClone(dom.liveDef as DomainConfig);
  const disk = live.devices.disks[position] as DiskConfig;
  const oldPath = disk.source?.kind === 'file' ? disk.source.path : undefined;
  disk.source = { kind: 'file', path: base.path };
  disk.format = base.format as DiskConfig['format'];
  const index = /^libvirt-(\d+)-format$/.exec(base.node);
  if (index) disk.nodeIndex = Number(index[1]);
  else delete disk.nodeIndex;
  // What stays below the base is what was below it before.
  const chain = disk.backingChain ?? [];
  const at = chain.findIndex((b) => b.nodeIndex !== undefined && b.nodeIndex === disk.nodeIndex);
  if (at >= 0) disk.backingChain = chain.slice(at + 1);
  else delete disk.backingChain;
  dom.liveDef = live;
  await saveStatus(ctx, dom);
  const next = structuredClone(dom.persistentDef);
  if (followLiveDisk(next, disk, oldPath)) {
    dom.persistentDef = next;
    await saveConfig(dom);
  }
}

/** The path block-job events name a disk by: its source file or device. */
export function diskSourcePath(disk: DiskConfig): string {
  const src = disk.source;
  if (src?.kind === 'file') return src.path;
  if (src?.kind === 'block') return src.dev;
  return src?.resolved?.path ?? disk.targetDev;
}

/**
 * Turn qemu's events of one job into libvirt's block-job (path) and block-job-2 (target) events:
 * BLOCK_JOB_READY is ready, BLOCK_JOB_COMPLETED completed (failed with an error, canceled after an
 * abort), BLOCK_JOB_CANCELLED canceled. The job's record goes when it ends.
 */
export function watchJob(
  ctx: DriverContext,
  dom: DomainObject,
  qmp: QmpClient,
  disk: DiskConfig,
  rec: BlockJobRecord,
  path: string,
): () => void {
  const emit = (status: number): void => {
    ctx.events.emit('block-job', { dom: dom.ref(), path, type: rec.type, status });
    ctx.events.emit('block-job-2', { dom: dom.ref(), path: disk.targetDev, type: rec.type, status });
  };
  const onEvent = (e: QmpEvent): void => {
    if (e.data['device'] !== rec.jobId) return;
    if (e.event === 'BLOCK_JOB_READY') return emit(JobStatus.READY);
    if (e.event !== 'BLOCK_JOB_COMPLETED' && e.event !== 'BLOCK_JOB_CANCELLED') return;
    qmp.off('event', onEvent);
    if (recordsOf(dom).get(disk.targetDev) === rec) {
      recordsOf(dom).delete(disk.targetDev);
      void saveStatus(ctx, dom).catch(() => undefined);
    }
    if (e.event === 'BLOCK_JOB_CANCELLED' || rec.aborting) return emit(JobStatus.CANCELED);
    if (typeof e.data['error'] === 'string') return emit(JobStatus.FAILED);
    // A pivot (the end of an active commit) moves the disk and its chain itself.
    const layers =
      rec.type === BlockJobType.ACTIVE_COMMIT
        ? Promise.resolve()
        : dropChainLayers(ctx, dom, disk.targetDev, rec.leaving).catch((err: unknown) =>
            ctx.log(`domain '${dom.name}': the chain of ${disk.targetDev} is not updated: ${String(err)}`),
          );
    void Promise.all([layers, dropLeftNodes(ctx, dom, qmp, rec.leaving)]).finally(() =>
      emit(JobStatus.COMPLETED),
    );
  };
  qmp.on('event', onEvent);
  return () => qmp.off('event', onEvent);
}

/**
 * A base that qemu holds read-only (a backing node a start opened, or a former top under an overlay) is
 * reopened read-write (blockdev-reopen of its storage and format node) so that a commit can write it.
 */
async function reopenWritable(
  qmp: QmpClient,
  base: QmpNamedNode,
  below: QmpNamedNode | undefined,
): Promise<void> {
  const index = /^libvirt-(\d+)-format$/.exec(base.nodeName);
  if (!base.readOnly || !index) return;
  const names = buildBlockNodeNames(Number(index[1]));
  await qmp.execute('blockdev-reopen', {
    options: [
      { driver: 'file', 'node-name': names.storage, filename: base.file, 'read-only': false },
      {
        driver: base.driver,
        'node-name': names.format,
        file: names.storage,
        'read-only': false,
        backing: below ? below.nodeName : null,
      },
    ],
  });
}

/**
 * After a commit or a pull, the layers that left the chain keep their named nodes in qemu (a start or
 * a snapshot made them): delete them, format node then storage node, top first, as libvirt does.
 */
export async function dropLeftNodes(
  ctx: DriverContext,
  dom: DomainObject,
  qmp: QmpClient,
  formats: readonly string[],
): Promise<void> {
  for (const format of formats) {
    const index = /^libvirt-(\d+)-format$/.exec(format);
    if (!index) continue;
    const names = buildBlockNodeNames(Number(index[1]));
    for (const node of [names.format, names.storage]) {
      await blockdevDel(qmp, node).catch((err: unknown) =>
        ctx.log(`domain '${dom.name}': block node ${node} stays after the block job: ${String(err)}`),
      );
    }
  }
}
