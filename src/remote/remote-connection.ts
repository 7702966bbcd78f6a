/**
 * RemoteConnection: the Connection interface over libvirt's RPC, for libvirtd and tsvirtd alike.
 * Each method names the procedure it sends; the codecs live in structs-*.ts.
 */
import type {
  Connection,
  DomainInfo,
  DomainLifecycleEvent,
  DomainRef,
  DomainStateValue,
  MemoryStat,
  NodeInfo,
  PoolInfo,
  PoolLifecycleEvent,
  PoolRef,
  Subscription,
  VcpuInfo,
  VolumeInfo,
  VolumeRef,
} from '../connection.js';
import { isTsvirtError, TsvirtError } from '../errors.js';
import { AuthType, EventId, Feature, OpenFlag, Procedure as P } from './protocol.js';
import type { RpcSession } from './rpc-session.js';
import {
  decodeMessage,
  decodeRet,
  encodeArgs,
  type ArgsOf,
  type KnownProcedure,
  type RetOf,
} from './structs.js';
import { CallbackEvents } from './callback-events.js';
import { buildCpuMap, cpuMapLength, splitCpuMaps } from './cpumap.js';

/** What RemoteConnection.open needs besides the session. */
export interface RemoteOpenOptions {
  /** The URI the caller gave, kept as `uri`. */
  uri: string;
  /** The name sent in CONNECT_OPEN, e.g. `qemu:///system`. */
  name: string;
  readOnly?: boolean;
  onWarning?: (message: string, fields: Record<string, unknown>) => void;
}

/** virDomainVcpuFlags VIR_DOMAIN_VCPU_MAXIMUM: ask for the maximum vCPU count. */
const VCPU_MAXIMUM = 4;
/** VIR_DOMAIN_MEMORY_STAT_NR in libvirt 9.x: the number of memory stat tags. */
const MEMORY_STAT_NR = 13;

