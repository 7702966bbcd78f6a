/** The host half of a Connection: what the hypervisor and the machine are. */
import type { NodeInfo, NodeStat } from './types.js';

/** virConnectGetType and friends. */
export interface HostApi {
  getType(): Promise<string>;
  getVersion(): Promise<bigint>;
  getLibVersion(): Promise<bigint>;
  getHostname(): Promise<string>;
  getCapabilities(): Promise<string>;
  getNodeInfo(): Promise<NodeInfo>;
  getMaxVcpus(type?: string): Promise<number>;
  /** virConnectGetDomainCapabilities: arguments left undefined take the host's defaults. */
  getDomainCapabilities(
    emulatorbin?: string,
    arch?: string,
    machine?: string,
    virttype?: string,
    flags?: number,
  ): Promise<string>;
  /** virConnectGetCPUModelNames: the CPU models qemu offers for `arch`. */
  getCpuModelNames(arch: string, flags?: number): Promise<string[]>;
  /** virConnectGetSysinfo: the host's SMBIOS tables as <sysinfo type='smbios'>. */
  getSysinfo(flags?: number): Promise<string>;
  /** virNodeGetCPUStats: kernel, user, idle and iowait in ns, of one CPU or all (-1). */
  getNodeCpuStats(cpuNum: number, flags?: number): Promise<NodeStat[]>;
  /** virNodeGetMemoryStats: total, free, buffers, cached in KiB, of the host (-1) or one cell. */
  getNodeMemoryStats(cellNum: number, flags?: number): Promise<NodeStat[]>;
  /** virNodeGetCellsFreeMemory: free bytes of up to `maxCells` NUMA cells from `startCell`. */
  getCellsFreeMemory(startCell: number, maxCells: number): Promise<bigint[]>;
  /** virNodeGetFreeMemory: free bytes of the host. */
  getFreeMemory(): Promise<bigint>;
}
