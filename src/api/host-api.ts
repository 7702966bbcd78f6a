/** The host half of a Connection: what the hypervisor and the machine are. */
import type { NodeInfo } from './types.js';

/** virConnectGetType and friends. */
export interface HostApi {
  getType(): Promise<string>;
  getVersion(): Promise<bigint>;
  getLibVersion(): Promise<bigint>;
  getHostname(): Promise<string>;
  getCapabilities(): Promise<string>;
  getNodeInfo(): Promise<NodeInfo>;
  getMaxVcpus(type?: string): Promise<number>;
}
