/**
 * The one public interface to a hypervisor, shaped after libvirt's public API so that knowledge of
 * libvirt carries over. EmbeddedConnection (the driver in this process) and RemoteConnection (a libvirt
 * protocol client) implement it; the CLI, the WebSocket API, the RPC server and tests all use it.
 *
 * Sizes follow libvirt: memory in KiB, CPU time in nanoseconds, storage in bytes.
 */

import type { Duplex, Readable } from 'node:stream';

/** A domain as the wire carries it (remote_nonnull_domain). `id` is -1 while the domain is inactive. */
export interface DomainRef {
  name: string;
  /** Canonical lower-case 36-character form. */
  uuid: string;
  id: number;
}

/** A storage pool as the wire carries it (remote_nonnull_storage_pool). */
export interface PoolRef {
  name: string;
  uuid: string;
}

/** A storage volume as the wire carries it (remote_nonnull_storage_vol). */
export interface VolumeRef {
  pool: string;
  name: string;
  /** Unique; for file volumes the absolute path, as libvirt has it. */
  key: string;
}

export { DomainState, type DomainStateValue } from './api/domain-enums.js';
import type { DomainStateValue } from './api/domain-enums.js';

/** virDomainInfo. */
export interface DomainInfo {
  state: DomainStateValue;
  maxMemKiB: bigint;
  memoryKiB: bigint;
  nrVirtCpu: number;
  cpuTimeNs: bigint;
}

/** One entry of virDomainGetVcpus. */
export interface VcpuInfo {
  number: number;
  /** virVcpuState: 0 offline, 1 running, 2 blocked. */
  state: number;
  cpuTimeNs: bigint;
  /** Host CPU the vCPU last ran on, -1 when not running. */
  cpu: number;
  /** Host CPUs this vCPU may run on. */
  affinity: number[];
  /** Host thread id, where known (a tsvirt extension; the wire does not carry it). */
  threadId?: number;
}

/** virNodeInfo. */
export interface NodeInfo {
  model: string;
  memoryKiB: bigint;
  cpus: number;
  mhz: number;
  nodes: number;
  sockets: number;
  cores: number;
  threads: number;
}

/** virStoragePoolInfo. `state`: 0 inactive, 1 building, 2 running, 3 degraded, 4 inaccessible. */
export interface PoolInfo {
  state: number;
  capacity: bigint;
  allocation: bigint;
  available: bigint;
}

/** virStorageVolInfo. `type`: 0 file, 1 block, 2 dir, 3 network, 4 netdir, 5 ploop. */
export interface VolumeInfo {
  type: number;
  capacity: bigint;
  allocation: bigint;
}

/** One virDomainMemoryStat, tag as libvirt numbers it (e.g. 6 actual balloon, 7 rss). */
export interface MemoryStat {
  tag: number;
  val: bigint;
}

/** A domain lifecycle event (virDomainEventType and its detail). */
export interface DomainLifecycleEvent {
  dom: DomainRef;
  /** 0 defined, 1 undefined, 2 started, 3 suspended, 4 resumed, 5 stopped, 6 shutdown, 7 pmsuspended, 8 crashed. */
  event: number;
  detail: number;
}

/** A storage pool lifecycle event (virStoragePoolEventLifecycleType). */
export interface PoolLifecycleEvent {
  pool: PoolRef;
  /** 0 defined, 1 undefined, 2 started, 3 stopped, 4 created, 5 deleted. */
  event: number;
  detail: number;
}

/** Handle for an event subscription. */
export interface Subscription {
  unsubscribe(): void;
}

/** The hypervisor connection. Method names follow libvirt's C API without the `vir` prefix. */
export interface Connection {
  readonly uri: string;
  readonly readOnly: boolean;
  close(): Promise<void>;

  // host
  getType(): Promise<string>;
  getVersion(): Promise<bigint>;
  getLibVersion(): Promise<bigint>;
  getHostname(): Promise<string>;
  getCapabilities(): Promise<string>;
  getNodeInfo(): Promise<NodeInfo>;
  getMaxVcpus(type?: string): Promise<number>;

