/**
 * The seam between the network driver and the host's data plane. The driver decides what runs and
 * keeps the state; a backend makes it real. Each part (bridge, DHCP and DNS, firewall) is its own
 * NetworkPart so that the bridge, dnsmasq and nftables come and go in order (the last two together,
 * once the bridge is up) and are undone in reverse.
 */
import type { NetworkDef } from './network-def.js';
import type { HostRoute } from './host-routes.js';

/** A DHCP lease as virNetworkGetDHCPLeases reports it. */
export interface DhcpLeaseRecord {
  iface: string;
  /** Seconds since the epoch. */
  expiryTime: bigint;
  mac: string;
  ipaddr: string;
  prefix: number;
  hostname?: string;
  clientid?: string;
}

/** One piece of a running network (the bridge, the DHCP server, the firewall table). */
export interface NetworkPart {
  /** A short name for messages: `bridge`, `dnsmasq`, `nftables`. */
  readonly name: string;
  /**
   * Whether the piece, found gone when a restarted driver re-adopts the network, is started again
   * under the running network (dnsmasq, the firewall table); without it (the bridge, which the
   * guests' taps were on) the network is stopped instead.
   */
  readonly restartable?: boolean;
  /**
   * Whether the piece starts at the same time as the other such pieces next to it in the start order,
   * once the pieces before them run (dnsmasq and the firewall table need only the bridge).
   */
  readonly alongside?: boolean;
  /** Makes the piece; throws when it cannot, having undone its own half-made state. */
  start(def: NetworkDef): Promise<void>;
  /** Removes the piece; a piece already gone is no error. */
  stop(def: NetworkDef): Promise<void>;
  /** Whether the piece is there as `start` left it (re-adoption after a daemon restart). */
  isUp(def: NetworkDef): Promise<boolean>;
  /** Applies a live change of DHCP hosts or DNS hosts; parts that do not care do nothing. */
  update?(def: NetworkDef): Promise<void>;
  /** Leases handed out, for the part that serves DHCP. */
  leases?(def: NetworkDef): Promise<DhcpLeaseRecord[]>;
}

/** What the driver asks of the host. */
export interface HostNetwork {
  /** Names of the host's network interfaces. */
  listLinks(): Promise<string[]>;
  /** The host's IPv4 routes of the main table. */
  listRoutes(): Promise<HostRoute[]>;
}

/** The data plane: the host probe and the parts of a running network, in start order. */
export interface NetworkBackend {
  readonly host: HostNetwork;
  /** The parts a network of this definition needs, in the order they start; `runDir` holds their files. */
  partsFor(def: NetworkDef, runDir: string): NetworkPart[];
}
