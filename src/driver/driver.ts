import { resolve } from 'node:path';
import type {
  DomainEventKind,
  DomainEventMap,
  DomainInfo,
  DomainJobInfo,
  DomainLifecycleEvent,
  DomainRef,
  DomainStateValue,
  MemoryStat,
  Subscription,
  VcpuInfo,
} from '../connection.js';
import { TsvirtError } from '../errors.js';
import type { Duplex, Writable } from 'node:stream';
import { openConsole } from './console.js';
import { openGraphicsFd } from './graphics-fd.js';
import { adoptRunning, loadDefinitions, reloadDefinitions, type ReloadReport } from './adopt.js';
import { CreateFlags } from '../api/domain-enums.js';
import type { DomainApi } from '../api/domain-api.js';
import type { GuestResourceProvider } from './guest-resources.js';
import { DEFAULT_TIMEOUTS, type DriverContext, type DriverTimeouts, type HostFacts } from './context.js';
import { defineDomain, registerForCreate, setAutostart, undefineDomain } from './definitions.js';
import type { DomainObject } from './domain-object.js';
import { DomainEventBus } from './events.js';
import type { QemuCaps } from '../kvm/qemu-caps-parse.js';
import { buildQemuCapsProbe } from '../kvm/qemu-caps-probe.js';
import { memoizeAsync, probeHostFacts, readQemuVersion } from './host.js';
import { buildDomainInfo, buildXmlDesc } from './info.js';
import { memoryStats, setMemory } from './memory.js';
import { getMetadata, setMetadata } from './metadata.js';
import * as power from './power.js';
import { DomainRegistry } from './registry.js';
import { removeStaleTempFiles } from '../fs/atomic-write.js';
import { RootLock } from './root-lock.js';
import { buildRootDirs, createIdAllocator, ensureRootDirs } from './runtime-files.js';
import type { StartOptions } from './start.js';
import type { AsyncJobHandle, AsyncJobRequest } from './jobs-records.js';
import { openRootToQemu } from './guest-files.js';
import { DEFAULT_GRAPHICS_LISTEN, type GraphicsListenConf } from './graphics-runtime.js';
import { DEFAULT_QEMU_CONFINEMENT, resolveConfinement, type QemuConfinementConf } from './qemu-user.js';
import { checkAction, isStateAction, type DomainAction } from './state-machine.js';
import { getVcpuPinInfo, getVcpus, pinVcpu } from './vcpus.js';
import { attachDevice, detachDevice, detachDeviceAlias, updateDevice } from './devices.js';
import { abortJob, getJobInfo, getJobStats } from './jobs-query.js';
import type { BlockJobInfo, TypedParam } from '../api/types.js';
import { setVcpus } from './vcpu-count.js';
import { takeScreenshot, type Screenshot } from './screenshot.js';
import { injectNmiToGuest, sendKeys } from './guest-input.js';
import { resizeBlock } from './block-resize.js';
import type {
  DomainBlockInfo,
  DomainBlockStats,
  DomainDiskError,
  DomainInterfaceAddresses,
  DomainInterfaceStats,
  DomainStatsRecord,
} from '../api/stats-types.js';
import { getAllDomainStats } from './domain-stats.js';
import { blockInfo, blockStats, blockStatsParams, diskErrors } from './stats-block.js';
import { interfaceStats } from './stats-net.js';
import { interfaceAddresses, type InterfaceAddressSources } from './interface-addresses.js';
import { SCHEDULER_TYPE, getSchedulerParameters, setSchedulerParameters } from './scheduler.js';
import { parseDomainXml } from '../domain/parse-domain.js';
import type { InterfaceConfig } from '../domain/types.js';
import { AsyncJob, NormalJob } from './jobs-kinds.js';
import { abortBlockJob, commitBlock, getBlockJobInfo, pullBlock } from './block-jobs.js';
import { checkSaveFlags, defineSaveImageXml, saveDomain } from './save.js';
import { stopRunAs } from './stop-run.js';
import { checkDumpRequest, dumpDomain } from './dump.js';
import { restoreDomain } from './restore.js';
import { readSaveImageHeader } from './save-file.js';
import { hasManagedSaveImage } from './managed-save-image.js';
import { beginOutgoing, confirmOutgoing, performOutgoing } from './migration/outgoing.js';
import { finishIncoming, prepareIncoming } from './migration/incoming.js';
import { performPeer } from './migration/peer.js';
import { checkPrepareFlavour } from './migration/request.js';
import { MigrateFlags } from '../api/migration-enums.js';
import {
  getMaxDowntime,
  getMaxSpeed,
  setMaxDowntime,
  setMaxSpeed,
  startPostCopy,
} from './migration/tuning.js';
import {
  UNDEFINE_MANAGED_SAVE,
  defineManagedSaveXml,
  managedSaveDomain,
  readManagedSaveXml,
  removeManagedSave,
  startFromManagedSave,
} from './managed-save.js';
import type { DomainSnapshotApi, SnapshotRef } from '../api/snapshot-api.js';
import { DomainSnapshots } from './snapshots.js';

/**
 * How long an operation waits for another one on the same domain to finish: libvirt's 30 s
 * (QEMU_JOB_WAIT_TIME), so that two clients' `start` and `setmem` of one domain queue as they do
 * against libvirtd, instead of one of them failing with "busy".
 */
export const DEFAULT_JOB_WAIT_MS = 30_000;

/** The listen keys of a qemu.conf, those it sets. */
function pickListen(conf: Partial<GraphicsListenConf> | undefined): Partial<GraphicsListenConf> {
  const out: Partial<GraphicsListenConf> = {};
  if (conf?.vncListen !== undefined) out.vncListen = conf.vncListen;
  if (conf?.spiceListen !== undefined) out.spiceListen = conf.spiceListen;
  return out;
}

