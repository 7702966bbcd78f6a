/**
 * virDomainSnapshotCreateXML for internal snapshots: of a shut-off guest with `qemu-img snapshot -c` on
 * each qcow2 disk, of a running or paused one with qemu's snapshot-save job (memory and disks), under
 * the domain's SNAPSHOT async job; external ones are taken in snapshot-disk-only.ts and
 * snapshot-memory.ts. A snapshot that fails leaves no metadata and no half-made image snapshot behind,
 * and a running guest runs on.
 */
import { DomainState } from '../connection.js';
import { TsvirtError } from '../errors.js';
import { formatDomainXml } from '../domain/format-domain.js';
import type { DomainConfig } from '../domain/types.js';
import { parseSnapshotXml, type SnapshotDef, type SnapshotRequest } from '../domain/snapshot-xml.js';
import { snapshotDelete, snapshotSave } from '../qmp/index.js';
import { runImageSnapshot } from '../storage/qemu-img-snapshot.js';
import { PausedReason } from '../api/domain-enums.js';
import { SnapshotCreateFlags as F } from '../api/snapshot-enums.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import type { AsyncJobHandle } from './jobs-records.js';
import { SNAPSHOT_MEMORY_MASK } from './jobs-kinds.js';
import { requireMonitor } from './power.js';
import { planSnapshotDisks, requireSnapshotTargets, type SnapshotTarget } from './snapshot-disks.js';
import { pauseVcpus, resumeVcpus, stopForSnapshot } from './snapshot-runtime.js';
import { redefineSnapshot } from './snapshot-redefine.js';
import { takeDiskOnlySnapshot } from './snapshot-disk-only.js';
import { takeMemorySnapshot } from './snapshot-memory.js';
import { loadSnapshots, writeSnapshot } from './snapshot-store.js';
import { clearPendingJob } from './pending-job.js';
import { saveStatus } from './transitions.js';

/** How long qemu's snapshot jobs may take (they write the guest's whole memory). */
export const SNAPSHOT_JOB_TIMEOUT_MS = 600_000;

const KNOWN = Object.values(F).reduce((a, b) => a | b, 0);

/** Refuse flags tsvirt does not implement, each by name, as libvirt's checks word them. */
export function checkCreateFlags(flags: number): void {
  const refuse = (
    message: string,
    code: 'ERR_INVALID_ARG' | 'ERR_NOT_SUPPORTED' = 'ERR_NOT_SUPPORTED',
  ): never => {
    throw new TsvirtError(code, message, { field: 'flags', value: flags });
  };
  if ((flags & ~KNOWN) !== 0) {
    refuse(
      `unsupported flags (0x${(flags & ~KNOWN).toString(16)}) in function virDomainSnapshotCreateXML`,
      'ERR_INVALID_ARG',
    );
  }
  if ((flags & F.CURRENT) !== 0 && (flags & F.REDEFINE) === 0) {
    refuse("use of 'current' flag requires 'redefine' flag", 'ERR_INVALID_ARG');
  }
  if ((flags & F.QUIESCE) !== 0) {
    refuse(
      'quiesce needs a guest agent to freeze the file systems, and tsvirt has no guest agent channel; leave out --quiesce',
    );
  }
  if ((flags & F.REUSE_EXT) !== 0) {
    refuse(
      'reusing existing external files is not supported; leave out --reuse-external and let tsvirt create them',
    );
  }
  if ((flags & F.LIVE) !== 0 && (flags & F.DISK_ONLY) === 0) {
    refuse(
      'live snapshot creation (--live) is not supported by tsvirt; leave out --live, and the guest pauses while its memory is saved',
    );
  }
}

/** Create a snapshot from `xml` (the caller holds nothing); returns its name. */
export async function createSnapshot(
  ctx: DriverContext,
  dom: DomainObject,
  job: AsyncJobHandle,
  xml: string,
  flags: number,
): Promise<string> {
  const req = parseSnapshotXml(xml);
  if ((flags & F.REDEFINE) !== 0) return redefineSnapshot(ctx, dom, req, flags);
  const set = await loadSnapshots(ctx, dom);
  const name = req.name ?? String(Math.floor(Date.now() / 1000));
  if (set.list.some((s) => s.name === name)) {
    throw new TsvirtError(
      'ERR_OPERATION_INVALID',
      `Requested operation is not valid: domain snapshot '${name}' already exists`,
      { name },
    );
  }
  let written = false;
  /** Writes the metadata; a live internal snapshot calls it before the guest runs again. */
  const record = async (snap: SnapshotDef): Promise<void> => {
    written = true;
    snap.parent = set.current;
    try {
      if ((flags & F.NO_METADATA) === 0) await writeSnapshot(ctx, dom, snap, true);
    } catch (err) {
      ctx.log(
        `domain '${dom.name}': snapshot '${name}' made, but its metadata could not be written: ${String(err)}`,
      );
      throw err;
    }
  };
  const snap = await takeSnapshot(ctx, dom, job, req, name, flags, record);
  if (!written) {
    try {
      await record(snap);
    } finally {
      // From here the snapshot stands (or is logged as made): a restart has nothing to undo.
      await clearPendingJob(ctx, dom);
    }
  }
  if ((flags & F.NO_METADATA) !== 0) return name;
  const previous = set.list.find((s) => s.name === set.current);
  if (previous) await writeSnapshot(ctx, dom, previous, false);
  return name;
}

