/** The network driver: virtual networks as libvirt's network driver keeps them, under one root. */
import { randomBytes } from 'node:crypto';
import type { NetworkApi } from '../api/network-api.js';
import {
  ListNetworksFlags as L,
  NetworkEvent,
  NetworkUpdateFlags as U,
  NetworkXmlFlags,
} from '../api/network-enums.js';
import type { NetworkDhcpLease, NetworkLifecycleEvent, NetworkRef, Subscription } from '../api/types.js';
import { TsvirtError } from '../errors.js';
import { generateRandomUuid } from '../fs/kernel-random.js';
import { checkFlags } from '../storage/storage-errors.js';
import type { NetworkBackend } from './backend.js';
import { HostBackend } from './host-backend.js';
import { DEFAULT_NETWORK_XML, fillNetworkDefaults } from './network-defaults.js';
import type { NetworkDef } from './network-def.js';
import { formatNetworkXml } from './network-format.js';
import { NetworkLifecycle } from './network-lifecycle.js';
import { buildNetworkInactiveError } from './network-ports.js';
import { NetworkRegistry, type NetworkEntry } from './network-registry.js';
import { NetworkStore } from './network-store.js';
import { applyNetworkEdit } from './network-update.js';
import { parseNetworkXml } from './network-xml.js';

/** Options of NetworkDriver.open. */
export interface NetworkDriverOptions {
  /** The tsvirt root; networks live under ROOT/etc/network and ROOT/run/network. */
  root: string;
  /** The data plane (default: the host's, through iproute2). */
  backend?: NetworkBackend;
  /** Mark the `default` network autostart when this open defines it (the system root only). */
  autostartDefault?: boolean;
  /** Start the networks marked autostart (once per host boot). */
  autostart?: boolean;
  /** Receives problems met while loading. */
  onWarning?: (message: string) => void;
}

const ALL_LIST_FLAGS = Object.values(L).reduce((a, b) => a | b, 0);

/** Virtual networks: definitions on disk, lookups, lifecycle through a NetworkBackend, and events. */
export class NetworkDriver implements NetworkApi {
  /** Problems met while loading, oldest first. */
  readonly warnings: string[] = [];
  private readonly reg = new NetworkRegistry();
  private readonly store: NetworkStore;
  private readonly backend: NetworkBackend;
  private readonly life: NetworkLifecycle;

  private constructor(private readonly options: NetworkDriverOptions) {
    const warn = (message: string): void => {
      this.warnings.push(message);
      options.onWarning?.(message);
    };
    this.store = new NetworkStore(options.root, warn);
    this.backend = options.backend ?? new HostBackend();
    this.life = new NetworkLifecycle(this.reg, this.store, this.backend, warn);
  }

  /** Loads the networks under `root`, re-adopts running ones, defines `default` on a new root, autostarts. */
  static async open(options: NetworkDriverOptions): Promise<NetworkDriver> {
    const driver = new NetworkDriver(options);
    await driver.load();
    return driver;
  }

  private async load(): Promise<void> {
    const { firstOpen } = await this.store.init();
    for (const def of await this.store.loadPersistent())
      this.reg.networks.set(def.name, { def, persistent: true, active: false, autostart: false });
    for (const name of await this.store.loadAutostart()) {
      const entry = this.reg.networks.get(name);
      if (entry) entry.autostart = true;
    }
    for (const def of await this.store.loadRunning()) await this.life.readopt(def);
    if (firstOpen && !this.reg.networks.has('default')) await this.defineDefault();
    if (!this.options.autostart) return;
    for (const entry of [...this.reg.networks.values()]) {
      if (!entry.autostart || entry.active) continue;
      await this.life
        .start(entry)
        .catch((err: Error) =>
          this.warnings.push(`network '${entry.def.name}' did not autostart: ${err.message}`),
        );
    }
  }

  private async defineDefault(): Promise<void> {
    const entry = await this.define(DEFAULT_NETWORK_XML, true);
    if (this.options.autostartDefault) {
      await this.store.setAutostart('default', true);
      entry.autostart = true;
    }
  }

  /** Nothing to release; networks keep running, as libvirt's do. */
  async close(): Promise<void> {}