/** Options of QemuDriver.open. */
export interface QemuDriverOptions {
  /** The state folder (DESIGN.md "State on disk"). */
  root: string;
  /** How long to wait for another driver to let go of the root (default 5000 ms). */
  lockTimeoutMs?: number;
  /** How long an operation waits for a busy domain before ERR_DOMAIN_BUSY (default 30 s, as libvirt; 0: fail at once). */
  jobWaitMs?: number;
  /**
   * What other drivers hand a starting guest, in order: the storage driver resolves volume disks,
   * a network driver gives NICs their ports. Without a storage provider, volume disks cannot start.
   */
  resources?: readonly GuestResourceProvider[];
  /** Where virDomainInterfaceAddresses looks guest addresses up; without it, the call is refused. */
  addressSources?: InterfaceAddressSources;
  /** Host facts for buildQemuArgv (default: the KVM probe of src/kvm, run once). */
  hostProbe?: () => Promise<HostFacts>;
  /** qemu's machines and CPU models per binary (default: the QMP probe of src/kvm, once per binary). */
  qemuCaps?: (binary: string) => Promise<QemuCaps>;
  /** Warnings and notices (overcommit, crashed guests, unknown QMP events). */
  log?: (line: string) => void;
  /** Start persistent domains marked autostart that are not running (default true). */
  autostart?: boolean;
  /** Overrides of the bounded waits. */
  timeouts?: Partial<DriverTimeouts>;
  /** qemu.conf's user, group, dynamic_ownership, seccomp_sandbox (default: DEFAULT_QEMU_CONFINEMENT), vnc_listen, spice_listen. */
  qemuConf?: QemuConfinementConf & Partial<GraphicsListenConf>;
}

/**
 * The QEMU hypervisor driver: domain registry, lifecycle state machine, per-domain jobs, qemu
 * supervision and re-adoption, under one root that only this driver owns. Its domain methods are the
 * domain part of the Connection interface, with the same names and signatures.
 */
export class QemuDriver implements DomainApi, DomainSnapshotApi {
  private readonly version: () => Promise<bigint>;
  private readonly snapshots: DomainSnapshots;

  private constructor(
    private readonly ctx: DriverContext,
    private readonly lock: RootLock,
  ) {
    this.snapshots = new DomainSnapshots(ctx);
    this.version = memoizeAsync(async () =>
      readQemuVersion((await ctx.hostFacts().catch(() => undefined))?.qemuBinary),
    );
  }

  /** Take the root, load definitions, re-adopt running qemu processes, then autostart. */
  static async open(opts: QemuDriverOptions): Promise<QemuDriver> {
    const dirs = buildRootDirs(resolve(opts.root));
    await ensureRootDirs(dirs);
    const lock = await RootLock.acquire(dirs.lockFile, opts.lockTimeoutMs ?? 5_000);
    const log = opts.log ?? (() => undefined);
    const ctx: DriverContext = {
      dirs,
      registry: new DomainRegistry(),
      events: new DomainEventBus(log),
      log,
      jobWaitMs: opts.jobWaitMs ?? DEFAULT_JOB_WAIT_MS,
      timeouts: { ...DEFAULT_TIMEOUTS, ...opts.timeouts },
      hostFacts: memoizeAsync(opts.hostProbe ?? probeHostFacts),
      qemuCaps: opts.qemuCaps ?? buildQemuCapsProbe(),
      resources: opts.resources ?? [],
      ...(opts.addressSources ? { addressSources: opts.addressSources } : {}),
      allocateId: createIdAllocator(dirs),
      closing: false,
      graphicsListen: { ...DEFAULT_GRAPHICS_LISTEN, ...pickListen(opts.qemuConf) },
      confinement: await resolveConfinement(opts.qemuConf ?? DEFAULT_QEMU_CONFINEMENT, log).catch(
        async (err: unknown) => {
          await lock.release();
          throw err;
        },
      ),
    };
    try {
      await openRootToQemu(resolve(opts.root), ctx.confinement);
      for (const dir of [dirs.etc, dirs.autostart, dirs.run, dirs.save]) {
        for (const name of await removeStaleTempFiles(dir))
          log(`${dir}/${name}: removed a half-written file`);
      }
      await loadDefinitions(ctx);
      await adoptRunning(ctx);
    } catch (err) {
      await lock.release();
      throw err;
    }
    const driver = new QemuDriver(ctx, lock);
    if (opts.autostart ?? true) await driver.runAutostart();
    return driver;
  }

  /** Disconnect from every monitor and release the root; the guests keep running. */
  async close(): Promise<void> {
    if (this.ctx.closing) return;
    this.ctx.closing = true;
    for (const dom of this.ctx.registry.all()) {
      const run = dom.run;
      if (!run) continue;
      clearInterval(run.pollTimer);
      run.qmp?.removeAllListeners();
      run.qmp?.close();
    }
    await this.lock.release();
  }

  /** For storage: the running domain that uses this path, if any. */
  findDomainUsingPath(path: string): string | undefined {
    const wanted = resolve(path);
    return this.ctx.registry.all().find((d) => d.run?.diskPaths.some((p) => resolve(p) === wanted))?.name;
  }

  /** For the network driver: each NIC of the running guests' live definitions, with its guest's name. */
  listRunningInterfaces(): Array<{ domain: string; nic: Readonly<InterfaceConfig> }> {
    return this.ctx.registry
      .all()
      .flatMap((d) =>
        (d.active && d.liveDef ? d.liveDef.devices.interfaces : []).map((nic) => ({ domain: d.name, nic })),
      );
  }

  /** virConnectGetType: the hypervisor name. */
  async getType(): Promise<string> {
    return 'QEMU';
  }

  /** virConnectGetVersion: qemu's version as major * 1e6 + minor * 1e3 + micro. */
  async getVersion(): Promise<bigint> {
    return this.version();
  }

  /** virConnectListAllDomains with virConnectListAllDomainsFlags. */
  async listAllDomains(flags = 0): Promise<DomainRef[]> {
    return this.ctx.registry.list(flags).map((d) => d.ref());
  }

  /** virDomainLookupByName. */
  async lookupDomainByName(name: string): Promise<DomainRef> {
    return this.ctx.registry.getByName(name).ref();
  }

