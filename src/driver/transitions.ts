import { DomainState } from '../connection.js';
import { formatDomainXml } from '../domain/format-domain.js';
import {
  EventType,
  PausedReason,
  ResumedDetail,
  RunningReason,
  ShutdownDetail,
  ShutdownReason,
  ShutoffReason,
  StartedDetail,
  StoppedDetail,
  SuspendedDetail,
} from '../api/domain-enums.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { removeRuntimeFiles } from './runtime-files.js';
import { restoreOwners } from './guest-files.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { releaseResources } from './guest-resources.js';
import { buildStatusXml } from './status-file.js';

/** How a domain stopped: each maps to a shutoff reason and a STOPPED event detail. */
export type StopKind =
  | 'shutdown'
  | 'destroyed'
  | 'crashed'
  | 'failed'
  | 'saved'
  | 'crash-dumped'
  | 'from-snapshot'
  | 'migrated'
  | 'migration-failed';

/** Stop kind → [virDomainShutoffReason, virDomainEventStoppedDetailType or undefined for no event]. */
const STOP_TABLE: Record<StopKind, [number, number | undefined]> = {
  shutdown: [ShutoffReason.SHUTDOWN, StoppedDetail.SHUTDOWN],
  destroyed: [ShutoffReason.DESTROYED, StoppedDetail.DESTROYED],
  // libvirt: qemu gone without a SHUTDOWN event is shutoff/crashed with event STOPPED/FAILED.
  crashed: [ShutoffReason.CRASHED, StoppedDetail.FAILED],
  // A start that failed: never reported as started, so no event.
  failed: [ShutoffReason.FAILED, undefined],
  // A core dump with CRASH (virsh dump --crash) stopped qemu after writing the memory.
  'crash-dumped': [ShutoffReason.CRASHED, StoppedDetail.CRASHED],
  // A save wrote the guest's state to a file, then stopped qemu.
  saved: [ShutoffReason.SAVED, StoppedDetail.SAVED],
  // A snapshot with HALT, or a revert to a snapshot of a shut-off guest, stopped qemu.
  'from-snapshot': [ShutoffReason.FROM_SNAPSHOT, StoppedDetail.FROM_SNAPSHOT],
  // The guest runs on another host now.
  migrated: [ShutoffReason.MIGRATED, StoppedDetail.MIGRATED],
  // An incoming migration that did not complete: libvirt's shutoff/failed with event STOPPED/FAILED.
  'migration-failed': [ShutoffReason.FAILED, StoppedDetail.FAILED],
};

/** Queue a lifecycle event of `dom`. */
export function emitLifecycle(ctx: DriverContext, dom: DomainObject, event: number, detail: number): void {
  ctx.events.emit('lifecycle', { dom: dom.ref(), event, detail });
}

const pendingWrites = new WeakMap<DomainObject, Promise<void>>();

/**
 * Write run/qemu/NAME.xml from the domain's current facts; writes of one domain happen in order.
 * `onDisk`: the file's text as just read, to skip a write that would change nothing (a re-adoption
 * that finds the domain as it was recorded).
 */
export function saveStatus(ctx: DriverContext, dom: DomainObject, onDisk?: string): Promise<void> {
  const previous = pendingWrites.get(dom) ?? Promise.resolve();
  const next = previous.then(async () => {
    const run = dom.run;
    if (!run || !dom.liveDef) return;
    const xml = buildStatusXml({
      state: dom.state,
      reason: dom.reason,
      pid: run.pid,
      startTicks: run.startTicks,
      id: dom.id,
      startedAt: run.startedAt,
      persistent: dom.persistent,
      qmpSocket: dom.paths.qmpSocket,
      diskPaths: run.diskPaths,
      domainXml: formatDomainXml(dom.liveDef, undefined, { secure: true }),
      pendingJob: run.pendingJob,
      blockJobs: [...run.blockJobs.values()],
    });
    if (xml !== onDisk) await writeFileAtomic(dom.paths.status, xml);
  });
  const settled = next.catch((err: unknown) =>
    ctx.log(`domain '${dom.name}': cannot save status: ${String(err)}`),
  );
  pendingWrites.set(dom, settled);
  return next;
}

