import { closeSync } from 'node:fs';
import { DomainState } from '../connection.js';
import { TsvirtError } from '../errors.js';
import { assignLiveIdentities } from '../domain/device-identity.js';
import type { DomainConfig } from '../domain/types.js';
import { isTapByFd } from '../domain/device-objects.js';
import { QmpClient, balloon, cont } from '../qmp/index.js';
import { applyLinkStates } from './link-state.js';
import { PausedReason } from '../api/domain-enums.js';
import type { DriverContext } from './context.js';
import { buildRuntime, type DomainObject } from './domain-object.js';
import { findOvercommit } from './host.js';
import { readVncPort } from './info.js';
import { readSerialPtys } from './serial-ptys.js';
import {
  applyGraphicsPasswords,
  fillListenAddresses,
  readSpicePort,
  reserveSpicePort,
} from './graphics-runtime.js';
import { launchQemu, readLogTail, stopQemu, type QemuLaunch } from './qemu-process.js';
import { buildCustomArgvLaunch } from './custom-argv.js';
import { removeRuntimeFiles } from './runtime-files.js';
import { checkEmulator } from './emulator.js';
import { buildDropPrivilegesArgv } from './qemu-user.js';
import { lockSockets, prepareGuestFiles, restoreOwners } from './guest-files.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { attachMonitor, restartsOnPoweroff, watchExit } from './supervisor.js';
import { markIncoming, markStarted, markStopped, saveStatus } from './transitions.js';
import { prepareResources } from './guest-resources.js';
import { probeBackingChains } from './backing-chains.js';
import { explainStartFailure } from './start-hints.js';
import { RevertStack } from './revert-stack.js';

/** How to start a domain's qemu. */
export interface StartOptions {
  /** Leave the vCPUs paused (VIR_DOMAIN_START_PAUSED): paused/user. */
  paused?: boolean;
  /**
   * Start qemu with `-incoming VALUE` ('defer', or a URI) for a restore or an incoming migration to feed:
   * no `cont`, no initial balloon, state paused/migration and no lifecycle event (the feeder reports
   * STARTED when the guest's state has arrived).
   */
  incoming?: string;
  /**
   * The definition to run this time instead of the persistent one (domainCreateXML of a defined domain
   * that is shut off); its stop brings the persistent definition back.
   */
  definition?: DomainConfig;
}

/**
 * Start a domain's qemu: -S, QMP, lifecycle actions, then `cont` unless paused or incoming. The caller
 * holds the domain's START async job (runStartJob), or a MIGRATION_IN one, and has checked the state. On
 * failure qemu is killed, the runtime files are removed and ERR_OPERATION_FAILED carries the end of
 * qemu's log.
 */
export async function startDomain(
  ctx: DriverContext,
  dom: DomainObject,
  opts: StartOptions = {},
): Promise<void> {
  // Aliases and block node names of this run, kept in the live definition (and so in the status file).
  const def = assignLiveIdentities((opts.definition ?? dom.persistentDef ?? dom.liveDef) as DomainConfig);
  fillListenAddresses(def, ctx.graphicsListen);
  // Until qemu runs, each step's undo waits here; after, the domain's stop gives everything back.
  const revert = new RevertStack((line) => ctx.log(`domain '${dom.name}': ${line}`));
  const launch = await revert.run(() => prepareAndLaunch(ctx, dom, def, opts, revert));
  const run = buildRuntime({
    pid: launch.pid,
    startTicks: launch.startTicks,
    startedAt: new Date().toISOString(),
    exited: launch.exited,
    diskPaths: listDiskPaths(def),
  });
  dom.liveDef = def;
  dom.id = launch.id;
  dom.run = run;
  dom.setState(DomainState.PAUSED, PausedReason.STARTING_UP);
  try {
    const qmp = await connectWhileSaving(ctx, dom, launch);
    attachMonitor(ctx, dom, run, qmp);
    await applyLifecycleActions(dom, qmp);
    await applyLinkStates(def, qmp);
    run.vncPort = await readVncPort(dom, qmp);
    run.spicePort = await readSpicePort(def, qmp);
    run.serialPtys = await readSerialPtys(def, qmp);
    launch.releasePort();
    await applyGraphicsPasswords(def, qmp);
    if (opts.incoming !== undefined) {
      await markIncoming(ctx, dom);
    } else {
      await setInitialBalloon(def, qmp);
      const paused = opts.paused ?? false;
      await markStarted(ctx, dom, paused, () => (paused ? Promise.resolve() : cont(qmp)));
    }
  } catch (err) {
    launch.releasePort();
    await abortStart(ctx, dom, launch, err);
  }
  watchExit(ctx, dom, run);
}