  /** virDomainLookupByUUID. */
  async lookupDomainByUUID(uuid: string): Promise<DomainRef> {
    return this.ctx.registry.getByUuid(uuid).ref();
  }

  /** virDomainLookupByID: active domains only. */
  async lookupDomainByID(id: number): Promise<DomainRef> {
    return this.ctx.registry.getById(id).ref();
  }

  /** virDomainDefineXML: add or replace a persistent definition (event DEFINED). */
  async domainDefineXML(xml: string, _flags = 0): Promise<DomainRef> {
    return (await defineDomain(this.ctx, xml)).ref();
  }

  /**
   * virDomainCreateXML: start a transient domain (flags: PAUSED); it vanishes when it stops. A defined
   * domain that is shut off, of the same name and uuid, runs this XML once (virt-install's install phase).
   */
  async domainCreateXML(xml: string, flags = 0): Promise<DomainRef> {
    power.checkCreateFlags(flags);
    const { dom, def, added } = await registerForCreate(this.ctx, xml);
    const opts = { paused: (flags & CreateFlags.PAUSED) !== 0, definition: def };
    try {
      await power.runStartJob(this.ctx, dom, added ? 0 : this.ctx.jobWaitMs, opts);
    } catch (err) {
      if (added && !dom.active) this.ctx.registry.remove(dom);
      throw err;
    }
    return dom.ref();
  }

  /** virDomainUndefine: drop the persistent definition (event UNDEFINED). */
  async domainUndefine(ref: DomainRef, flags = 0): Promise<void> {
    await this.withJob(ref, 'undefine', async (dom) => {
      if (hasManagedSaveImage(dom)) {
        if ((flags & UNDEFINE_MANAGED_SAVE) === 0) {
          throw new TsvirtError(
            'ERR_OPERATION_INVALID',
            'Requested operation is not valid: Refusing to undefine while domain managed save image exists',
            { domain: dom.name, field: 'flags', value: flags, expected: 'managed-save (1)' },
          );
        }
        await removeManagedSave(dom);
      }
      if (!dom.active) await this.snapshots.prepareUndefine(dom, flags);
      await undefineDomain(this.ctx, dom);
    });
  }

  /** virDomainCreate: start a defined domain (flags: PAUSED); returns the reference with its new id. */
  async domainCreate(ref: DomainRef, flags = 0): Promise<DomainRef> {
    power.checkCreateFlags(flags);
    this.checkOpen();
    const dom = this.ctx.registry.resolve(ref);
    // Only a domain with a managed save image waits before its job: the others take the start job at
    // once, so that an operation sent right after them queues behind the start, as under libvirt.
    if (!dom.active && hasManagedSaveImage(dom) && (await startFromManagedSave(this.ctx, dom, flags)))
      return dom.ref();
    return this.domainCreateWithOptions(ref, { paused: (flags & CreateFlags.PAUSED) !== 0 });
  }

  /**
   * Start a defined domain with start options: `paused`, or `incoming` (qemu waits, paused, for a restore
   * or migration to feed it); a tsvirt extension that restore and migration build on.
   */
  async domainCreateWithOptions(ref: DomainRef, opts: StartOptions): Promise<DomainRef> {
    this.checkOpen();
    const dom = this.ctx.registry.resolve(ref);
    await power.runStartJob(this.ctx, dom, this.ctx.jobWaitMs, opts);
    return dom.ref();
  }

  /**
   * Run `fn` as the domain's async job (a save, snapshot or migration holds one): the normal jobs of its
   * mask run beside it, the others wait for it or fail as busy naming it. For the driver's own modules
   * and tests; not part of libvirt's API.
   */
  async runAsyncJob<T>(
    ref: DomainRef,
    req: AsyncJobRequest,
    fn: (job: AsyncJobHandle) => Promise<T>,
  ): Promise<T> {
    this.checkOpen();
    const dom = this.ctx.registry.resolve(ref);
    return power.runAsyncDomainJob(this.ctx, dom, req, this.ctx.jobWaitMs, fn);
  }

  /** virDomainShutdown: press the ACPI power button; returns once sent. */
  async domainShutdown(ref: DomainRef, flags = 0): Promise<void> {
    power.checkPowerFlags('shutdown', flags);
    await this.withJob(ref, 'shutdown', (dom) => power.shutdownDomain(dom));
  }

  /**
   * ACPI shutdown that waits up to `timeoutMs` for the guest to stop; then, with `escalate`, destroys it,
   * else fails with ERR_OPERATION_FAILED. A tsvirt extension for `shutdown --timeout`.
   */
  async domainShutdownWait(
    ref: DomainRef,
    opts: { timeoutMs: number; escalate?: boolean },
  ): Promise<'shutdown' | 'destroyed'> {
    const dom = this.ctx.registry.resolve(ref);
    await this.domainShutdown(ref);
    if (await power.waitInactive(dom, opts.timeoutMs)) return 'shutdown';
    if (!opts.escalate) {
      throw new TsvirtError(
        'ERR_OPERATION_FAILED',
        `domain '${dom.name}' did not shut down within ${opts.timeoutMs} ms; destroy it, or wait longer`,
        { domain: dom.name, timeoutMs: opts.timeoutMs },
      );
    }
    this.ctx.log(`domain '${dom.name}': no shutdown within ${opts.timeoutMs} ms; destroying it`);
    await this.domainDestroy(ref);
    return 'destroyed';
  }

  /**
   * virDomainDestroy: SIGTERM, then SIGKILL (GRACEFUL = 1: stop after SIGTERM). As in libvirt it does not
   * queue behind the domain's job: it kills qemu first, the job in progress fails, then it takes the job.
   */
  async domainDestroy(ref: DomainRef, flags = 0): Promise<void> {
    this.checkOpen();
    const dom = this.ctx.registry.resolve(ref);
    checkAction('destroy', dom.subject);
    await power.destroyDomain(this.ctx, dom, flags);
  }

