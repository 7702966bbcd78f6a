/** The virtual network part of a Connection (libvirt's virNetwork* calls); the network driver implements it. */
import type { NetworkDhcpLease, NetworkLifecycleEvent, NetworkRef, Subscription } from './types.js';

/** Virtual networks: lookup, definition, lifecycle, DHCP leases, live updates and events. */
export interface NetworkApi {
  listAllNetworks(flags?: number): Promise<NetworkRef[]>;
  lookupNetworkByName(name: string): Promise<NetworkRef>;
  lookupNetworkByUUID(uuid: string): Promise<NetworkRef>;
  networkDefineXML(xml: string): Promise<NetworkRef>;
  networkCreateXML(xml: string): Promise<NetworkRef>;
  networkUndefine(net: NetworkRef): Promise<void>;
  networkCreate(net: NetworkRef): Promise<void>;
  networkDestroy(net: NetworkRef): Promise<void>;
  networkGetXMLDesc(net: NetworkRef, flags?: number): Promise<string>;
  networkIsActive(net: NetworkRef): Promise<boolean>;
  networkIsPersistent(net: NetworkRef): Promise<boolean>;
  networkGetAutostart(net: NetworkRef): Promise<boolean>;
  networkSetAutostart(net: NetworkRef, autostart: boolean): Promise<void>;
  networkGetBridgeName(net: NetworkRef): Promise<string>;
  networkGetDHCPLeases(net: NetworkRef, mac?: string, flags?: number): Promise<NetworkDhcpLease[]>;
  /** virNetworkUpdate: `command` a NetworkUpdateCommand, `section` a NetworkUpdateSection. */
  networkUpdate(
    net: NetworkRef,
    command: number,
    section: number,
    parentIndex: number,
    xml: string,
    flags?: number,
  ): Promise<void>;
  onNetworkLifecycle(listener: (ev: NetworkLifecycleEvent) => void, net?: NetworkRef): Promise<Subscription>;
}
