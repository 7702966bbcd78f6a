/** The host part of an embedded connection: the machine's facts, and the hypervisor's name and version. */
import { hostname } from 'node:os';
import type { HostApi } from '../api/host-api.js';
import type { NodeInfo } from '../api/types.js';
import { VERSION } from '../version.js';
import { readCapabilities, readNodeInfo } from './host-facts.js';

/** What the host driver asks of the hypervisor driver. */
export interface Hypervisor {
  getType(): Promise<string>;
  getVersion(): Promise<bigint>;
}

/** virConnectGet* of the host, as libvirt's QEMU driver answers them. */
export class HostDriver implements HostApi {
  constructor(private readonly hypervisor: Hypervisor) {}

  getType(): Promise<string> {
    return this.hypervisor.getType();
  }

  getVersion(): Promise<bigint> {
    return this.hypervisor.getVersion();
  }

  async getLibVersion(): Promise<bigint> {
    const [major = 0, minor = 0, micro = 0] = VERSION.split('.').map(Number);
    return BigInt(major * 1_000_000 + minor * 1_000 + micro);
  }

  async getHostname(): Promise<string> {
    return hostname();
  }

  getCapabilities(): Promise<string> {
    return readCapabilities();
  }

  getNodeInfo(): Promise<NodeInfo> {
    return readNodeInfo();
  }

  /** The pc machine's limit, which qemu reports as 255 for x86_64. */
  async getMaxVcpus(_type?: string): Promise<number> {
    return 255;
  }
}
