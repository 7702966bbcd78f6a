/** The host part of an embedded connection: the machine's facts, and the hypervisor's name and version. */
import { hostname } from 'node:os';
import type { HostApi } from '../api/host-api.js';
import type { NodeInfo, NodeStat } from '../api/types.js';
import { TsvirtError } from '../errors.js';
import { LIBVIRT_API_VERSION, versionNumber } from '../version.js';
import { answerDomainCapabilities } from './domain-capabilities-query.js';
import {
  buildUncachedHostProbes,
  readCapabilities,
  readHostCpuFacts,
  readNodeInfo,
  type HostProbes,
} from './host-facts.js';
import { readCellsFreeMemory, readCpuStats, readFreeMemory, readMemoryStats } from './node-stats.js';
import { listNamedCpuModels } from '../kvm/qemu-caps-parse.js';
import { readSysinfo } from './sysinfo.js';

/** What the host driver asks of the hypervisor driver. */
export interface Hypervisor {
  getType(): Promise<string>;
  getVersion(): Promise<bigint>;
}

/** virConnectGet* of the host, as libvirt's QEMU driver answers them. */
export class HostDriver implements HostApi {
  constructor(
    private readonly hypervisor: Hypervisor,
    private readonly probes: HostProbes = buildUncachedHostProbes(),
  ) {}

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
    return readCapabilities(this.probes);
  }

  getNodeInfo(): Promise<NodeInfo> {
    return readNodeInfo();
  }

  /** The pc machine's limit, which qemu reports as 255 for x86_64. */
  async getMaxVcpus(_type?: string): Promise<number> {
    return 255;
  }

  async getDomainCapabilities(
    emulatorbin?: string,
    arch?: string,
    machine?: string,
    virttype?: string,
    _flags?: number,
  ): Promise<string> {
    const host = await readHostCpuFacts(this.probes);
    return answerDomainCapabilities(
      { emulatorbin, arch, machine, virttype },
      {
        qemuBinary: host.facts.qemuBinary,
        kvmUsable: host.facts.kvm.usable,
        kvmReason: host.facts.kvm.reason,
        cpuHostWorks: host.facts.cpuHostWorks,
        hostCpuModel: host.hostCpuModel,
        caps: host.caps,
        // tsvirt boots no <loader>/<nvram> yet: no UEFI to offer, even where OVMF is installed.
        firmwareImages: [],
      },
    );
  }

  /** qemu's named CPU models; libvirt answers for x86 arches only on an x86 host. */
  async getCpuModelNames(arch: string, _flags?: number): Promise<string[]> {
    if (arch !== 'x86_64' && arch !== 'i686') {
      throw new TsvirtError('ERR_NOT_SUPPORTED', `cannot find CPU models for architecture '${arch}'`, {
        field: 'arch',
        value: arch,
        expected: ['x86_64', 'i686'],
      });
    }
    const host = await readHostCpuFacts(this.probes);
    return listNamedCpuModels(host.caps).map((m) => m.name);
  }

  getSysinfo(_flags?: number): Promise<string> {
    return readSysinfo();
  }

  getNodeCpuStats(cpuNum: number, _flags?: number): Promise<NodeStat[]> {
    return readCpuStats(cpuNum);
  }

  getNodeMemoryStats(cellNum: number, _flags?: number): Promise<NodeStat[]> {
    return readMemoryStats(cellNum);
  }

  getCellsFreeMemory(startCell: number, maxCells: number): Promise<bigint[]> {
    return readCellsFreeMemory(startCell, maxCells);
  }

  getFreeMemory(): Promise<bigint> {
    return readFreeMemory();
  }
}
