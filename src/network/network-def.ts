/** A virtual network definition, as libvirt's network XML carries it. */

/** `<forward mode>` values tsvirt implements; a network without `<forward>` is isolated. */
export type ForwardMode = 'nat' | 'route' | 'open' | 'bridge';

/** `<forward>`: how traffic leaves the network. */
export interface ForwardDef {
  mode: ForwardMode;
  /** `dev`: the host interface traffic is limited to (nat and route). */
  dev?: string;
  /** `<nat>`: the source address and port ranges of NAT (nat mode). */
  nat?: {
    address?: { start: string; end: string };
    port?: { start: number; end: number };
  };
}

/** `<bridge>`: the Linux bridge of the network. */
export interface BridgeDef {
  name?: string;
  /** Spanning tree; libvirt's default is on. */
  stp?: boolean;
  /** Forward delay in seconds; libvirt's default is 0. */
  delay?: number;
}

/** A DHCP range, both ends inclusive. */
export interface DhcpRange {
  start: string;
  end: string;
}

/** `<dhcp><host>`: a fixed lease by MAC address (or by name). */
export interface DhcpHost {
  mac?: string;
  name?: string;
  ip: string;
}

/** `<ip>`: an IPv4 address of the bridge, with its subnet and DHCP service. */
export interface IpDef {
  address: string;
  prefix: number;
  /** Whether the XML gave `netmask` (kept so that the XML is written back the same way). */
  netmaskForm: boolean;
  dhcp?: { ranges: DhcpRange[]; hosts: DhcpHost[] };
}

/** `<dns><host>`: names the network's DNS server answers for one address. */
export interface DnsHost {
  ip: string;
  hostnames: string[];
}

/** A network definition. */
export interface NetworkDef {
  name: string;
  /** Lower-case canonical form. */
  uuid: string;
  forward?: ForwardDef;
  bridge?: BridgeDef;
  mtu?: number;
  mac?: string;
  domain?: { name: string; localOnly?: boolean };
  dns?: { hosts: DnsHost[] };
  ips: IpDef[];
}

/** Whether the network has a bridge of its own that tsvirt makes (every mode but `bridge`). */
export function hasOwnBridge(def: NetworkDef): boolean {
  return def.forward?.mode !== 'bridge';
}

/** A definition as its XML gave it: the uuid may be absent until define fills it. */
export type ParsedNetwork = Omit<NetworkDef, 'uuid'> & { uuid?: string };
