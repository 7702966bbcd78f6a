/** The domain part of a Connection (libvirt's virDomain* calls); the QEMU driver implements it. */
import type { Duplex, Readable, Writable } from 'node:stream';
import type { DomainStateValue } from './domain-enums.js';
import type { BlockJobInfo, TypedParam } from './types.js';
import type {
  DomainBlockInfo,
  DomainBlockStats,
  DomainDiskError,
  DomainInterfaceAddresses,
  DomainInterfaceStats,
  DomainStatsRecord,
} from './stats-types.js';
import type {
  DomainEventKind,
  DomainEventMap,
  DomainInfo,
  DomainJobInfo,
  DomainLifecycleEvent,
  DomainRef,
  MemoryStat,
  Subscription,
  VcpuInfo,
} from './types.js';

/** Domains: lookup, definition, lifecycle, resources, events and the console. */
export interface DomainApi {
  listAllDomains(flags?: number): Promise<DomainRef[]>;
  lookupDomainByName(name: string): Promise<DomainRef>;
  lookupDomainByUUID(uuid: string): Promise<DomainRef>;
  lookupDomainByID(id: number): Promise<DomainRef>;
  domainDefineXML(xml: string, flags?: number): Promise<DomainRef>;
  domainCreateXML(xml: string, flags?: number): Promise<DomainRef>;
  domainUndefine(dom: DomainRef, flags?: number): Promise<void>;
  domainCreate(dom: DomainRef, flags?: number): Promise<DomainRef>;
  domainShutdown(dom: DomainRef, flags?: number): Promise<void>;
  domainDestroy(dom: DomainRef, flags?: number): Promise<void>;
  domainReboot(dom: DomainRef, flags?: number): Promise<void>;
  domainReset(dom: DomainRef, flags?: number): Promise<void>;
  domainSuspend(dom: DomainRef): Promise<void>;
  domainResume(dom: DomainRef): Promise<void>;
  domainGetInfo(dom: DomainRef): Promise<DomainInfo>;
  domainGetState(dom: DomainRef): Promise<{ state: DomainStateValue; reason: number }>;
  domainGetXMLDesc(dom: DomainRef, flags?: number): Promise<string>;
  domainGetOSType(dom: DomainRef): Promise<string>;
  domainIsActive(dom: DomainRef): Promise<boolean>;
  domainIsPersistent(dom: DomainRef): Promise<boolean>;
  domainGetAutostart(dom: DomainRef): Promise<boolean>;
  domainSetAutostart(dom: DomainRef, autostart: boolean): Promise<void>;
  domainGetVcpus(dom: DomainRef): Promise<VcpuInfo[]>;
  /** Pin one vCPU; flags as virDomainModificationImpact (1 live, 2 config). */
  domainPinVcpu(dom: DomainRef, vcpu: number, cpus: number[], flags?: number): Promise<void>;
  /** The pinning from the persistent config, one CPU list per vCPU. */
  domainGetVcpuPinInfo(dom: DomainRef, flags?: number): Promise<number[][]>;
  /** Set the balloon target in KiB; flags as virDomainModificationImpact. */
  domainSetMemory(dom: DomainRef, memoryKiB: bigint, flags?: number): Promise<void>;
  /** virDomainSetMetadata: type 0 description, 1 title, 2 element (key: its prefix, uri: its namespace). */
  domainSetMetadata(
    dom: DomainRef,
    type: number,
    metadata: string | undefined,
    key: string | undefined,
    uri: string | undefined,
    flags?: number,
  ): Promise<void>;
  /** virDomainGetMetadata: the title, the description, or the element of namespace `uri`. */
  domainGetMetadata(dom: DomainRef, type: number, uri: string | undefined, flags?: number): Promise<string>;
  domainMemoryStats(dom: DomainRef): Promise<MemoryStat[]>;
  /** virDomainSetVcpusFlags; flags as VcpuFlags (1 live, 2 config, 4 maximum). */
  domainSetVcpus(dom: DomainRef, nvcpus: number, flags?: number): Promise<void>;
  /** virDomainScreenshot: the picture of screen `screen` (default 0) and its MIME type. */
  domainScreenshot(
    dom: DomainRef,
    screen?: number,
    flags?: number,
  ): Promise<{ mime: string; stream: Readable }>;
  /** virDomainSendKey: keycodes of codeset `codeset` (KeycodeSet) pressed together for `holdtimeMs`. */
  domainSendKey(
    dom: DomainRef,
    codeset: number,
    holdtimeMs: number,
    keycodes: number[],
    flags?: number,
  ): Promise<void>;
  /** virDomainInjectNMI. */
  domainInjectNMI(dom: DomainRef, flags?: number): Promise<void>;
  /** virDomainBlockResize: `size` in KiB, or in bytes with flag BYTES (1). */
  domainBlockResize(dom: DomainRef, disk: string, size: bigint, flags?: number): Promise<void>;
  /** virDomainGetJobInfo: the async job now (type NONE without one); never waits behind other jobs. */
  domainGetJobInfo(dom: DomainRef): Promise<DomainJobInfo>;
  /**
   * virDomainGetJobStats: the same as typed parameters (libvirt's VIR_DOMAIN_JOB_* names); flags as
   * DomainJobStatsFlags (COMPLETED: the job that ended last, cleared unless KEEP_COMPLETED).
   */
  domainGetJobStats(dom: DomainRef, flags?: number): Promise<{ type: number; params: TypedParam[] }>;
  /** virDomainAbortJob: ask the async job to stop; ERR_OPERATION_INVALID without one. No flags yet. */
  domainAbortJob(dom: DomainRef, flags?: number): Promise<void>;
  /**
   * virConnectGetAllDomainStats, or with `doms` virDomainListGetStats: typed parameters per domain, as
   * libvirt names them. stats: DomainStatsGroup bits (0: all served); flags: GetAllStatsFlags.
   */
  getAllDomainStats(stats?: number, flags?: number, doms?: DomainRef[]): Promise<DomainStatsRecord[]>;
  /** virDomainBlockStats: one disk (target or source path), or with '' all disks together. */
  domainBlockStats(dom: DomainRef, path: string): Promise<DomainBlockStats>;
  /** virDomainBlockStatsFlags: the same with times, as typed parameters (rd_operations, ...). */
  domainBlockStatsFlags(dom: DomainRef, path: string, flags?: number): Promise<TypedParam[]>;
  /** virDomainInterfaceStats: a NIC by host interface name or MAC address. */
  domainInterfaceStats(dom: DomainRef, device: string): Promise<DomainInterfaceStats>;
  /** virDomainInterfaceAddresses: `source` 0 DHCP leases, 1 guest agent, 2 host neighbour table. */
  domainInterfaceAddresses(
    dom: DomainRef,
    source: number,
    flags?: number,
  ): Promise<DomainInterfaceAddresses[]>;
  /** virDomainGetBlockInfo: capacity, allocation and physical size of a disk's image. */
  domainGetBlockInfo(dom: DomainRef, path: string, flags?: number): Promise<DomainBlockInfo>;
  /** virDomainGetDiskErrors: the disks whose device reports an I/O error. */
  domainGetDiskErrors(dom: DomainRef, flags?: number): Promise<DomainDiskError[]>;
  /** virDomainGetSchedulerType: the scheduler's name and how many parameters it has. */
  domainGetSchedulerType(dom: DomainRef): Promise<{ type: string; nparams: number }>;
  /** virDomainGetSchedulerParametersFlags (flags as virDomainModificationImpact). */
  domainGetSchedulerParameters(dom: DomainRef, flags?: number): Promise<TypedParam[]>;
  /** virDomainSetSchedulerParametersFlags. */
  domainSetSchedulerParameters(dom: DomainRef, params: TypedParam[], flags?: number): Promise<void>;
  /**
   * virDomainSaveFlags: the guest's state to a save image at `to`, then the domain stops (shutoff/saved).
   * `dxml`: the domain XML to keep in the image instead of the live one. flags: SaveRestoreFlags.
   */
  domainSave(dom: DomainRef, to: string, dxml?: string, flags?: number): Promise<void>;
  /** virDomainBlockCommit: merge `top` (absent: the active layer, with ACTIVE) into `base` (absent: the bottom). */
  domainBlockCommit(
    dom: DomainRef,
    disk: string,
    base: string | undefined,
    top: string | undefined,
    bandwidth: bigint,
    flags?: number,
  ): Promise<void>;
  /** virDomainBlockPull: copy the disk's backing chain into its active layer, as a block job. */
  domainBlockPull(dom: DomainRef, path: string, bandwidth: bigint, flags?: number): Promise<void>;
  /** virDomainGetBlockJobInfo: the disk's block job (found 0 when none). */
  domainGetBlockJobInfo(dom: DomainRef, path: string, flags?: number): Promise<BlockJobInfo>;
  /** virDomainBlockJobAbort: cancel the disk's block job; PIVOT (2) switches to a ready commit's base. */
  domainBlockJobAbort(dom: DomainRef, path: string, flags?: number): Promise<void>;
  /**
   * virDomainCoreDumpWithFormat: with DumpFlags.MEMORY_ONLY, the guest's memory as a core file at `to`
   * in `dumpformat` (CoreDumpFormat, default RAW: ELF). flags: DumpFlags.
   */
  domainCoreDump(dom: DomainRef, to: string, flags?: number, dumpformat?: number): Promise<void>;
  /** virDomainRestoreFlags: start the domain of a save image from the state it holds. flags: SaveRestoreFlags. */
  domainRestore(from: string, dxml?: string, flags?: number): Promise<void>;
  /** virDomainSaveImageGetXMLDesc: the domain XML a save image holds. */
  domainSaveImageGetXMLDesc(file: string, flags?: number): Promise<string>;
  /** virDomainSaveImageDefineXML: replace the domain XML of a save image (flags RUNNING, PAUSED: its state). */
  domainSaveImageDefineXML(file: string, dxml: string, flags?: number): Promise<void>;
  /** virDomainManagedSave: save to the domain's own image, which its next start resumes from. */
  domainManagedSave(dom: DomainRef, flags?: number): Promise<void>;
  /** virDomainHasManagedSaveImage. */
  domainHasManagedSaveImage(dom: DomainRef, flags?: number): Promise<boolean>;
  /** virDomainManagedSaveRemove. */
  domainManagedSaveRemove(dom: DomainRef, flags?: number): Promise<void>;
  /** virDomainManagedSaveGetXMLDesc: the XML the managed save image holds. */
  domainManagedSaveGetXMLDesc(dom: DomainRef, flags?: number): Promise<string>;
  /** virDomainManagedSaveDefineXML: replace it (flags RUNNING, PAUSED: the state it resumes in). */
  domainManagedSaveDefineXML(dom: DomainRef, dxml?: string, flags?: number): Promise<void>;
  /** virDomainMigrateSetMaxDowntime: the longest the guest may stop at the switch-over, ms (qemu's downtime-limit). */
  domainMigrateSetMaxDowntime(dom: DomainRef, downtimeMs: bigint, flags?: number): Promise<void>;
  /** virDomainMigrateGetMaxDowntime: that limit, ms. */
  domainMigrateGetMaxDowntime(dom: DomainRef, flags?: number): Promise<bigint>;
  /** virDomainMigrateSetMaxSpeed: MiB/s for the domain's migrations (flag 1 POSTCOPY: of the post-copy phase). */
  domainMigrateSetMaxSpeed(dom: DomainRef, bandwidthMiBs: bigint, flags?: number): Promise<void>;
  /** virDomainMigrateGetMaxSpeed: that speed, MiB/s. */
  domainMigrateGetMaxSpeed(dom: DomainRef, flags?: number): Promise<bigint>;
  /** virDomainMigrateStartPostCopy: switch the outgoing migration (started with POSTCOPY) to post-copy. */
  domainMigrateStartPostCopy(dom: DomainRef, flags?: number): Promise<void>;
  /** virDomainMigrateBegin3Params (source): the XML the destination runs and the cookie for Prepare. */
  domainMigrateBegin3Params(
    dom: DomainRef,
    params: TypedParam[],
    flags?: number,
  ): Promise<{ cookieOut: Buffer; xml: string }>;
  /**
   * virDomainMigratePrepare3Params (destination): an incoming qemu waits; returns the cookie for Perform
   * and the URI to send to. `reachedAt`: the address the caller reached this host at (the RPC server's).
   * `callerGone`: aborted when the caller's connection closes; before Finish, the incoming qemu goes.
   */
  domainMigratePrepare3Params(
    params: TypedParam[],
    cookieIn: Buffer,
    flags?: number,
    reachedAt?: string,
    callerGone?: AbortSignal,
  ): Promise<{ cookieOut: Buffer; uriOut: string | undefined }>;
  /**
   * virDomainMigratePrepareTunnel3Params (destination, flag TUNNELLED): an incoming qemu waits; returns
   * the cookie for Perform and the stream the caller writes the guest's state into, ended once all is sent.
   */
  domainMigratePrepareTunnel3Params(
    params: TypedParam[],
    cookieIn: Buffer,
    flags?: number,
    callerGone?: AbortSignal,
  ): Promise<{ cookieOut: Buffer; stream: Writable }>;
  /**
   * virDomainMigratePerform3Params (source): sends the guest's state; returns the cookie for Finish.
   * `callerGone`: aborted when the caller's connection closes, which cancels the migration.
   */
  domainMigratePerform3Params(
    dom: DomainRef,
    dconnuri: string | undefined,
    params: TypedParam[],
    cookieIn: Buffer,
    flags?: number,
    callerGone?: AbortSignal,
  ): Promise<Buffer>;
  /** virDomainMigrateFinish3Params (destination): runs the guest, or with `cancelled` removes it. */
  domainMigrateFinish3Params(
    params: TypedParam[],
    cookieIn: Buffer,
    flags: number,
    cancelled: boolean,
  ): Promise<{ dom: DomainRef; cookieOut: Buffer }>;
  /** virDomainMigrateConfirm3Params (source): stops the source qemu, or with `cancelled` resumes the guest. */
  domainMigrateConfirm3Params(
    dom: DomainRef,
    params: TypedParam[],
    cookieIn: Buffer,
    flags: number,
    cancelled: boolean,
  ): Promise<void>;
  onDomainLifecycle(listener: (ev: DomainLifecycleEvent) => void, dom?: DomainRef): Promise<Subscription>;
  /**
   * virConnectDomainEventRegisterAny for any kind of DomainEventMap (device-added, device-removed,
   * device-removal-failed, lifecycle): events in order, of one domain or of all.
   */
  onDomainEvent<K extends DomainEventKind>(
    kind: K,
    listener: (ev: DomainEventMap[K]) => void,
    dom?: DomainRef,
  ): Promise<Subscription>;
  /** virDomainAttachDeviceFlags: add the device of `xml`; flags as virDomainDeviceModifyFlags (1 live, 2 config). */
  domainAttachDevice(dom: DomainRef, xml: string, flags?: number): Promise<void>;
  /** virDomainDetachDeviceFlags: remove the device `xml` names; live removal waits for qemu up to 5 s. */
  domainDetachDevice(dom: DomainRef, xml: string, flags?: number): Promise<void>;
  /** virDomainUpdateDeviceFlags: change a device in place (a cdrom's media). */
  domainUpdateDevice(dom: DomainRef, xml: string, flags?: number): Promise<void>;
  /** virDomainDetachDeviceAlias: remove the device with this alias. */
  domainDetachDeviceAlias(dom: DomainRef, alias: string, flags?: number): Promise<void>;
  /** virDomainOpenConsole: the domain's serial console as a byte stream. flags: 1 FORCE (take it over from another user), 2 SAFE. */
  domainOpenConsole(dom: DomainRef, devName?: string, flags?: number): Promise<Duplex>;
  /**
   * virDomainOpenGraphicsFD: a new client connection to graphics device `idx` (VNC or SPICE), as a
   * socket descriptor the caller owns and closes. flags: 1 SKIPAUTH (no graphics password asked).
   */
  domainOpenGraphicsFD(dom: DomainRef, idx: number, flags?: number): Promise<number>;
}
