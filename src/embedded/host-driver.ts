/** The host part of an embedded connection: the machine's facts, and the hypervisor's name and version. */
import { hostname } from 'node:os';
import type { HostApi } from '../api/host-api.js';
import type { NodeInfo } from '../api/types.js';
import { LIBVIRT_API_VERSION, versionNumber } from '../version.js';
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

  /** The libvirt API level tsvirt implements (LIBVIRT_API_VERSION), which clients gate features on. */
  async getLibVersion(): Promise<bigint> {
    return versionNumber(LIBVIRT_API_VERSION);
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
