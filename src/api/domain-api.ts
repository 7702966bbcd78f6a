/** The domain part of a Connection (libvirt's virDomain* calls); the QEMU driver implements it. */
import type { Duplex } from 'node:stream';
import type { DomainStateValue } from './domain-enums.js';
import type { TypedParam } from './types.js';
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
  domainMemoryStats(dom: DomainRef): Promise<MemoryStat[]>;
  /** virDomainGetJobInfo: the async job now (type NONE without one); never waits behind other jobs. */
  domainGetJobInfo(dom: DomainRef): Promise<DomainJobInfo>;
  /**
   * virDomainGetJobStats: the same as typed parameters (libvirt's VIR_DOMAIN_JOB_* names); flags as
   * DomainJobStatsFlags (COMPLETED: the job that ended last, cleared unless KEEP_COMPLETED).
   */
  domainGetJobStats(dom: DomainRef, flags?: number): Promise<{ type: number; params: TypedParam[] }>;
  /** virDomainAbortJob: ask the async job to stop; ERR_OPERATION_INVALID without one. No flags yet. */
  domainAbortJob(dom: DomainRef, flags?: number): Promise<void>;
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
}