  /** Parses, fills libvirt's defaults and checks against the other networks. */
  private async prepare(xml: string): Promise<NetworkDef> {
    const parsed = parseNetworkXml(xml);
    // The host's links matter only when a bridge name is to be picked.
    const picks = parsed.forward?.mode !== 'bridge' && parsed.bridge?.name === undefined;
    const links = picks ? await this.backend.host.listLinks().catch(() => [] as string[]) : [];
    const used = new Set([...this.reg.bridgeNames(parsed.name), ...links]);
    const def = fillNetworkDefaults(parsed, { uuid: generateRandomUuid, randomBytes, usedBridgeNames: used });
    this.reg.checkConflicts(def);
    return def;
  }

  private async define(xml: string, persistent: boolean): Promise<NetworkEntry> {
    const def = await this.prepare(xml);
    return this.reg.withLock(def.name, async () => {
      const existing = this.reg.networks.get(def.name);
      if (existing && !persistent) {
        throw new TsvirtError(
          'ERR_NETWORK_EXISTS',
          `network '${def.name}' already exists; use another name`,
          { network: def.name },
        );
      }
      if (persistent) await this.store.savePersistent(def);
      if (existing) {
        existing.persistent = true;
        if (existing.active) existing.nextDef = def;
        else existing.def = def;
        this.reg.emit(existing, NetworkEvent.DEFINED);
        return existing;
      }
      const entry: NetworkEntry = { def, persistent, active: false, autostart: false };
      this.reg.networks.set(def.name, entry);
      if (persistent) this.reg.emit(entry, NetworkEvent.DEFINED);
      return entry;
    });
  }