/** Start finishing: running/booted (or paused/user), the vCPUs resumed, then events STARTED/BOOTED (and SUSPENDED/PAUSED). */
export async function markStarted(
  ctx: DriverContext,
  dom: DomainObject,
  paused: boolean,
  resumeVcpus: () => Promise<void>,
): Promise<void> {
  if (paused) dom.setState(DomainState.PAUSED, PausedReason.USER);
  else dom.setState(DomainState.RUNNING, RunningReason.BOOTED);
  // The status write (an fsync) runs alongside `cont`; a driver that dies in between re-reads the
  // real state from qemu when it adopts the domain.
  await Promise.all([resumeVcpus(), saveStatus(ctx, dom)]);
  emitLifecycle(ctx, dom, EventType.STARTED, StartedDetail.BOOTED);
  if (paused) emitLifecycle(ctx, dom, EventType.SUSPENDED, SuspendedDetail.PAUSED);
}

/**
 * qemu waits for an incoming state (-incoming): paused/migration, as libvirt has it, and no event; the
 * restore or migration that feeds it reports STARTED.
 */
export async function markIncoming(ctx: DriverContext, dom: DomainObject): Promise<void> {
  dom.setState(DomainState.PAUSED, PausedReason.MIGRATION);
  await saveStatus(ctx, dom);
}

/**
 * The vCPUs stopped: running → paused with `reason`, event SUSPENDED/PAUSED (SUSPENDED/MIGRATED for a
 * migration's pause, as libvirt). No-op unless running.
 */
export async function markPaused(ctx: DriverContext, dom: DomainObject, reason: number): Promise<void> {
  if (dom.state !== DomainState.RUNNING) return;
  dom.setState(DomainState.PAUSED, reason);
  const detail = reason === PausedReason.MIGRATION ? SuspendedDetail.MIGRATED : SuspendedDetail.PAUSED;
  emitLifecycle(ctx, dom, EventType.SUSPENDED, detail);
  await saveStatus(ctx, dom);
}

/** The vCPUs run again: paused → running/unpaused, event RESUMED/UNPAUSED. No-op unless paused. */
export async function markResumed(ctx: DriverContext, dom: DomainObject): Promise<void> {
  if (dom.state !== DomainState.PAUSED) return;
  dom.setState(DomainState.RUNNING, RunningReason.UNPAUSED);
  emitLifecycle(ctx, dom, EventType.RESUMED, ResumedDetail.UNPAUSED);
  await saveStatus(ctx, dom);
}

/** QEMU reported SHUTDOWN: state shutdown, event SHUTDOWN with GUEST or HOST (FINISHED if unknown). */
export async function markShuttingDown(
  ctx: DriverContext,
  dom: DomainObject,
  guest: boolean | undefined,
): Promise<void> {
  if (dom.state === DomainState.SHUTDOWN) return;
  dom.setState(DomainState.SHUTDOWN, ShutdownReason.UNKNOWN);
  const detail =
    guest === undefined ? ShutdownDetail.FINISHED : guest ? ShutdownDetail.GUEST : ShutdownDetail.HOST;
  emitLifecycle(ctx, dom, EventType.SHUTDOWN, detail);
  await saveStatus(ctx, dom);
}

/**
 * qemu is gone: drop the monitor and runtime files, shutoff with the kind's reason, event STOPPED, and a
 * transient domain leaves the registry.
 */
export async function markStopped(ctx: DriverContext, dom: DomainObject, kind: StopKind): Promise<void> {
  const run = dom.run;
  if (run) {
    clearInterval(run.pollTimer);
    run.qmp?.removeAllListeners();
    run.qmp?.close();
  }
  const live = dom.liveDef;
  dom.run = undefined;
  dom.liveDef = undefined;
  dom.monitorError = undefined;
  const [reason, detail] = STOP_TABLE[kind];
  await pendingWrites.get(dom);
  if (live) await releaseResources(ctx.resources, live, ctx.log);
  await restoreOwners(ctx, dom.paths, dom).catch((err: unknown) =>
    ctx.log(`domain '${dom.name}': cannot give its files back: ${String(err)}`),
  );
  await removeRuntimeFiles(dom.paths).catch((err: unknown) =>
    ctx.log(`domain '${dom.name}': cannot remove runtime files: ${String(err)}`),
  );
  if (detail !== undefined) emitLifecycle(ctx, dom, EventType.STOPPED, detail);
  dom.setState(DomainState.SHUTOFF, reason);
  dom.id = -1;
  if (!dom.persistent) ctx.registry.remove(dom);
}

/** Write etc/qemu/NAME.xml from the persistent definition. */
export async function saveConfig(dom: DomainObject): Promise<void> {
  if (dom.persistentDef)
    await writeFileAtomic(dom.paths.config, formatDomainXml(dom.persistentDef, undefined, { secure: true }));
}