  /** virDomainReboot: ACPI power button, then reset and run again in the same qemu (libvirt's fake reboot). */
  async domainReboot(ref: DomainRef, flags = 0): Promise<void> {
    power.checkPowerFlags('reboot', flags);
    await this.withJob(ref, 'reboot', (dom) => power.rebootDomain(dom));
  }

  /** virDomainReset: hard reset (system_reset). */
  async domainReset(ref: DomainRef, _flags = 0): Promise<void> {
    await this.withJob(ref, 'reset', (dom) => power.resetDomain(dom));
  }

  /** virDomainSuspend: pause the vCPUs (a paused domain stays paused, as in libvirt). */
  async domainSuspend(ref: DomainRef): Promise<void> {
    await this.withJob(ref, 'suspend', (dom) => power.suspendDomain(this.ctx, dom));
  }

  /** virDomainResume: run the vCPUs again. */
  async domainResume(ref: DomainRef): Promise<void> {
    await this.withJob(ref, 'resume', (dom) => power.resumeDomain(this.ctx, dom));
  }

  /** virDomainGetInfo: state, max and current memory (balloon when running), vCPUs, qemu's CPU time; no QMP. */
  async domainGetInfo(ref: DomainRef): Promise<DomainInfo> {
    return buildDomainInfo(this.ctx.registry.resolve(ref));
  }

  /** virDomainGetState: libvirt's state and reason; NOSTATE/0 while qemu runs but QMP does not answer (from what the driver knows: no QMP). */
  async domainGetState(ref: DomainRef): Promise<{ state: DomainStateValue; reason: number }> {
    const dom = this.ctx.registry.resolve(ref);
    return { state: dom.state, reason: dom.reason };
  }

  /** Why a domain is in NOSTATE (qemu alive, QMP not answering), if it is; a tsvirt extension. */
  domainGetMonitorError(ref: DomainRef): string | undefined {
    return this.ctx.registry.resolve(ref).monitorError;
  }

  /** virDomainGetXMLDesc: the live XML (id, runtime facts) or, with INACTIVE (2), the persistent one. */
  async domainGetXMLDesc(ref: DomainRef, flags = 0): Promise<string> {
    return buildXmlDesc(this.ctx.registry.resolve(ref), flags);
  }

  /** virDomainGetOSType: always hvm. */
  async domainGetOSType(ref: DomainRef): Promise<string> {
    return this.ctx.registry.resolve(ref).def.os.type;
  }

  /** virDomainIsActive. */
  async domainIsActive(ref: DomainRef): Promise<boolean> {
    return this.ctx.registry.resolve(ref).active;
  }

  /** virDomainIsPersistent. */
  async domainIsPersistent(ref: DomainRef): Promise<boolean> {
    return this.ctx.registry.resolve(ref).persistent;
  }

  /** virDomainGetAutostart. */
  async domainGetAutostart(ref: DomainRef): Promise<boolean> {
    return this.ctx.registry.resolve(ref).autostart;
  }

  /** virDomainSetAutostart: the mark in etc/qemu/autostart (persistent domains only). */
  async domainSetAutostart(ref: DomainRef, autostart: boolean): Promise<void> {
    await this.withJob(ref, 'set-autostart', (dom) => setAutostart(dom, autostart));
  }

  /** virDomainGetVcpus, with each vCPU's host thread id. */
  async domainGetVcpus(ref: DomainRef): Promise<VcpuInfo[]> {
    return getVcpus(this.ctx.registry.resolve(ref));
  }

  /** virDomainPinVcpuFlags: 1 live (sched_setaffinity), 2 config (<vcpupin>), 0 current. */
  async domainPinVcpu(ref: DomainRef, vcpu: number, cpus: number[], flags = 0): Promise<void> {
    await this.withJob(ref, 'vcpupin', (dom) => pinVcpu(this.ctx, dom, vcpu, cpus, flags));
  }

  /** virDomainGetVcpuPinInfo: one CPU list per vCPU. */
  async domainGetVcpuPinInfo(ref: DomainRef, flags = 0): Promise<number[][]> {
    return getVcpuPinInfo(this.ctx.registry.resolve(ref), flags);
  }

  /** virDomainSetMemoryFlags: the balloon target (live) and/or <currentMemory> (config), in KiB. */
  async domainSetMemory(ref: DomainRef, memoryKiB: bigint, flags = 0): Promise<void> {
    await this.withJob(ref, 'setmem', (dom) => setMemory(this.ctx, dom, memoryKiB, flags));
  }

  /** virDomainSetMetadata: title, description or a namespaced element, live and/or config. */
  async domainSetMetadata(
    ref: DomainRef,
    type: number,
    metadata: string | undefined,
    key: string | undefined,
    uri: string | undefined,
    flags = 0,
  ): Promise<void> {
    await this.withJob(ref, 'set-metadata', (dom) =>
      setMetadata(
        this.ctx,
        dom,
        { type, metadata: metadata ?? null, key: key ?? null, uri: uri ?? null },
        flags,
      ),
    );
  }

  /** virDomainGetMetadata: reads the definition; waits for no job. */
  async domainGetMetadata(ref: DomainRef, type: number, uri: string | undefined, flags = 0): Promise<string> {
    return getMetadata(this.ctx.registry.resolve(ref), type, uri ?? null, flags);
  }

  /** virDomainSetVcpusFlags: hotplug (live), <vcpu current> (config), or <vcpu> (maximum with config). */
  async domainSetVcpus(ref: DomainRef, nvcpus: number, flags = 0): Promise<void> {
    await this.withJob(ref, 'setvcpus', (dom) => setVcpus(this.ctx, dom, nvcpus, flags));
  }

  /** virDomainScreenshot: a PNG of screen `screen`, as a byte stream with its MIME type. */
  async domainScreenshot(ref: DomainRef, screen = 0, flags = 0): Promise<Screenshot> {
    return this.withJob(ref, 'screenshot', (dom) => takeScreenshot(dom, screen, flags));
  }