  async listAllNetworks(flags?: number): Promise<NetworkRef[]> {
    const f = checkFlags(flags, ALL_LIST_FLAGS, 'virConnectListAllNetworks');
    const pass = (on: number, off: number, value: boolean): boolean =>
      (f & (on | off)) === 0 || (value ? (f & on) !== 0 : (f & off) !== 0);
    return [...this.reg.networks.values()]
      .filter((e) => pass(L.ACTIVE, L.INACTIVE, e.active))
      .filter((e) => pass(L.PERSISTENT, L.TRANSIENT, e.persistent))
      .filter((e) => pass(L.AUTOSTART, L.NO_AUTOSTART, e.autostart))
      .map((e) => this.reg.refOf(e));
  }
  async lookupNetworkByName(name: string): Promise<NetworkRef> {
    return this.reg.refOf(this.reg.get(name));
  }
  async lookupNetworkByUUID(uuid: string): Promise<NetworkRef> {
    return this.reg.refOf(this.reg.getByUuid(uuid));
  }
  async networkDefineXML(xml: string): Promise<NetworkRef> {
    return this.reg.refOf(await this.define(xml, true));
  }
  async networkCreateXML(xml: string): Promise<NetworkRef> {
    const entry = await this.define(xml, false);
    return this.reg.withLock(entry.def.name, async () => {
      try {
        await this.life.start(entry);
      } catch (err) {
        this.reg.networks.delete(entry.def.name);
        throw err;
      }
      return this.reg.refOf(entry);
    });
  }
  async networkUndefine(net: NetworkRef): Promise<void> {
    await this.reg.withLock(net.name, async () => {
      const entry = this.reg.get(net);
      if (!entry.persistent) {
        throw new TsvirtError(
          'ERR_OPERATION_INVALID',
          `network '${net.name}' is transient; stop it with net-destroy`,
          { network: net.name },
        );
      }
      await this.store.removePersistent(net.name);
      entry.persistent = false;
      entry.autostart = false;
      delete entry.nextDef;
      this.reg.emit(entry, NetworkEvent.UNDEFINED);
      if (!entry.active) this.reg.networks.delete(net.name);
    });
  }
  async networkCreate(net: NetworkRef): Promise<void> {
    await this.reg.withLock(net.name, () => this.life.start(this.reg.get(net)));
  }
  async networkDestroy(net: NetworkRef): Promise<void> {
    await this.reg.withLock(net.name, () => this.life.stop(this.reg.get(net)));
  }
  async networkGetXMLDesc(net: NetworkRef, flags?: number): Promise<string> {
    const f = checkFlags(flags, NetworkXmlFlags.INACTIVE, 'virNetworkGetXMLDesc');
    const entry = this.reg.get(net);
    const def = f & NetworkXmlFlags.INACTIVE ? (entry.nextDef ?? entry.def) : entry.def;
    return formatNetworkXml(def);
  }
  async networkIsActive(net: NetworkRef): Promise<boolean> {
    return this.reg.get(net).active;
  }
  async networkIsPersistent(net: NetworkRef): Promise<boolean> {
    return this.reg.get(net).persistent;
  }
  async networkGetAutostart(net: NetworkRef): Promise<boolean> {
    return this.reg.get(net).autostart;
  }
  async networkSetAutostart(net: NetworkRef, autostart: boolean): Promise<void> {
    await this.reg.withLock(net.name, async () => {
      const entry = this.reg.get(net);
      if (!entry.persistent) {
        throw new TsvirtError(
          'ERR_OPERATION_INVALID',
          `cannot set autostart for transient network '${net.name}'; define it first`,
          { network: net.name },
        );
      }
      await this.store.setAutostart(net.name, autostart);
      entry.autostart = autostart;
    });
  }
  async networkGetBridgeName(net: NetworkRef): Promise<string> {
    const entry = this.reg.get(net);
    const name = entry.def.bridge?.name;
    if (name === undefined) {
      throw new TsvirtError('ERR_OPERATION_INVALID', `network '${net.name}' does not have a bridge name`, {
        network: net.name,
      });
    }
    return name;
  }
  async networkGetDHCPLeases(net: NetworkRef, mac?: string, flags?: number): Promise<NetworkDhcpLease[]> {
    checkFlags(flags, 0, 'virNetworkGetDHCPLeases');
    const entry = this.reg.get(net);
    if (!entry.active) return [];
    const leases: NetworkDhcpLease[] = [];
    for (const part of this.life.parts(entry.def)) {
      for (const l of (await part.leases?.(entry.def)) ?? []) {
        if (mac !== undefined && l.mac !== mac.toLowerCase()) continue;
        leases.push({
          iface: l.iface,
          expirytime: l.expiryTime,
          type: 0,
          mac: l.mac,
          iaid: null,
          ipaddr: l.ipaddr,
          prefix: l.prefix,
          hostname: l.hostname ?? null,
          clientid: l.clientid ?? null,
        });
      }
    }
    return leases;
  }
  async networkUpdate(
    net: NetworkRef,
    command: number,
    section: number,
    parentIndex: number,
    xml: string,
    flags?: number,
  ): Promise<void> {
    const f = checkFlags(flags, U.AFFECT_LIVE | U.AFFECT_CONFIG, 'virNetworkUpdate');
    await this.reg.withLock(net.name, async () => {
      const entry = this.reg.get(net);
      const live = f === U.AFFECT_CURRENT ? entry.active : (f & U.AFFECT_LIVE) !== 0;
      const config = f === U.AFFECT_CURRENT ? !entry.active : (f & U.AFFECT_CONFIG) !== 0;
      if (live && !entry.active) {
        throw new TsvirtError(
          'ERR_OPERATION_INVALID',
          `network '${net.name}' is not active; update its config with --config`,
          { network: net.name },
        );
      }
      if (config && !entry.persistent) {
        throw new TsvirtError(
          'ERR_OPERATION_INVALID',
          `network '${net.name}' is transient; it has no config to update`,
          { network: net.name },
        );
      }
      const edit = { command, section, parentIndex, xml };
      const nextConfig = config ? applyNetworkEdit(entry.nextDef ?? entry.def, edit) : undefined;
      const nextLive = live ? applyNetworkEdit(entry.def, edit) : undefined;
      if (nextConfig) await this.store.savePersistent(nextConfig);
      if (nextLive) {
        await this.life.update(nextLive);
        await this.store.saveRunning(nextLive);
        entry.def = nextLive;
      }
      if (nextConfig) {
        if (entry.active) entry.nextDef = nextConfig;
        else entry.def = nextConfig;
      }
    });
  }
  /** Whether network `name` is defined and running. */
  isRunning(name: string): boolean {
    return this.reg.networks.get(name)?.active === true;
  }

  /** Where a starting guest's NIC on network `name` plugs in: the running network's bridge and MTU. */
  portFor(name: string): { bridge: string; mtu?: number } {
    const entry = this.reg.get(name);
    if (!entry.active) throw buildNetworkInactiveError(name);
    const bridge = entry.def.bridge?.name;
    if (bridge === undefined) throw buildNetworkInactiveError(name);
    return { bridge, ...(entry.def.mtu === undefined ? {} : { mtu: entry.def.mtu }) };
  }

  async onNetworkLifecycle(
    listener: (ev: NetworkLifecycleEvent) => void,
    net?: NetworkRef,
  ): Promise<Subscription> {
    return this.reg.subscribe(listener, net);
  }
}