  // domains
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
  domainMemoryStats(dom: DomainRef): Promise<MemoryStat[]>;
  onDomainLifecycle(listener: (ev: DomainLifecycleEvent) => void, dom?: DomainRef): Promise<Subscription>;
  /** virDomainOpenConsole: the domain's serial console as a byte stream. flags: 1 FORCE (take it over from another user), 2 SAFE. */
  domainOpenConsole(dom: DomainRef, devName?: string, flags?: number): Promise<Duplex>;

  // storage pools
  listAllStoragePools(flags?: number): Promise<PoolRef[]>;
  lookupStoragePoolByName(name: string): Promise<PoolRef>;
  lookupStoragePoolByUUID(uuid: string): Promise<PoolRef>;
  lookupStoragePoolByVolume(vol: VolumeRef): Promise<PoolRef>;
  storagePoolDefineXML(xml: string, flags?: number): Promise<PoolRef>;
  storagePoolCreateXML(xml: string, flags?: number): Promise<PoolRef>;
  storagePoolBuild(pool: PoolRef, flags?: number): Promise<void>;
  storagePoolCreate(pool: PoolRef, flags?: number): Promise<void>;
  storagePoolDestroy(pool: PoolRef): Promise<void>;
  storagePoolDelete(pool: PoolRef, flags?: number): Promise<void>;
  storagePoolUndefine(pool: PoolRef): Promise<void>;
  storagePoolRefresh(pool: PoolRef, flags?: number): Promise<void>;
  storagePoolGetInfo(pool: PoolRef): Promise<PoolInfo>;
  storagePoolGetXMLDesc(pool: PoolRef, flags?: number): Promise<string>;
  storagePoolIsActive(pool: PoolRef): Promise<boolean>;
  storagePoolIsPersistent(pool: PoolRef): Promise<boolean>;
  storagePoolGetAutostart(pool: PoolRef): Promise<boolean>;
  storagePoolSetAutostart(pool: PoolRef, autostart: boolean): Promise<void>;
  onStoragePoolLifecycle(listener: (ev: PoolLifecycleEvent) => void, pool?: PoolRef): Promise<Subscription>;

  // storage volumes
  storagePoolListAllVolumes(pool: PoolRef, flags?: number): Promise<VolumeRef[]>;
  storageVolLookupByName(pool: PoolRef, name: string): Promise<VolumeRef>;
  storageVolLookupByKey(key: string): Promise<VolumeRef>;
  storageVolLookupByPath(path: string): Promise<VolumeRef>;
  storageVolCreateXML(pool: PoolRef, xml: string, flags?: number): Promise<VolumeRef>;
  storageVolCreateXMLFrom(pool: PoolRef, xml: string, source: VolumeRef, flags?: number): Promise<VolumeRef>;
  storageVolDelete(vol: VolumeRef, flags?: number): Promise<void>;
  storageVolWipe(vol: VolumeRef, flags?: number): Promise<void>;
  /** flags: 1 allocate, 2 delta, 4 shrink (virStorageVolResizeFlags). */
  storageVolResize(vol: VolumeRef, capacity: bigint, flags?: number): Promise<void>;
  storageVolGetInfo(vol: VolumeRef): Promise<VolumeInfo>;
  storageVolGetXMLDesc(vol: VolumeRef, flags?: number): Promise<string>;
  storageVolGetPath(vol: VolumeRef): Promise<string>;
  /** virStorageVolUpload: write from `source` into the volume at `offset`, at most `length` bytes (0: all). */
  storageVolUpload(
    vol: VolumeRef,
    source: Readable,
    offset?: bigint,
    length?: bigint,
    flags?: number,
  ): Promise<void>;
  /** virStorageVolDownload: read the volume from `offset`, at most `length` bytes (0: to the end). */
  storageVolDownload(vol: VolumeRef, offset?: bigint, length?: bigint, flags?: number): Promise<Readable>;
}
