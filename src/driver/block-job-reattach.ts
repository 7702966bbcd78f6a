/**
 * Block jobs across a tsvirtd restart: the status file names each disk's job; at re-adoption a job qemu
 * still runs is watched again (blockjob --info, --pivot and --abort work on it), and one qemu ended
 * while tsvirtd was down is resolved from qemu's node graph: a pull or commit whose layers left the
 * chain completed (the chain is updated and their nodes go), an active commit whose base is now the
 * disk's top was pivoted; anything else was cancelled or failed and leaves the disk as it was.
 */
import { buildBlockNodeNames } from '../domain/aliases.js';
import type { DiskConfig, DomainConfig } from '../domain/types.js';
import { queryBlockJobs, queryNamedBlockNodes, type QmpClient } from '../qmp/index.js';
import { queryBlockMedia } from '../qmp/block-stats.js';
import { BlockJobType } from '../api/domain-enums.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { diskSourcePath, dropLeftNodes, pivotDisk, watchJob } from './block-jobs.js';
import { buildChain, dropChainLayers } from './live-chain.js';
import type { BlockJobRecord } from './status-jobs.js';

/** Take back the block jobs `saved` in the status file of `dom`, whose monitor `qmp` is attached. */
export async function reattachBlockJobs(
  ctx: DriverContext,
  dom: DomainObject,
  qmp: QmpClient,
  saved: readonly BlockJobRecord[],
): Promise<void> {
  const run = dom.run;
  if (saved.length === 0 || !run) return;
  const running = await queryBlockJobs(qmp);
  run.blockJobs.clear();
  const ended: { rec: BlockJobRecord; disk: DiskConfig; position: number }[] = [];
  // Every job still running is watched before any other await, so that no end event slips by.
  for (const rec of saved) {
    const disks = (dom.liveDef as DomainConfig).devices.disks;
    const position = disks.findIndex((d) => d.targetDev === rec.disk);
    const disk = disks[position];
    if (!disk) {
      ctx.log(`domain '${dom.name}': block job ${rec.jobId} names disk ${rec.disk}, which is gone; dropped`);
      continue;
    }
    if (running.some((j) => j.id === rec.jobId)) {
      run.blockJobs.set(rec.disk, rec);
      watchJob(ctx, dom, qmp, disk, rec, diskSourcePath(disk));
      ctx.log(`domain '${dom.name}': block job ${rec.jobId} taken back after a tsvirtd restart`);
    } else {
      ended.push({ rec, disk, position });
    }
  }
  for (const { rec, disk, position } of ended) {
    await resolveEnded(ctx, dom, qmp, rec, disk, position).catch((err: unknown) =>
      ctx.log(`domain '${dom.name}': cannot resolve block job ${rec.jobId} that ended: ${String(err)}`),
    );
  }
}

/** A job qemu ended while tsvirtd was down: what its chain shows now decides how it ended. */
async function resolveEnded(
  ctx: DriverContext,
  dom: DomainObject,
  qmp: QmpClient,
  rec: BlockJobRecord,
  disk: DiskConfig,
  position: number,
): Promise<void> {
  if (rec.type === BlockJobType.ACTIVE_COMMIT) {
    // A pivot that qemu did but tsvirtd did not record left the guest's device on the base's node.
    const base = rec.base;
    const pivoted = base !== undefined && (await queryBlockMedia(qmp)).some((m) => m.nodeName === base.node);
    if (pivoted) await pivotDisk(ctx, dom, position, base);
    ctx.log(
      `domain '${dom.name}': block job ${rec.jobId} ended while tsvirtd was down (${pivoted ? 'pivoted' : 'not pivoted'})`,
    );
    return;
  }
  const top = buildBlockNodeNames(disk.nodeIndex ?? position + 1).format;
  const chain = buildChain(await queryNamedBlockNodes(qmp), top).map((n) => n.nodeName);
  const completed = rec.leaving.every((n) => !chain.includes(n));
  if (completed) {
    await dropChainLayers(ctx, dom, disk.targetDev, rec.leaving);
    await dropLeftNodes(ctx, dom, qmp, rec.leaving);
  }
  ctx.log(
    `domain '${dom.name}': block job ${rec.jobId} ended while tsvirtd was down (${completed ? 'completed' : 'cancelled or failed'})`,
  );
}
