/** Domain methods of RemoteConnection, each naming the procedure it sends. */
import type {
  DomainInfo,
  DomainLifecycleEvent,
  DomainRef,
  DomainStateValue,
  MemoryStat,
  Subscription,
  VcpuInfo,
} from '../connection.js';
import type { Duplex } from 'node:stream';
import { encodeArgs } from './structs.js';
import { openRemoteStream } from './remote-stream.js';
import { EventId, Procedure as P } from './protocol.js';
import { RemoteBase } from './remote-base.js';
import { buildCpuMap, cpuMapLength, splitCpuMaps } from './cpumap.js';

/** virDomainVcpuFlags VIR_DOMAIN_VCPU_MAXIMUM: ask for the maximum vCPU count. */
const VCPU_MAXIMUM = 4;
/** VIR_DOMAIN_MEMORY_STAT_NR in libvirt 9.x: the number of memory stat tags. */
const MEMORY_STAT_NR = 13;

/** RemoteBase plus the domain half of the Connection interface. */
export abstract class RemoteDomains extends RemoteBase {
  // domains

  async listAllDomains(flags = 0): Promise<DomainRef[]> {
    return (await this.call(P.CONNECT_LIST_ALL_DOMAINS, { need_results: 1, flags })).domains;
  }
  async lookupDomainByName(name: string): Promise<DomainRef> {
    return (await this.call(P.DOMAIN_LOOKUP_BY_NAME, { name })).dom;
  }
  async lookupDomainByUUID(uuid: string): Promise<DomainRef> {
    return (await this.call(P.DOMAIN_LOOKUP_BY_UUID, { uuid })).dom;
  }
  async lookupDomainByID(id: number): Promise<DomainRef> {
    return (await this.call(P.DOMAIN_LOOKUP_BY_ID, { id })).dom;
  }
  /** DOMAIN_DEFINE_XML (11), or DOMAIN_DEFINE_XML_FLAGS (350) when flags are given. */
  async domainDefineXML(xml: string, flags?: number): Promise<DomainRef> {
    if (flags === undefined) return (await this.call(P.DOMAIN_DEFINE_XML, { xml })).dom;
    return (await this.call(P.DOMAIN_DEFINE_XML_FLAGS, { xml, flags })).dom;
  }
  async domainCreateXML(xml: string, flags = 0): Promise<DomainRef> {
    return (await this.call(P.DOMAIN_CREATE_XML, { xml_desc: xml, flags })).dom;
  }
  /** DOMAIN_UNDEFINE (35), or DOMAIN_UNDEFINE_FLAGS (231) when flags are given. */
  async domainUndefine(dom: DomainRef, flags?: number): Promise<void> {
    if (flags === undefined) return this.call(P.DOMAIN_UNDEFINE, { dom });
    return this.call(P.DOMAIN_UNDEFINE_FLAGS, { dom, flags });
  }
  /** DOMAIN_CREATE_WITH_FLAGS (196), which returns the domain with its new id. */
  async domainCreate(dom: DomainRef, flags = 0): Promise<DomainRef> {
    return (await this.call(P.DOMAIN_CREATE_WITH_FLAGS, { dom, flags })).dom;
  }
  /** DOMAIN_SHUTDOWN (33), or DOMAIN_SHUTDOWN_FLAGS (258) when flags are given. */
  async domainShutdown(dom: DomainRef, flags?: number): Promise<void> {
    if (flags === undefined) return this.call(P.DOMAIN_SHUTDOWN, { dom });
    return this.call(P.DOMAIN_SHUTDOWN_FLAGS, { dom, flags });
  }
  /** DOMAIN_DESTROY (12), or DOMAIN_DESTROY_FLAGS (234) when flags are given. */
  async domainDestroy(dom: DomainRef, flags?: number): Promise<void> {
    if (flags === undefined) return this.call(P.DOMAIN_DESTROY, { dom });
    return this.call(P.DOMAIN_DESTROY_FLAGS, { dom, flags });
  }
  async domainReboot(dom: DomainRef, flags = 0): Promise<void> {
    return this.call(P.DOMAIN_REBOOT, { dom, flags });
  }
  async domainReset(dom: DomainRef, flags = 0): Promise<void> {
    return this.call(P.DOMAIN_RESET, { dom, flags });
  }
  async domainSuspend(dom: DomainRef): Promise<void> {
    return this.call(P.DOMAIN_SUSPEND, { dom });
  }
  async domainResume(dom: DomainRef): Promise<void> {
    return this.call(P.DOMAIN_RESUME, { dom });
  }
  async domainGetInfo(dom: DomainRef): Promise<DomainInfo> {
    const info = await this.call(P.DOMAIN_GET_INFO, { dom });
    return { ...info, state: info.state as DomainStateValue };
  }
  async domainGetState(dom: DomainRef): Promise<{ state: DomainStateValue; reason: number }> {
    const r = await this.call(P.DOMAIN_GET_STATE, { dom, flags: 0 });
    return { state: r.state as DomainStateValue, reason: r.reason };
  }
  async domainGetXMLDesc(dom: DomainRef, flags = 0): Promise<string> {
    return (await this.call(P.DOMAIN_GET_XML_DESC, { dom, flags })).xml;
  }
  async domainGetOSType(dom: DomainRef): Promise<string> {
    return (await this.call(P.DOMAIN_GET_OS_TYPE, { dom })).type;
  }
  async domainIsActive(dom: DomainRef): Promise<boolean> {
    return (await this.call(P.DOMAIN_IS_ACTIVE, { dom })).active;
  }
  async domainIsPersistent(dom: DomainRef): Promise<boolean> {
    return (await this.call(P.DOMAIN_IS_PERSISTENT, { dom })).persistent;
  }
  async domainGetAutostart(dom: DomainRef): Promise<boolean> {
    return (await this.call(P.DOMAIN_GET_AUTOSTART, { dom })).autostart;
  }
  async domainSetAutostart(dom: DomainRef, autostart: boolean): Promise<void> {
    return this.call(P.DOMAIN_SET_AUTOSTART, { dom, autostart });
  }
  /** DOMAIN_GET_VCPUS (20) with maxinfo = nrVirtCpu and one host-sized bitmap per vCPU. */
  async domainGetVcpus(dom: DomainRef): Promise<VcpuInfo[]> {
    const { nrVirtCpu } = await this.domainGetInfo(dom);
    const maplen = cpuMapLength(await this.hostCpuCount());
    const r = await this.call(P.DOMAIN_GET_VCPUS, { dom, maxinfo: nrVirtCpu, maplen });
    const maps = splitCpuMaps(r.cpumaps, maplen, r.info.length);
    return r.info.map((v, i) => ({
      number: v.number,
      state: v.state,
      cpuTimeNs: v.cpu_time,
      cpu: v.cpu,
      affinity: maps[i] ?? [],
    }));
  }
  /** DOMAIN_PIN_VCPU (26), or DOMAIN_PIN_VCPU_FLAGS (225) when flags are given. */
  async domainPinVcpu(dom: DomainRef, vcpu: number, cpus: number[], flags?: number): Promise<void> {
    const hostLen = cpuMapLength(await this.hostCpuCount());
    const cpumap = buildCpuMap(cpus, Math.max(hostLen, cpuMapLength(Math.max(0, ...cpus) + 1)));
    if (flags === undefined) return this.call(P.DOMAIN_PIN_VCPU, { dom, vcpu, cpumap });
    return this.call(P.DOMAIN_PIN_VCPU_FLAGS, { dom, vcpu, cpumap, flags });
  }
  /** DOMAIN_GET_VCPUS_FLAGS (200, maximum) for the count, then DOMAIN_GET_VCPU_PIN_INFO (230). */
  async domainGetVcpuPinInfo(dom: DomainRef, flags = 0): Promise<number[][]> {
    const { num: ncpumaps } = await this.call(P.DOMAIN_GET_VCPUS_FLAGS, { dom, flags: flags | VCPU_MAXIMUM });
    const maplen = cpuMapLength(await this.hostCpuCount());
    const r = await this.call(P.DOMAIN_GET_VCPU_PIN_INFO, { dom, ncpumaps, maplen, flags });
    return splitCpuMaps(r.cpumaps, maplen, r.num);
  }
  /** DOMAIN_SET_MEMORY (31), or DOMAIN_SET_MEMORY_FLAGS (204) when flags are given. */
  async domainSetMemory(dom: DomainRef, memoryKiB: bigint, flags?: number): Promise<void> {
    if (flags === undefined) return this.call(P.DOMAIN_SET_MEMORY, { dom, memory: memoryKiB });
    return this.call(P.DOMAIN_SET_MEMORY_FLAGS, { dom, memory: memoryKiB, flags });
  }
  async domainMemoryStats(dom: DomainRef): Promise<MemoryStat[]> {
    return (await this.call(P.DOMAIN_MEMORY_STATS, { dom, maxStats: MEMORY_STAT_NR, flags: 0 })).stats;
  }
  /** CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY (316); events arrive as 318; unsubscribe sends 317. */
  async onDomainLifecycle(
    listener: (ev: DomainLifecycleEvent) => void,
    dom?: DomainRef,
  ): Promise<Subscription> {
    this.requireEventCallbacks();
    return this.domainEvents.subscribe(
      listener,
      async () =>
        (
          await this.call(P.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, {
            eventID: EventId.DOMAIN_LIFECYCLE,
            dom: dom ?? null,
          })
        ).callbackID,
      (callbackID) => this.call(P.CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY, { callbackID }),
    );
  }
  /** DOMAIN_OPEN_CONSOLE (201), then the console's bytes as STREAM packets both ways. */
  async domainOpenConsole(dom: DomainRef, devName?: string, flags = 0): Promise<Duplex> {
    const args = encodeArgs(P.DOMAIN_OPEN_CONSOLE, { dom, dev_name: devName ?? null, flags });
    return openRemoteStream(this.session, P.DOMAIN_OPEN_CONSOLE, args);
  }
}
