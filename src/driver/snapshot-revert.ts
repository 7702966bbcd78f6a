/**
 * virDomainRevertToSnapshot for internal snapshots. To a snapshot of a running or paused guest: its
 * memory and disks are loaded (snapshot-load) into the running qemu, or into a new one started paused;
 * then the guest runs or stays paused, as it was or as the flags say. To a snapshot of a shut-off guest:
 * qemu is stopped and each disk goes back with `qemu-img snapshot -a`. The domain's definition becomes
 * the snapshot's, and the snapshot becomes the current one. An external disk-only snapshot is reverted
 * to as in snapshot-revert-external.ts.
 */
import { DomainState } from '../connection.js';
import { TsvirtError } from '../errors.js';
import { parseDomainXml } from '../domain/parse-domain.js';
import type { DomainConfig } from '../domain/types.js';
import type { SnapshotDef } from '../domain/snapshot-xml.js';
import { snapshotLoad, stop } from '../qmp/index.js';
import { runImageSnapshot } from '../storage/qemu-img-snapshot.js';
import { JobOperation } from '../api/domain-enums.js';
import { SnapshotRevertFlags as F } from '../api/snapshot-enums.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { AsyncJob } from './jobs-kinds.js';
import type { AsyncJobHandle } from './jobs-records.js';
import { requireMonitor, runAsyncDomainJob, runStartJob } from './power.js';
import { SNAPSHOT_JOB_TIMEOUT_MS } from './snapshot-create.js';
import { requireSnapshotTargets } from './snapshot-disks.js';
import { finishRevert, stopForSnapshot } from './snapshot-runtime.js';
import { checkExternalRevert, isExternalSnapshot, revertExternal } from './snapshot-revert-external.js';
import { findSnapshot, loadSnapshots, setCurrentSnapshot } from './snapshot-store.js';
import { startDomain } from './start.js';
import { saveConfig } from './transitions.js';

const KNOWN = F.RUNNING | F.PAUSED | F.FORCE | F.RESET_NVRAM;

/** Refuse unknown flags, and RUNNING with PAUSED, as libvirt does. */
export function checkRevertFlags(flags: number): void {
  if ((flags & ~KNOWN) !== 0) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `unsupported flags (0x${(flags & ~KNOWN).toString(16)}) in function virDomainRevertToSnapshot`,
      { field: 'flags', value: flags, expected: 'running (1), paused (2), force (4), reset-nvram (8)' },
    );
  }
  if ((flags & F.RUNNING) !== 0 && (flags & F.PAUSED) !== 0) {
    throw new TsvirtError('ERR_INVALID_ARG', "flags 'running' and 'paused' are mutually exclusive", {
      field: 'flags',
      value: flags,
      expected: 'at most one of running (1) and paused (2)',
    });
  }
}

/** Revert `dom` to snapshot `name`, as one async job (START when a new qemu has to run). */
export async function revertToSnapshot(
  ctx: DriverContext,
  dom: DomainObject,
  name: string,
  flags: number,
): Promise<void> {
  checkRevertFlags(flags);
  const snap = findSnapshot(await loadSnapshots(ctx, dom), name);
  const external = isExternalSnapshot(snap);
  if (external) checkExternalRevert(snap);
  const withMemory = !external && (snap.state === 'running' || snap.state === 'paused');
  const startsQemu = withMemory && !dom.active;
  const req = startsQemu
    ? {
        kind: AsyncJob.START,
        name: 'snapshot-revert',
        operation: JobOperation.SNAPSHOT_REVERT,
        holdNormal: true,
      }
    : { kind: AsyncJob.SNAPSHOT, name: 'snapshot-revert', operation: JobOperation.SNAPSHOT_REVERT };
  await runAsyncDomainJob(ctx, dom, req, ctx.jobWaitMs, async (job) => {
    const set = await loadSnapshots(ctx, dom);
    const fresh = findSnapshot(set, name);
    if (external) {
      await revertExternal(ctx, dom, set, fresh);
    } else if (withMemory) {
      const def = await adoptSnapshotDefinition(dom, fresh);
      await revertWithMemory(ctx, dom, job, fresh, def, endsRunning(fresh, flags));
    } else {
      if (dom.active) await stopForSnapshot(ctx, dom);
      await revertDisks(fresh, await adoptSnapshotDefinition(dom, fresh));
    }
    await setCurrentSnapshot(ctx, dom, set, fresh.name);
  });
  if (!withMemory && (flags & (F.RUNNING | F.PAUSED)) !== 0) {
    await runStartJob(ctx, dom, ctx.jobWaitMs, { paused: (flags & F.PAUSED) !== 0 });
  }
}

function endsRunning(snap: SnapshotDef, flags: number): boolean {
  if ((flags & F.RUNNING) !== 0) return true;
  if ((flags & F.PAUSED) !== 0) return false;
  return snap.state === 'running';
}

/** The snapshot's domain definition becomes the persistent one (as libvirt does); returns it. */
async function adoptSnapshotDefinition(dom: DomainObject, snap: SnapshotDef): Promise<DomainConfig> {
  const current = (dom.liveDef ?? dom.persistentDef) as DomainConfig;
  if (snap.domainXml === undefined) return current;
  const def = parseDomainXml(snap.domainXml);
  if (dom.persistentDef && !dom.active) {
    dom.persistentDef = def;
    await saveConfig(dom);
  }
  return dom.active ? current : def;
}

/** Load the snapshot's memory into the running qemu, or a new one started paused. */
async function revertWithMemory(
  ctx: DriverContext,
  dom: DomainObject,
  job: AsyncJobHandle,
  snap: SnapshotDef,
  def: DomainConfig,
  running: boolean,
): Promise<void> {
  if (!dom.active) {
    job.setPhase('starting');
    await startDomain(ctx, dom, { paused: true });
  }
  const qmp = requireMonitor(dom);
  const live = dom.liveDef ?? def;
  const targets = requireSnapshotTargets(live, snap.disks);
  if (dom.state === DomainState.RUNNING) await stop(qmp);
  job.setPhase('loading memory and disks');
  await snapshotLoad(
    qmp,
    { tag: snap.name, vmstate: targets[0].node, devices: targets.map((t) => t.node) },
    { timeoutMs: SNAPSHOT_JOB_TIMEOUT_MS },
  );
  await finishRevert(ctx, dom, qmp, running);
}

/** Bring each disk of a shut-off guest back to the snapshot. */
async function revertDisks(snap: SnapshotDef, def: DomainConfig): Promise<void> {
  for (const t of requireSnapshotTargets(def, snap.disks)) await runImageSnapshot('apply', t.path, snap.name);
}