/**
 * The steps up to a spawned qemu: resources from the other drivers, the command line, a domain id,
 * the guest's files handed to qemu's user, then the spawn. Each pushes its undo onto `revert`.
 */
async function prepareAndLaunch(
  ctx: DriverContext,
  dom: DomainObject,
  def: DomainConfig,
  opts: StartOptions,
  revert: RevertStack,
): Promise<QemuLaunch & { id: number; releasePort: () => void }> {
  await prepareResources(ctx.resources, def, revert);
  checkVolumesResolved(def);
  const { confinement } = ctx;
  const dropPrivileges = buildDropPrivilegesArgv(confinement);
  const [host] = await Promise.all([
    ctx.hostFacts(),
    checkEmulator(def.name, def.devices.emulator, dropPrivileges),
  ]);
  for (const warning of findOvercommit(def)) ctx.log(`warning: ${warning}`);
  const { paths } = dom;
  // The argv builder and its device objects load with the first start: an idle daemon never runs them.
  const { buildQemuArgv } = await import('../domain/qemu-argv.js');
  await probeBackingChains(def);
  // A SPICE autoport is held from here until qemu has bound it (see startDomain).
  const spice = await reserveSpicePort(def);
  revert.push('the SPICE port it was given', () => spice.release());
  const argv = buildQemuArgv(
    def,
    host,
    {
      qmpSocket: paths.qmpSocket,
      serialLog: paths.serialLog,
      vncSocket: paths.vncSocket,
    },
    { seccompSandbox: confinement.seccompSandbox, incoming: opts.incoming, spicePort: spice.port },
  );
  const minId = Math.max(0, ...ctx.registry.all().map((d) => d.id)) + 1;
  // Each state write is an fsync (a few ms): keep them off the path to a running guest where the
  // order allows, here and while qemu creates its monitor socket below.
  const [id] = await Promise.all([ctx.allocateId(minId), removeRuntimeFiles(paths)]);
  revert.push('the hand-over of its files to qemu', () => restoreOwners(ctx, dom.paths, dom));
  await prepareGuestFiles(ctx, dom, def);
  const custom = buildCustomArgvLaunch(def, id);
  if (custom.notes) ctx.log(`domain '${def.name}' (uuid ${def.uuid}): ${custom.notes.join('; ')}`);
  const passFds = collectTapFds(def);
  const launched = await launchQemu([...dropPrivileges, ...argv], paths.log, { ...custom, passFds });
  closeTapFds(def); // qemu holds the taps now; each goes away when qemu's descriptor closes
  return {
    ...launched,
    id,
    releasePort: spice.release,
  };
}

/** tsvirtd's descriptors of the NICs' taps, in the order qemu's argv numbers them from fd 3. */
function collectTapFds(def: DomainConfig): number[] {
  const fds = def.devices.interfaces.filter(isTapByFd).map((n) => n.tapFd);
  if (fds.some((fd) => fd === undefined)) {
    throw new TsvirtError(
      'ERR_OPERATION_FAILED',
      `domain '${def.name}': a bridge or network interface has no tap; the network driver did not prepare it`,
      { domain: def.name },
    );
  }
  return fds as number[];
}

/** Closes tsvirtd's descriptors of the taps once qemu has its own. */
function closeTapFds(def: DomainConfig): void {
  for (const nic of def.devices.interfaces.filter(isTapByFd)) {
    if (nic.tapFd !== undefined) closeSync(nic.tapFd);
    delete nic.tapFd;
  }
}

/** The status file (so that a restarted driver finds this qemu) written while QMP connects. */
async function connectWhileSaving(
  ctx: DriverContext,
  dom: DomainObject,
  launch: QemuLaunch,
): Promise<QmpClient> {
  const [saved, connected] = await Promise.allSettled([
    Promise.all([saveStatus(ctx, dom), writeFileAtomic(dom.paths.pidFile, `${launch.pid}\n`)]),
    connectWhileAlive(ctx, dom.paths.qmpSocket, launch).then(async (qmp) => {
      await lockSockets(dom);
      return qmp;
    }),
  ]);
  if (saved.status === 'rejected') {
    if (connected.status === 'fulfilled') connected.value.close();
    throw saved.reason;
  }
  if (connected.status === 'rejected') throw connected.reason;
  return connected.value;
}