/** A libvirt-protocol client connection. */
export class RemoteConnection implements Connection {
  private readonly domainEvents: CallbackEvents<DomainLifecycleEvent>;
  private readonly poolEvents: CallbackEvents<PoolLifecycleEvent>;
  private hostCpus: number | undefined;
  /** Whether the server answered 1 to feature 14 (REMOTE_EVENT_CALLBACK). */
  private eventCallbacks = false;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly session: RpcSession,
    readonly uri: string,
    readonly readOnly: boolean,
    warn: (message: string, fields: Record<string, unknown>) => void,
  ) {
    this.domainEvents = new CallbackEvents(warn);
    this.poolEvents = new CallbackEvents(warn);
    session.onMessage(P.DOMAIN_EVENT_CALLBACK_LIFECYCLE, (payload) => {
      const m = decodeMessage(P.DOMAIN_EVENT_CALLBACK_LIFECYCLE, payload);
      this.domainEvents.deliver(m.callbackID, { dom: m.dom, event: m.event, detail: m.detail });
    });
    session.onMessage(P.STORAGE_POOL_EVENT_LIFECYCLE, (payload) => {
      const m = decodeMessage(P.STORAGE_POOL_EVENT_LIFECYCLE, payload);
      this.poolEvents.deliver(m.callbackID, { pool: m.pool, event: m.event, detail: m.detail });
    });
    session.onClose(() => {
      this.domainEvents.clear();
      this.poolEvents.clear();
    });
  }

  /**
   * Runs virsh's handshake on an open session: AUTH_LIST, SUPPORTS_FEATURE(10), CONNECT_OPEN,
   * SUPPORTS_FEATURE(14). Closes the session when the open fails.
   */
  static async open(session: RpcSession, options: RemoteOpenOptions): Promise<RemoteConnection> {
    const warn = options.onWarning ?? ((message: string) => process.emitWarning(message, 'TsvirtRpcWarning'));
    const conn = new RemoteConnection(session, options.uri, options.readOnly ?? false, warn);
    try {
      await conn.handshake(options.name);
    } catch (err) {
      session.close();
      throw err;
    }
    return conn;
  }

  private async handshake(name: string): Promise<void> {
    const auth = await this.call(P.AUTH_LIST, undefined).catch(() => ({ types: [AuthType.NONE] }));
    if (auth.types.length > 0 && !auth.types.includes(AuthType.NONE)) {
      throw new TsvirtError(
        'ERR_AUTH_FAILED',
        `${this.uri}: the server requires authentication (types ${auth.types.join(', ')}) that tsvirt does not support; set auth_tcp/auth_unix_rw = "none" on the server`,
        { uri: this.uri, authTypes: auth.types },
      );
    }
    await this.supportsFeature(Feature.PROGRAM_KEEPALIVE);
    await this.call(P.CONNECT_OPEN, { name, flags: this.readOnly ? OpenFlag.READ_ONLY : 0 });
    this.eventCallbacks = await this.supportsFeature(Feature.REMOTE_EVENT_CALLBACK);
  }

  private async supportsFeature(feature: number): Promise<boolean> {
    try {
      return (await this.call(P.CONNECT_SUPPORTS_FEATURE, { feature })).supported;
    } catch (err) {
      if (isTsvirtError(err, 'ERR_CONNECTION_CLOSED')) throw err;
      return false;
    }
  }

  /** Sends one procedure and decodes its ret. */
  private async call<Q extends KnownProcedure>(proc: Q, args: ArgsOf<Q>): Promise<RetOf<Q>> {
    return decodeRet(proc, await this.session.call(proc, encodeArgs(proc, args)));
  }

  /** CONNECT_CLOSE, then the socket closes. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.session.closed) await this.call(P.CONNECT_CLOSE, undefined).catch(() => undefined);
      this.session.close();
    })();
    return this.closing;
  }

  // host

  async getType(): Promise<string> {
    return (await this.call(P.CONNECT_GET_TYPE, undefined)).type;
  }
  async getVersion(): Promise<bigint> {
    return (await this.call(P.CONNECT_GET_VERSION, undefined)).hv_ver;
  }
  async getLibVersion(): Promise<bigint> {
    return (await this.call(P.CONNECT_GET_LIB_VERSION, undefined)).lib_ver;
  }
  async getHostname(): Promise<string> {
    return (await this.call(P.CONNECT_GET_HOSTNAME, undefined)).hostname;
  }
  async getCapabilities(): Promise<string> {
    return (await this.call(P.CONNECT_GET_CAPABILITIES, undefined)).capabilities;
  }
  async getNodeInfo(): Promise<NodeInfo> {
    return this.call(P.NODE_GET_INFO, undefined);
  }
  async getMaxVcpus(type?: string): Promise<number> {
    return (await this.call(P.CONNECT_GET_MAX_VCPUS, { type: type ?? null })).max_vcpus;
  }

  /** Host CPU count from NODE_GET_CPU_MAP (293), else NODE_GET_INFO (6), as virsh does. */
  private async hostCpuCount(): Promise<number> {
    if (this.hostCpus === undefined) {
      this.hostCpus = await this.call(P.NODE_GET_CPU_MAP, { need_map: 0, need_online: 0, flags: 0 })
        .then((r) => r.ret)
        .catch(async () => (await this.getNodeInfo()).cpus);
    }
    return this.hostCpus;
  }

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

  private requireEventCallbacks(): void {
    if (this.eventCallbacks) return;
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `${this.uri}: the server lacks callback events (feature 14); upgrade it to libvirt 1.2.1 or later`,
      { uri: this.uri, feature: Feature.REMOTE_EVENT_CALLBACK },
    );
  }

  // storage pools

  async listAllStoragePools(flags = 0): Promise<PoolRef[]> {
    return (await this.call(P.CONNECT_LIST_ALL_STORAGE_POOLS, { need_results: 1, flags })).pools;
  }
  async lookupStoragePoolByName(name: string): Promise<PoolRef> {
    return (await this.call(P.STORAGE_POOL_LOOKUP_BY_NAME, { name })).pool;
  }
  async lookupStoragePoolByUUID(uuid: string): Promise<PoolRef> {
    return (await this.call(P.STORAGE_POOL_LOOKUP_BY_UUID, { uuid })).pool;
  }
  async lookupStoragePoolByVolume(vol: VolumeRef): Promise<PoolRef> {
    return (await this.call(P.STORAGE_POOL_LOOKUP_BY_VOLUME, { vol })).pool;
  }
  async storagePoolDefineXML(xml: string, flags = 0): Promise<PoolRef> {
    return (await this.call(P.STORAGE_POOL_DEFINE_XML, { xml, flags })).pool;
  }
  async storagePoolCreateXML(xml: string, flags = 0): Promise<PoolRef> {
    return (await this.call(P.STORAGE_POOL_CREATE_XML, { xml, flags })).pool;
  }
  async storagePoolBuild(pool: PoolRef, flags = 0): Promise<void> {
    return this.call(P.STORAGE_POOL_BUILD, { pool, flags });
  }
  async storagePoolCreate(pool: PoolRef, flags = 0): Promise<void> {
    return this.call(P.STORAGE_POOL_CREATE, { pool, flags });
  }
  async storagePoolDestroy(pool: PoolRef): Promise<void> {
    return this.call(P.STORAGE_POOL_DESTROY, { pool });
  }
  async storagePoolDelete(pool: PoolRef, flags = 0): Promise<void> {
    return this.call(P.STORAGE_POOL_DELETE, { pool, flags });
  }
  async storagePoolUndefine(pool: PoolRef): Promise<void> {
    return this.call(P.STORAGE_POOL_UNDEFINE, { pool });
  }
  async storagePoolRefresh(pool: PoolRef, flags = 0): Promise<void> {
    return this.call(P.STORAGE_POOL_REFRESH, { pool, flags });
  }
  async storagePoolGetInfo(pool: PoolRef): Promise<PoolInfo> {
    return this.call(P.STORAGE_POOL_GET_INFO, { pool });
  }
  async storagePoolGetXMLDesc(pool: PoolRef, flags = 0): Promise<string> {
    return (await this.call(P.STORAGE_POOL_GET_XML_DESC, { pool, flags })).xml;
  }
  async storagePoolIsActive(pool: PoolRef): Promise<boolean> {
    return (await this.call(P.STORAGE_POOL_IS_ACTIVE, { pool })).active;
  }
  async storagePoolIsPersistent(pool: PoolRef): Promise<boolean> {
    return (await this.call(P.STORAGE_POOL_IS_PERSISTENT, { pool })).persistent;
  }
  async storagePoolGetAutostart(pool: PoolRef): Promise<boolean> {
    return (await this.call(P.STORAGE_POOL_GET_AUTOSTART, { pool })).autostart;
  }
  async storagePoolSetAutostart(pool: PoolRef, autostart: boolean): Promise<void> {
    return this.call(P.STORAGE_POOL_SET_AUTOSTART, { pool, autostart });
  }
  /** CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY (368); events arrive as 370; unsubscribe sends 369. */
  async onStoragePoolLifecycle(
    listener: (ev: PoolLifecycleEvent) => void,
    pool?: PoolRef,
  ): Promise<Subscription> {
    this.requireEventCallbacks();
    return this.poolEvents.subscribe(
      listener,
      async () =>
        (
          await this.call(P.CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY, {
            eventID: EventId.STORAGE_POOL_LIFECYCLE,
            pool: pool ?? null,
          })
        ).callbackID,
      (callbackID) => this.call(P.CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY, { callbackID }),
    );
  }

  // storage volumes

  async storagePoolListAllVolumes(pool: PoolRef, flags = 0): Promise<VolumeRef[]> {
    return (await this.call(P.STORAGE_POOL_LIST_ALL_VOLUMES, { pool, need_results: 1, flags })).vols;
  }
  async storageVolLookupByName(pool: PoolRef, name: string): Promise<VolumeRef> {
    return (await this.call(P.STORAGE_VOL_LOOKUP_BY_NAME, { pool, name })).vol;
  }
  async storageVolLookupByKey(key: string): Promise<VolumeRef> {
    return (await this.call(P.STORAGE_VOL_LOOKUP_BY_KEY, { key })).vol;
  }
  async storageVolLookupByPath(path: string): Promise<VolumeRef> {
    return (await this.call(P.STORAGE_VOL_LOOKUP_BY_PATH, { path })).vol;
  }
  async storageVolCreateXML(pool: PoolRef, xml: string, flags = 0): Promise<VolumeRef> {
    return (await this.call(P.STORAGE_VOL_CREATE_XML, { pool, xml, flags })).vol;
  }
  async storageVolCreateXMLFrom(
    pool: PoolRef,
    xml: string,
    source: VolumeRef,
    flags = 0,
  ): Promise<VolumeRef> {
    return (await this.call(P.STORAGE_VOL_CREATE_XML_FROM, { pool, xml, clonevol: source, flags })).vol;
  }
  async storageVolDelete(vol: VolumeRef, flags = 0): Promise<void> {
    return this.call(P.STORAGE_VOL_DELETE, { vol, flags });
  }
  async storageVolWipe(vol: VolumeRef, flags = 0): Promise<void> {
    return this.call(P.STORAGE_VOL_WIPE, { vol, flags });
  }
  async storageVolResize(vol: VolumeRef, capacity: bigint, flags = 0): Promise<void> {
    return this.call(P.STORAGE_VOL_RESIZE, { vol, capacity, flags });
  }
  async storageVolGetInfo(vol: VolumeRef): Promise<VolumeInfo> {
    return this.call(P.STORAGE_VOL_GET_INFO, { vol });
  }
  async storageVolGetXMLDesc(vol: VolumeRef, flags = 0): Promise<string> {
    return (await this.call(P.STORAGE_VOL_GET_XML_DESC, { vol, flags })).xml;
  }
  async storageVolGetPath(vol: VolumeRef): Promise<string> {
    return (await this.call(P.STORAGE_VOL_GET_PATH, { vol })).name;
  }
}