  /** virDomainSendKey: press keys of a codeset (virKeycodeSet) together for `holdtimeMs`. */
  async domainSendKey(
    ref: DomainRef,
    codeset: number,
    holdtimeMs: number,
    keycodes: number[],
    flags = 0,
  ): Promise<void> {
    await this.withJob(ref, 'send-key', (dom) => sendKeys(dom, codeset, holdtimeMs, keycodes, flags));
  }

  /** virDomainInjectNMI. */
  async domainInjectNMI(ref: DomainRef, flags = 0): Promise<void> {
    await this.withJob(ref, 'inject-nmi', (dom) => injectNmiToGuest(dom, flags));
  }

  /** virDomainBlockResize: `size` in KiB, or bytes with flag BYTES (1); the domain must be running. */
  async domainBlockResize(ref: DomainRef, disk: string, size: bigint, flags = 0): Promise<void> {
    await this.withJob(ref, 'blockresize', (dom) => resizeBlock(dom, disk, size, flags));
  }

  /** virDomainMemoryStats: actual balloon (6) and rss (7), in KiB. */
  async domainMemoryStats(ref: DomainRef): Promise<MemoryStat[]> {
    return memoryStats(this.ctx.registry.resolve(ref));
  }

  /** virDomainGetJobInfo: the async job's progress; reads the job records, waits for no job. */
  async domainGetJobInfo(ref: DomainRef): Promise<DomainJobInfo> {
    return getJobInfo(this.ctx.registry.resolve(ref));
  }

  /** virDomainGetJobStats: as typed parameters; COMPLETED (1) for the last ended job, KEEP_COMPLETED (2). */
  async domainGetJobStats(ref: DomainRef, flags = 0): Promise<{ type: number; params: TypedParam[] }> {
    return getJobStats(this.ctx.registry.resolve(ref), flags);
  }

  /** virDomainAbortJob: aborts the async job's signal, as an ABORT job. */
  async domainAbortJob(ref: DomainRef, flags = 0): Promise<void> {
    this.checkOpen();
    await abortJob(this.ctx.registry.resolve(ref), flags, this.ctx.jobWaitMs);
  }

  /** virConnectGetAllDomainStats / virDomainListGetStats: see domain-stats.ts; takes no job. */
  async getAllDomainStats(stats = 0, flags = 0, doms?: DomainRef[]): Promise<DomainStatsRecord[]> {
    this.checkOpen();
    return getAllDomainStats(this.ctx, doms, stats, flags);
  }

  /** virDomainBlockStats: from query-blockstats; '' sums every disk. */
  async domainBlockStats(ref: DomainRef, path: string): Promise<DomainBlockStats> {
    return blockStats(this.ctx.registry.resolve(ref), path);
  }

  /** virDomainBlockStatsFlags: the counters and times as typed parameters. */
  async domainBlockStatsFlags(ref: DomainRef, path: string, flags = 0): Promise<TypedParam[]> {
    checkNoFlags('virDomainBlockStatsFlags', flags);
    return blockStatsParams(this.ctx.registry.resolve(ref), path);
  }

  /** virDomainInterfaceStats: a tap's counters from /proc/net/dev, in the guest's view. */
  async domainInterfaceStats(ref: DomainRef, device: string): Promise<DomainInterfaceStats> {
    return interfaceStats(this.ctx.registry.resolve(ref), device);
  }

  /** virDomainInterfaceAddresses: from the network's leases or the neighbour table, by NIC MAC. */
  async domainInterfaceAddresses(
    ref: DomainRef,
    source: number,
    flags = 0,
  ): Promise<DomainInterfaceAddresses[]> {
    return interfaceAddresses(this.ctx.registry.resolve(ref), source, flags, this.ctx.addressSources);
  }

  /** virDomainGetBlockInfo: sizes from qemu (running) or from the image file. */
  async domainGetBlockInfo(ref: DomainRef, path: string, flags = 0): Promise<DomainBlockInfo> {
    checkNoFlags('virDomainGetBlockInfo', flags);
    return blockInfo(this.ctx.registry.resolve(ref), path);
  }

  /** virDomainGetDiskErrors: from query-block's io-status. */
  async domainGetDiskErrors(ref: DomainRef, flags = 0): Promise<DomainDiskError[]> {
    checkNoFlags('virDomainGetDiskErrors', flags);
    return diskErrors(this.ctx.registry.resolve(ref));
  }

  /** virDomainGetSchedulerType: 'posix' and its nine parameters. */
  async domainGetSchedulerType(ref: DomainRef): Promise<{ type: string; nparams: number }> {
    const dom = this.ctx.registry.resolve(ref);
    return { type: SCHEDULER_TYPE, nparams: getSchedulerParameters(dom, 0).length };
  }

  /** virDomainGetSchedulerParametersFlags: see scheduler.ts. */
  async domainGetSchedulerParameters(ref: DomainRef, flags = 0): Promise<TypedParam[]> {
    return getSchedulerParameters(this.ctx.registry.resolve(ref), flags);
  }

  /** virDomainSetSchedulerParametersFlags: refused (no cgroup per domain); see scheduler.ts. */
  async domainSetSchedulerParameters(ref: DomainRef, params: TypedParam[], flags = 0): Promise<void> {
    setSchedulerParameters(this.ctx.registry.resolve(ref), params, flags);
  }

  /** virDomainSaveFlags: see saveDomain (a SAVE async job; domjobinfo shows its progress, domjobabort cancels it). */
  async domainSave(ref: DomainRef, to: string, dxml?: string, flags = 0): Promise<void> {
    this.checkOpen();
    checkSaveFlags(flags, 'virDomainSaveFlags');
    const dom = this.ctx.registry.resolve(ref);
    const replacement = dxml === undefined ? undefined : parseDomainXml(dxml);
    await power.runAsyncDomainJob(this.ctx, dom, { kind: AsyncJob.SAVE }, this.ctx.jobWaitMs, (job) =>
      saveDomain(this.ctx, dom, job, resolve(to), { replacement, flags }),
    );
  }