/** QMP connect, given up at once when qemu exits first (a bad argv exits within milliseconds). */
async function connectWhileAlive(ctx: DriverContext, socket: string, launch: QemuLaunch): Promise<QmpClient> {
  const connecting = QmpClient.connect(socket, {
    connectTimeoutMs: ctx.timeouts.qmpConnectMs,
    greetingTimeoutMs: ctx.timeouts.qmpConnectMs,
  });
  const exited = launch.exited.then((r) => {
    throw new TsvirtError(
      'ERR_OPERATION_FAILED',
      `qemu exited during start-up (${r.signal ? `signal ${r.signal}` : `status ${r.exitCode}`})`,
      { ...r },
    );
  });
  exited.catch(() => undefined); // settles long after a successful connect, when qemu stops
  try {
    return await Promise.race([connecting, exited]);
  } catch (err) {
    void connecting.then((c) => c.close()).catch(() => undefined);
    // qemu opens its QMP socket before it reads the rest of its argv, so a bad argv can also show up as
    // a monitor that hangs up: prefer qemu's exit, when it comes soon, as the reason.
    const exitSoon = new Promise<void>((resolve) => setTimeout(resolve, EXIT_GRACE_MS).unref());
    await Promise.race([exited, exitSoon]);
    throw err;
  }
}

/** How long a failed QMP connect waits for qemu's exit, which then gives the reason. */
const EXIT_GRACE_MS = 1_000;

/** <currentMemory> below <memory>: set the balloon target before the vCPUs run, as libvirt does. */
async function setInitialBalloon(def: DomainConfig, qmp: QmpClient): Promise<void> {
  if (def.currentMemoryKiB >= def.memoryKiB || def.devices.memballoon?.model === 'none') return;
  await balloon(qmp, def.currentMemoryKiB * 1024);
}

/** on_reboot=destroy: a guest reboot becomes a shutdown; on_poweroff=restart: a guest poweroff pauses, then resets. */
async function applyLifecycleActions(dom: DomainObject, qmp: QmpClient): Promise<void> {
  const def = dom.def;
  if (def.onReboot === 'destroy' || def.onReboot === 'preserve') {
    await qmp.execute('set-action', { reboot: 'shutdown' });
  }
  if (restartsOnPoweroff(dom)) await qmp.execute('set-action', { shutdown: 'pause' });
}

async function abortStart(
  ctx: DriverContext,
  dom: DomainObject,
  launch: QemuLaunch,
  err: unknown,
): Promise<never> {
  // The START job keeps qemu's SHUTDOWN and exit, which this kill causes, from being reported.
  await stopQemu(launch, dom.uuid, {
    graceful: false,
    termWaitMs: 0,
    killWaitMs: 5_000,
  }).catch((e: unknown) => ctx.log(`domain '${dom.name}': cannot kill qemu pid ${launch.pid}: ${String(e)}`));
  await markStopped(ctx, dom, 'failed');
  const tail = await readLogTail(dom.paths.log, 800);
  const hint = tail ? explainStartFailure(tail) : undefined;
  throw new TsvirtError(
    'ERR_OPERATION_FAILED',
    `domain '${dom.name}' failed to start: ${(err as Error).message}${hint ? `; ${hint}` : ''}${tail ? `\nqemu log (${dom.paths.log}):\n${tail}` : ''}`,
    { domain: dom.name, log: dom.paths.log },
    { cause: err },
  );
}

/** Every `<source pool= volume=>` disk has its path from the storage driver (the first resource provider). */
function checkVolumesResolved(def: DomainConfig): void {
  for (const disk of def.devices.disks) {
    const source = disk.source;
    if (source?.kind !== 'volume' || source.resolved) continue;
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `domain '${def.name}': disk ${disk.targetDev} names volume '${source.volume}' of pool '${source.pool}', but this driver has no storage; give the file path instead`,
      { disk: disk.targetDev },
    );
  }
}

/** Host paths of a definition's disk sources. */
export function listDiskPaths(def: DomainConfig): string[] {
  const out: string[] = [];
  for (const disk of def.devices.disks) {
    const s = disk.source;
    if (s?.kind === 'file') out.push(s.path);
    else if (s?.kind === 'block') out.push(s.dev);
    else if (s?.kind === 'volume' && s.resolved) out.push(s.resolved.path);
  }
  return out;
}
