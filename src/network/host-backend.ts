/** The data plane built with the host's own tools; for now the bridge, through iproute2. */
import type { NetworkBackend, NetworkPart } from './backend.js';
import { BridgePart } from './bridge-part.js';
import { IpTool } from './ip-tool.js';
import { hasOwnBridge, type NetworkDef } from './network-def.js';

/** Options of HostBackend. */
export interface HostBackendOptions {
  /** Run every `ip` command inside this network namespace (tests). */
  netns?: string;
}

/**
 * The host backend: a network with a bridge of its own gets that bridge; a `bridge` mode network uses
 * a host bridge that exists already and makes nothing. DHCP/DNS (dnsmasq) and NAT (nftables) are
 * further NetworkParts appended in partsFor.
 */
export class HostBackend implements NetworkBackend {
  readonly host: IpTool;
  private readonly bridge: BridgePart;

  constructor(options: HostBackendOptions = {}) {
    this.host = new IpTool(options.netns);
    this.bridge = new BridgePart(this.host);
  }

  partsFor(def: NetworkDef): NetworkPart[] {
    return hasOwnBridge(def) ? [this.bridge] : [];
  }
}