/** Take the snapshot itself: disk-only (external overlays), or internal of a shut-off or active guest. */
async function takeSnapshot(
  ctx: DriverContext,
  dom: DomainObject,
  job: AsyncJobHandle,
  req: SnapshotRequest,
  name: string,
  flags: number,
  record: (snap: SnapshotDef) => Promise<void>,
): Promise<SnapshotDef> {
  if ((flags & F.DISK_ONLY) !== 0 && req.memory === 'external') {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      'memory state cannot be saved with offline or disk-only snapshot; leave out --disk-only or the memory file',
      { field: 'memory', value: 'external', expected: 'no, with --disk-only' },
    );
  }
  if ((flags & F.DISK_ONLY) !== 0) return takeDiskOnlySnapshot(ctx, dom, job, req, name);
  if (req.memory === 'external') return takeMemorySnapshot(ctx, dom, job, req, name, flags);
  const active = dom.state === DomainState.RUNNING || dom.state === DomainState.PAUSED;
  const def = (active ? dom.liveDef : (dom.persistentDef ?? dom.liveDef)) as DomainConfig;
  const snap = buildSnapshotDef(
    def,
    req,
    name,
    active ? (dom.state === DomainState.RUNNING ? 'running' : 'paused') : 'shutoff',
  );
  const targets = requireSnapshotTargets(def, snap.disks);
  if (active) await takeLiveSnapshot(ctx, dom, job, snap, targets, flags, record);
  else await takeOfflineSnapshot(targets, name);
  return snap;
}

function buildSnapshotDef(
  def: DomainConfig,
  req: SnapshotRequest,
  name: string,
  state: SnapshotDef['state'],
): SnapshotDef {
  const memory = state === 'shutoff' ? 'no' : (req.memory ?? 'internal');
  if (state !== 'shutoff' && memory !== 'internal') {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `an internal snapshot of a running domain must include its memory; leave out <memory snapshot='${memory}'/>`,
      { field: 'memory', value: memory, expected: 'internal' },
    );
  }
  return {
    name,
    ...(req.description !== undefined ? { description: req.description } : {}),
    state,
    creationTime: Math.floor(Date.now() / 1000),
    memory,
    disks: planSnapshotDisks(def, req.disks),
    domainXml: formatDomainXml(def, undefined, { secure: true }),
  };
}

/** `qemu-img snapshot -c` on each disk; on a failure, the snapshots already made are deleted again. */
async function takeOfflineSnapshot(targets: readonly SnapshotTarget[], name: string): Promise<void> {
  const done: SnapshotTarget[] = [];
  try {
    for (const t of targets) {
      await runImageSnapshot('create', t.path, name);
      done.push(t);
    }
  } catch (err) {
    for (const t of done) await runImageSnapshot('delete', t.path, name).catch(() => undefined);
    throw err;
  }
}

/** snapshot-save with the vCPUs stopped (paused/snapshot), then the guest runs on, or stops with HALT. */
async function takeLiveSnapshot(
  ctx: DriverContext,
  dom: DomainObject,
  job: AsyncJobHandle,
  snap: SnapshotDef,
  targets: readonly [SnapshotTarget, ...SnapshotTarget[]],
  flags: number,
  record: (snap: SnapshotDef) => Promise<void>,
): Promise<void> {
  const qmp = requireMonitor(dom);
  const run = dom.run;
  const wasRunning = dom.state === DomainState.RUNNING;
  job.setMask(SNAPSHOT_MEMORY_MASK);
  job.setPhase('pausing');
  const args = { tag: snap.name, vmstate: targets[0].node, devices: targets.map((t) => t.node) };
  // A tsvirtd killed from here until the metadata is written deletes the tag again at re-adoption. The
  // record reaches the status file with the paused state (one write); a paused guest's is its own.
  if (run) run.pendingJob = { kind: 'snapshot', ...args };
  const paused = wasRunning ? pauseVcpus(ctx, dom, qmp, PausedReason.SNAPSHOT) : saveStatus(ctx, dom);
  await paused.catch(async (err: unknown) => {
    await clearPendingJob(ctx, dom);
    throw err;
  });
  try {
    job.setPhase('saving memory and disks');
    await snapshotSave(qmp, args, { timeoutMs: SNAPSHOT_JOB_TIMEOUT_MS, signal: job.signal });
  } catch (err) {
    // What qemu made of it before failing goes, so that no later command trusts it.
    if (dom.run === run && !qmp.closed) {
      await snapshotDelete(qmp, args, { timeoutMs: SNAPSHOT_JOB_TIMEOUT_MS }).catch(() => undefined);
      if (wasRunning && !dom.job.destroying) await resumeVcpus(ctx, dom, qmp);
      await clearPendingJob(ctx, dom);
    }
    throw err;
  }
  // The metadata is written while the guest still waits; the record then goes with the next status
  // write (the resume's), or on its own.
  try {
    await record(snap);
  } finally {
    if (run) run.pendingJob = undefined;
    if ((flags & F.HALT) !== 0) {
      job.setPhase('stopping');
      await saveStatus(ctx, dom);
      await stopForSnapshot(ctx, dom);
    } else if (wasRunning) {
      await resumeVcpus(ctx, dom, qmp);
    } else {
      await saveStatus(ctx, dom);
    }
  }
}
