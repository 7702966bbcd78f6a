/** The data plane built with the host's own tools: the bridge (iproute2), dnsmasq and nftables. */
import type { NetworkBackend, NetworkPart } from './backend.js';
import { BridgePart } from './bridge-part.js';
import { needsDnsmasq } from './dnsmasq-config.js';
import { DnsmasqPart } from './dnsmasq-part.js';
import { IpTool } from './ip-tool.js';
import { hasOwnBridge, type NetworkDef } from './network-def.js';
import { NftPart } from './nft-part.js';
import { needsFirewall } from './nft-ruleset.js';

/** Options of HostBackend. */
export interface HostBackendOptions {
  /** Run every tool (ip, dnsmasq, nft, sysctl) inside this network namespace (tests). */
  netns?: string;
}

/**
 * The host backend: a network with a bridge of its own gets that bridge, then its dnsmasq when it has
 * an address, then its firewall table; a `bridge` mode network uses a host bridge that exists already
 * and makes nothing.
 */
export class HostBackend implements NetworkBackend {
  readonly host: IpTool;
  private readonly bridge: BridgePart;

  constructor(private readonly options: HostBackendOptions = {}) {
    this.host = new IpTool(options.netns);
    this.bridge = new BridgePart(this.host);
  }

  partsFor(def: NetworkDef, runDir: string): NetworkPart[] {
    if (!hasOwnBridge(def)) return [];
    const parts: NetworkPart[] = [this.bridge];
    if (needsDnsmasq(def)) parts.push(new DnsmasqPart(runDir, this.options.netns));
    if (needsFirewall(def)) parts.push(new NftPart(runDir, this.options.netns));
    return parts;
  }
}
