/**
 * The values the public API passes around, shaped after libvirt's: references as the wire carries
 * them, the info records, and events. Sizes follow libvirt: memory in KiB, CPU time in nanoseconds,
 * storage in bytes.
 */
import type { DomainStateValue } from './domain-enums.js';

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

/**
 * virDomainJobInfo: the domain's background job. `type` is virDomainJobType (0 none, 1 bounded,
 * 2 unbounded, 3 completed, 4 failed, 5 cancelled); times in milliseconds, sizes in bytes, as libvirt.
 */
export interface DomainJobInfo {
  type: number;
  timeElapsed: bigint;
  timeRemaining: bigint;
  dataTotal: bigint;
  dataProcessed: bigint;
  dataRemaining: bigint;
  memTotal: bigint;
  memProcessed: bigint;
  memRemaining: bigint;
  fileTotal: bigint;
  fileProcessed: bigint;
  fileRemaining: bigint;
}

/** A domain lifecycle event (virDomainEventType and its detail). */
export interface DomainLifecycleEvent {
  dom: DomainRef;
  /** 0 defined, 1 undefined, 2 started, 3 suspended, 4 resumed, 5 stopped, 6 shutdown, 7 pmsuspended, 8 crashed. */
  event: number;
  detail: number;
}

/** A device event: qemu confirmed that the device with this alias was added, removed, or not removed. */
export interface DomainDeviceEvent {
  dom: DomainRef;
  /** The device's alias (libvirt's devAlias): virtio-disk1, net0, ua-mydisk. */
  devAlias: string;
}

/**
 * The domain events by kind, with their libvirt event ids: lifecycle (0), device-removed (15),
 * device-added (19), device-removal-failed (22). A new kind is one more row here and in the id table
 * (src/remote/domain-event-kinds.ts).
 */
/** A metadata change: virDomainSetMetadata changed the title, the description or one namespaced element. */
export interface DomainMetadataEvent {
  dom: DomainRef;
  /** virDomainMetadataType: 0 description, 1 title, 2 element. */
  type: number;
  /** The element's namespace URI; null for the title and the description. */
  nsuri: string | null;
}

/**
 * A block job's state changed: it is ready for a pivot (3) or ended, completed (0), failed (1) or
 * canceled (2). `path`: the disk's source for block-job (id 8), its target (vda) for block-job-2 (16).
 */
export interface DomainBlockJobEvent {
  dom: DomainRef;
  path: string;
  /** virDomainBlockJobType: 1 pull, 2 copy, 3 commit, 4 active commit. */
  type: number;
  /** virConnectDomainEventBlockJobStatus: 0 completed, 1 failed, 2 canceled, 3 ready. */
  status: number;
}

export interface DomainEventMap {
  lifecycle: DomainLifecycleEvent;
  'device-added': DomainDeviceEvent;
  'device-removed': DomainDeviceEvent;
  'device-removal-failed': DomainDeviceEvent;
  'metadata-change': DomainMetadataEvent;
  'block-job': DomainBlockJobEvent;
  'block-job-2': DomainBlockJobEvent;
}

/** One key of DomainEventMap. */
export type DomainEventKind = keyof DomainEventMap;

/** A storage pool lifecycle event (virStoragePoolEventLifecycleType). */
export interface PoolLifecycleEvent {
  pool: PoolRef;
  /** 0 defined, 1 undefined, 2 started, 3 stopped, 4 created, 5 deleted. */
  event: number;
  detail: number;
}

/** A storage pool refresh: its volumes were read again from its storage (virStoragePoolRefresh). */
export interface PoolRefreshEvent {
  pool: PoolRef;
}

/** Handle for an event subscription. */
export interface Subscription {
  unsubscribe(): void;
}

/**
 * The seven types of libvirt's typed parameters (virTypedParameter) by name, as the API passes them;
 * src/remote/typed-params.ts puts them on the wire.
 */
export type TypedParamTypeName = 'int' | 'uint' | 'llong' | 'ullong' | 'double' | 'boolean' | 'string';

/** The TypeScript value of each type. */
export interface TypedParamValues {
  int: number;
  uint: number;
  llong: bigint;
  ullong: bigint;
  double: number;
  boolean: boolean;
  string: string;
}

/** One typed parameter in friendly form: `{ name: 'bandwidth', type: 'ullong', value: 100n }`. */
export type TypedParam = {
  [K in TypedParamTypeName]: { name: string; type: K; value: TypedParamValues[K] };
}[TypedParamTypeName];

/** One field of virNodeGetCPUStats (ns) or virNodeGetMemoryStats (KiB). */
export interface NodeStat {
  field: string;
  value: bigint;
}

/** A virtual network as the wire carries it (remote_nonnull_network). */
export interface NetworkRef {
  name: string;
  uuid: string;
}

/** A network lifecycle event (virNetworkEventLifecycleType). */
export interface NetworkLifecycleEvent {
  net: NetworkRef;
  /** 0 defined, 1 undefined, 2 started, 3 stopped. */
  event: number;
  detail: number;
}

/** One DHCP lease of a network (remote_network_dhcp_lease; virNetworkDHCPLease). */
export interface NetworkDhcpLease {
  /** The network's bridge. */
  iface: string;
  /** Seconds since the epoch. */
  expirytime: bigint;
  /** 0 IPv4, 1 IPv6 (virIPAddrType). */
  type: number;
  mac: string | null;
  iaid: string | null;
  ipaddr: string;
  prefix: number;
  hostname: string | null;
  clientid: string | null;
}

/** virDomainGetBlockJobInfo's answer (remote_domain_get_block_job_info_ret). */
export interface BlockJobInfo {
  /** 1 when the disk has a block job, 0 when not (the other fields are then 0). */
  found: number;
  type: number;
  bandwidth: bigint;
  cur: bigint;
  end: bigint;
}