  /** virDomainCoreDumpWithFormat: see dumpDomain (a DUMP async job; domjobinfo shows its progress). */
  async domainCoreDump(ref: DomainRef, to: string, flags = 0, dumpformat = 0): Promise<void> {
    this.checkOpen();
    const format = checkDumpRequest(dumpformat, flags);
    const dom = this.ctx.registry.resolve(ref);
    const { crash } = await power.runAsyncDomainJob(
      this.ctx,
      dom,
      { kind: AsyncJob.DUMP },
      this.ctx.jobWaitMs,
      (job) => dumpDomain(this.ctx, dom, job, resolve(to), { format, flags }),
    );
    if (crash) await stopRunAs(this.ctx, dom, 'dump-stop', 'crash-dumped');
  }

  /** virDomainBlockCommit: see commitBlock (a block job of qemu's; blockjob follows it). */
  async domainBlockCommit(
    ref: DomainRef,
    disk: string,
    base: string | undefined,
    top: string | undefined,
    bandwidth: bigint,
    flags = 0,
  ): Promise<void> {
    const dom = this.ctx.registry.resolve(ref);
    await power.runDomainJob(
      this.ctx,
      dom,
      { name: 'block-commit', kind: NormalJob.MODIFY },
      this.ctx.jobWaitMs,
      () => commitBlock(this.ctx, dom, disk, { base, top, bandwidth, flags }),
    );
  }

  /** virDomainBlockPull: see pullBlock. */
  async domainBlockPull(ref: DomainRef, path: string, bandwidth: bigint, flags = 0): Promise<void> {
    const dom = this.ctx.registry.resolve(ref);
    await power.runDomainJob(
      this.ctx,
      dom,
      { name: 'block-pull', kind: NormalJob.MODIFY },
      this.ctx.jobWaitMs,
      () => pullBlock(this.ctx, dom, path, bandwidth, flags),
    );
  }

  /** virDomainGetBlockJobInfo: see getBlockJobInfo. */
  async domainGetBlockJobInfo(ref: DomainRef, path: string, flags = 0): Promise<BlockJobInfo> {
    return getBlockJobInfo(this.ctx.registry.resolve(ref), path, flags);
  }

  /** virDomainBlockJobAbort: see abortBlockJob. */
  async domainBlockJobAbort(ref: DomainRef, path: string, flags = 0): Promise<void> {
    const dom = this.ctx.registry.resolve(ref);
    await power.runDomainJob(
      this.ctx,
      dom,
      { name: 'block-job-abort', kind: NormalJob.MODIFY },
      this.ctx.jobWaitMs,
      () => abortBlockJob(this.ctx, dom, path, flags),
    );
  }

  /** virDomainRestoreFlags: see restoreDomain. */
  async domainRestore(from: string, dxml?: string, flags = 0): Promise<void> {
    this.checkOpen();
    checkSaveFlags(flags, 'virDomainRestoreFlags');
    await restoreDomain(this.ctx, resolve(from), { dxml, flags, waitMs: this.ctx.jobWaitMs });
  }

  /** virDomainSaveImageGetXMLDesc: the XML in a save image's header (stored without secrets). */
  async domainSaveImageGetXMLDesc(file: string, _flags = 0): Promise<string> {
    return (await readSaveImageHeader(resolve(file))).xml;
  }

  /** virDomainSaveImageDefineXML: the image rewritten with `dxml` (same name and uuid) and its state. */
  async domainSaveImageDefineXML(file: string, dxml: string, flags = 0): Promise<void> {
    checkSaveFlags(flags, 'virDomainSaveImageDefineXML');
    await defineSaveImageXml(resolve(file), dxml, flags);
  }

  /** virDomainManagedSave: see managedSaveDomain. */
  async domainManagedSave(ref: DomainRef, flags = 0): Promise<void> {
    this.checkOpen();
    await managedSaveDomain(this.ctx, this.ctx.registry.resolve(ref), flags);
  }

  /** virDomainHasManagedSaveImage. */
  async domainHasManagedSaveImage(ref: DomainRef, _flags = 0): Promise<boolean> {
    return hasManagedSaveImage(this.ctx.registry.resolve(ref));
  }

  /** virDomainManagedSaveRemove. */
  async domainManagedSaveRemove(ref: DomainRef, _flags = 0): Promise<void> {
    await this.withJob(ref, 'managed-save-remove', (dom) => removeManagedSave(dom));
  }

  /** virDomainManagedSaveGetXMLDesc. */
  async domainManagedSaveGetXMLDesc(ref: DomainRef, _flags = 0): Promise<string> {
    return readManagedSaveXml(this.ctx.registry.resolve(ref));
  }

  /** virDomainManagedSaveDefineXML. */
  async domainManagedSaveDefineXML(ref: DomainRef, dxml?: string, flags = 0): Promise<void> {
    await this.withJob(ref, 'managed-save-define', (dom) => defineManagedSaveXml(dom, dxml, flags));
  }

  /** virDomainSnapshotCreateXML: see snapshot-create.ts. */
  async domainSnapshotCreateXML(ref: DomainRef, xml: string, flags = 0): Promise<SnapshotRef> {
    this.checkOpen();
    return this.snapshots.create(ref, xml, flags);
  }

  /** virDomainListAllSnapshots. */
  async domainListAllSnapshots(ref: DomainRef, flags = 0): Promise<SnapshotRef[]> {
    return this.snapshots.listAll(ref, flags);
  }

  /** virDomainSnapshotNum. */
  async domainSnapshotNum(ref: DomainRef, flags = 0): Promise<number> {
    return this.snapshots.count(ref, flags);
  }

  /** virDomainSnapshotListAllChildren. */
  async domainSnapshotListAllChildren(snap: SnapshotRef, flags = 0): Promise<SnapshotRef[]> {
    return this.snapshots.listChildren(snap, flags);
  }

  /** virDomainSnapshotNumChildren. */
  async domainSnapshotNumChildren(snap: SnapshotRef, flags = 0): Promise<number> {
    return this.snapshots.countChildren(snap, flags);
  }

