import { readFile } from 'node:fs/promises';
import { readHostUuid } from '../kvm/host-uuid.js';
import type { NodeInfo } from '../connection.js';
import { getHostCpuCount } from '../kvm/affinity.js';
import { parseCpuinfo } from '../kvm/cpuinfo.js';
import { buildNodeInfo, parseMemTotalKiB } from './node-info.js';
import { buildCapabilitiesXml } from './capabilities.js';
import { MACHINE_PATTERN } from '../domain/parse-os.js';
import { memoizeAsync, probeHostFacts } from '../driver/host.js';
import type { HostFacts } from '../driver/index.js';
import { parseCpuSignature, pickHostCpuModel } from './host-cpu-model.js';
import { buildQemuCapsProbe } from '../kvm/qemu-caps-probe.js';
import { readCells } from './node-stats.js';
import type { QemuCaps } from '../kvm/qemu-caps-parse.js';

/** Reads virNodeInfo from /proc. */
export async function readNodeInfo(): Promise<NodeInfo> {
  const [cpuinfoText, meminfo] = await Promise.all([
    readFile('/proc/cpuinfo', 'utf8'),
    readFile('/proc/meminfo', 'utf8'),
  ]);
  return buildNodeInfo({
    cpuinfoText,
    memTotalKiB: parseMemTotalKiB(meminfo),
    onlineCpus: getHostCpuCount(),
  });
}

/** The cached probes the host driver reads: the host facts and qemu's machines and CPU models. */
export interface HostProbes {
  hostFacts: () => Promise<HostFacts>;
  qemuCaps: (binary: string) => Promise<QemuCaps>;
}

/** The probes without a cache file (each runs once per process). */
export function buildUncachedHostProbes(): HostProbes {
  return { hostFacts: memoizeAsync(probeHostFacts), qemuCaps: buildQemuCapsProbe() };
}

/** What the capabilities and domain capabilities are built from, probed once and cached. */
export interface HostCpuFacts {
  facts: HostFacts;
  caps: QemuCaps;
  cpuinfoText: string;
  /** The host CPU as a qemu model name (pickHostCpuModel). */
  hostCpuModel: string;
}

/** Reads the host facts, qemu's capabilities and /proc/cpuinfo, and picks the host CPU model. */
export async function readHostCpuFacts(probes: HostProbes): Promise<HostCpuFacts> {
  const facts = await probes.hostFacts();
  const [caps, cpuinfoText] = await Promise.all([
    probes.qemuCaps(facts.qemuBinary),
    readFile('/proc/cpuinfo', 'utf8'),
  ]);
  const hostCpuModel = pickHostCpuModel(parseCpuSignature(cpuinfoText), caps.cpuModels, facts.kvm.usable);
  return { facts, caps, cpuinfoText, hostCpuModel };
}

/**
 * Builds the capabilities XML from the host probe: the guest type 'kvm' is listed only when the
 * probe says KVM is usable; the machines are qemu's pc and q35 ones, which tsvirt starts.
 */
export async function readCapabilities(probes: HostProbes): Promise<string> {
  const [host, node, hostUuid] = await Promise.all([
    readHostCpuFacts(probes),
    readNodeInfo(),
    readHostUuid(),
  ]);
  const cells = await readCells(node.cpus);
  const cpu = parseCpuinfo(host.cpuinfoText);
  return buildCapabilitiesXml({
    hostUuid,
    cpuVendor: cpu.vendor,
    cpuModel: host.hostCpuModel,
    cpuFlags: cpu.virtFlags,
    sockets: node.sockets,
    cores: node.cores,
    threads: node.threads,
    qemuBinary: host.facts.qemuBinary,
    domainTypes: host.facts.kvm.usable ? ['qemu', 'kvm'] : ['qemu'],
    machines: host.caps.machines.filter((m) => MACHINE_PATTERN.test(m.name)),
    cells,
  });
}