  /** virDomainSnapshotLookupByName. */
  async domainSnapshotLookupByName(ref: DomainRef, name: string, flags = 0): Promise<SnapshotRef> {
    return this.snapshots.lookup(ref, name, flags);
  }

  /** virDomainSnapshotGetXMLDesc. */
  async domainSnapshotGetXMLDesc(snap: SnapshotRef, flags = 0): Promise<string> {
    return this.snapshots.getXml(snap, flags);
  }

  /** virDomainSnapshotCurrent. */
  async domainSnapshotCurrent(ref: DomainRef, flags = 0): Promise<SnapshotRef> {
    return this.snapshots.current(ref, flags);
  }

  /** virDomainHasCurrentSnapshot. */
  async domainHasCurrentSnapshot(ref: DomainRef, flags = 0): Promise<boolean> {
    return this.snapshots.hasCurrent(ref, flags);
  }

  /** virDomainSnapshotGetParent. */
  async domainSnapshotGetParent(snap: SnapshotRef, flags = 0): Promise<SnapshotRef> {
    return this.snapshots.parent(snap, flags);
  }

  /** virDomainSnapshotIsCurrent. */
  async domainSnapshotIsCurrent(snap: SnapshotRef, flags = 0): Promise<boolean> {
    return this.snapshots.isCurrent(snap, flags);
  }

  /** virDomainSnapshotHasMetadata. */
  async domainSnapshotHasMetadata(snap: SnapshotRef, flags = 0): Promise<boolean> {
    return this.snapshots.hasMetadata(snap, flags);
  }

  /** virDomainRevertToSnapshot: see snapshot-revert.ts. */
  async domainRevertToSnapshot(snap: SnapshotRef, flags = 0): Promise<void> {
    this.checkOpen();
    await this.snapshots.revert(snap, flags);
  }

  /** virDomainSnapshotDelete: see snapshot-delete.ts. */
  async domainSnapshotDelete(snap: SnapshotRef, flags = 0): Promise<void> {
    this.checkOpen();
    await this.snapshots.delete(snap, flags);
  }

  /** virDomainMigrateSetMaxDowntime: see migration/tuning.ts. */
  async domainMigrateSetMaxDowntime(ref: DomainRef, downtimeMs: bigint, flags = 0): Promise<void> {
    this.checkOpen();
    await setMaxDowntime(this.ctx, this.ctx.registry.resolve(ref), downtimeMs, flags);
  }

  /** virDomainMigrateGetMaxDowntime: see migration/tuning.ts. */
  async domainMigrateGetMaxDowntime(ref: DomainRef, flags = 0): Promise<bigint> {
    this.checkOpen();
    return getMaxDowntime(this.ctx, this.ctx.registry.resolve(ref), flags);
  }

  /** virDomainMigrateSetMaxSpeed: see migration/tuning.ts. */
  async domainMigrateSetMaxSpeed(ref: DomainRef, bandwidthMiBs: bigint, flags = 0): Promise<void> {
    this.checkOpen();
    await setMaxSpeed(this.ctx, this.ctx.registry.resolve(ref), bandwidthMiBs, flags);
  }

  /** virDomainMigrateGetMaxSpeed: see migration/tuning.ts. */
  async domainMigrateGetMaxSpeed(ref: DomainRef, flags = 0): Promise<bigint> {
    this.checkOpen();
    return getMaxSpeed(this.ctx.registry.resolve(ref), flags);
  }

  /** virDomainMigrateStartPostCopy: see migration/tuning.ts. */
  async domainMigrateStartPostCopy(ref: DomainRef, flags = 0): Promise<void> {
    this.checkOpen();
    await startPostCopy(this.ctx, this.ctx.registry.resolve(ref), flags);
  }

  /** virDomainMigrateBegin3Params (source): see beginOutgoing. */
  async domainMigrateBegin3Params(
    ref: DomainRef,
    params: TypedParam[],
    flags = 0,
  ): Promise<{ cookieOut: Buffer; xml: string }> {
    this.checkOpen();
    return beginOutgoing(this.ctx.registry.resolve(ref), params, flags);
  }

  /** virDomainMigratePrepare3Params (destination): see prepareIncoming. */
  async domainMigratePrepare3Params(
    params: TypedParam[],
    cookieIn: Buffer,
    flags = 0,
    reachedAt?: string,
    callerGone?: AbortSignal,
  ): Promise<{ cookieOut: Buffer; uriOut: string | undefined }> {
    this.checkOpen();
    checkPrepareFlavour(flags, false);
    return prepareIncoming(this.ctx, params, cookieIn, flags, reachedAt, callerGone);
  }

  /** virDomainMigratePrepareTunnel3Params (destination): see prepareIncoming. */
  async domainMigratePrepareTunnel3Params(
    params: TypedParam[],
    cookieIn: Buffer,
    flags = 0,
    callerGone?: AbortSignal,
  ): Promise<{ cookieOut: Buffer; stream: Writable }> {
    this.checkOpen();
    checkPrepareFlavour(flags, true);
    const r = await prepareIncoming(this.ctx, params, cookieIn, flags, undefined, callerGone);
    return { cookieOut: r.cookieOut, stream: r.stream as Writable };
  }

  /** virDomainMigratePerform3Params (source): see performOutgoing; with PEER2PEER, performPeer. */
  async domainMigratePerform3Params(
    ref: DomainRef,
    dconnuri: string | undefined,
    params: TypedParam[],
    cookieIn: Buffer,
    flags = 0,
    callerGone?: AbortSignal,
  ): Promise<Buffer> {
    this.checkOpen();
    const dom = this.ctx.registry.resolve(ref);
    if ((flags & MigrateFlags.TUNNELLED) !== 0 && (flags & MigrateFlags.PEER2PEER) === 0) {
      throw new TsvirtError(
        'ERR_INVALID_ARG',
        'a tunnelled migration needs the peer-to-peer flag; migrate with --p2p --tunnelled',
        { field: 'flags', value: flags, expected: 'tunnelled (4) with peer2peer (2)' },
      );
    }
    if ((flags & MigrateFlags.PEER2PEER) !== 0) {
      await performPeer(this.ctx, dom, dconnuri, params, flags, callerGone);
      return Buffer.alloc(0);
    }
    return performOutgoing(this.ctx, dom, params, cookieIn, flags, callerGone);
  }

  /** virDomainMigrateFinish3Params (destination): see finishIncoming. */
  async domainMigrateFinish3Params(
    params: TypedParam[],
    cookieIn: Buffer,
    flags: number,
    cancelled: boolean,
  ): Promise<{ dom: DomainRef; cookieOut: Buffer }> {
    this.checkOpen();
    const { dom, cookieOut } = await finishIncoming(this.ctx, params, cookieIn, flags, cancelled);
    return { dom: dom.ref(), cookieOut };
  }

  /** virDomainMigrateConfirm3Params (source): see confirmOutgoing. */
  async domainMigrateConfirm3Params(
    ref: DomainRef,
    _params: TypedParam[],
    cookieIn: Buffer,
    flags: number,
    cancelled: boolean,
  ): Promise<void> {
    this.checkOpen();
    await confirmOutgoing(this.ctx, this.ctx.registry.resolve(ref), cookieIn, flags, cancelled);
  }

  /** virDomainOpenConsole: the serial console as a byte stream (flags: 1 FORCE takes it over, 2 SAFE). */
  async domainOpenConsole(ref: DomainRef, devName?: string, flags = 0): Promise<Duplex> {
    return openConsole(this.ctx.registry.resolve(ref), devName, flags);
  }

  /** virDomainOpenGraphicsFD: a socket to graphics device `idx` that qemu accepted as a client. */
  async domainOpenGraphicsFD(ref: DomainRef, idx: number, flags = 0): Promise<number> {
    return this.withJob(ref, 'open-graphics', (dom) => openGraphicsFd(dom, idx, flags));
  }

  /** virConnectDomainEventRegisterAny(LIFECYCLE): events in order, of one domain or of all. */
  async onDomainLifecycle(
    listener: (ev: DomainLifecycleEvent) => void,
    ref?: DomainRef,
  ): Promise<Subscription> {
    return this.onDomainEvent('lifecycle', listener, ref);
  }

  /** virConnectDomainEventRegisterAny for any kind: lifecycle, device-added, device-removed, device-removal-failed. */
  async onDomainEvent<K extends DomainEventKind>(
    kind: K,
    listener: (ev: DomainEventMap[K]) => void,
    ref?: DomainRef,
  ): Promise<Subscription> {
    const uuid = ref ? this.ctx.registry.resolve(ref).uuid : undefined;
    return this.ctx.events.subscribe(kind, listener, uuid);
  }

  /** virDomainAttachDeviceFlags: the device of `xml` added live (hot-plug) and/or to the config. */
  async domainAttachDevice(ref: DomainRef, xml: string, flags = 0): Promise<void> {
    await this.withJob(ref, 'attach-device', (dom) => attachDevice(this.ctx, dom, xml, flags));
  }

  /** virDomainDetachDeviceFlags: the device `xml` names removed live (hot-unplug) and/or from the config. */
  async domainDetachDevice(ref: DomainRef, xml: string, flags = 0): Promise<void> {
    await this.withJob(ref, 'detach-device', (dom) => detachDevice(this.ctx, dom, xml, flags));
  }

  /** virDomainDetachDeviceAlias: the device with `alias` removed live and/or from the config. */
  async domainDetachDeviceAlias(ref: DomainRef, alias: string, flags = 0): Promise<void> {
    await this.withJob(ref, 'detach-device', (dom) => detachDeviceAlias(this.ctx, dom, alias, flags));
  }

  /** virDomainUpdateDeviceFlags: a cdrom's media changed or ejected, live and/or in the config. */
  async domainUpdateDevice(ref: DomainRef, xml: string, flags = 0): Promise<void> {
    await this.withJob(ref, 'update-device', (dom) => updateDevice(this.ctx, dom, xml, flags));
  }

  private async withJob<T>(
    ref: DomainRef,
    job: DomainAction | string,
    fn: (dom: DomainObject) => Promise<T>,
  ): Promise<T> {
    this.checkOpen();
    const dom = this.ctx.registry.resolve(ref);
    return this.runJob(dom, job, this.ctx.jobWaitMs, async () => {
      // 'noop': libvirt succeeds without acting (suspend of a paused domain).
      if (isStateAction(job) && checkAction(job, dom.subject) === 'noop') return undefined as T;
      return fn(dom);
    });
  }

  private runJob<T>(dom: DomainObject, job: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
    return power.runDomainJob(this.ctx, dom, job, waitMs, fn);
  }

  private checkOpen(): void {
    if (this.ctx.closing)
      throw new TsvirtError('ERR_CONNECTION_CLOSED', 'the driver is closed; open it again');
  }

  /** Read the definitions in etc/qemu again (tsvirtd's SIGHUP); see reloadDefinitions. */
  async reloadDefinitions(): Promise<ReloadReport> {
    this.checkOpen();
    return reloadDefinitions(this.ctx);
  }

  /** Start persistent domains marked autostart that are not running (libvirt does so at daemon start). */
  async runAutostart(): Promise<void> {
    for (const dom of this.ctx.registry.all()) {
      if (!dom.autostart || dom.active) continue;
      try {
        await this.domainCreate(dom.ref());
      } catch (err) {
        this.ctx.log(`domain '${dom.name}': autostart failed: ${(err as Error).message}`);
      }
    }
  }
}

/** libvirt's refusal of flags a call defines none of. */
function checkNoFlags(api: string, flags: number): void {
  if (flags === 0) return;
  throw new TsvirtError('ERR_INVALID_ARG', `unsupported flags (0x${flags.toString(16)}) in function ${api}`, {
    field: 'flags',
    value: flags,
    expected: 0,
  });
}
