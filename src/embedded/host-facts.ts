import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { NodeInfo } from '../connection.js';
import { getHostCpuCount } from '../kvm/affinity.js';
import { findQemuBinary } from '../kvm/qemu-probe.js';
import { parseCpuinfo } from '../kvm/cpuinfo.js';
import { buildNodeInfo, parseMemTotalKiB } from './node-info.js';
import { buildCapabilitiesXml } from './capabilities.js';

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

/** The host's uuid: /etc/machine-id in uuid form, else a hash of the hostname. */
async function readHostUuid(): Promise<string> {
  const id = await readFile('/etc/machine-id', 'utf8').then(
    (t) => t.trim(),
    async () => {
      const { createHash } = await import('node:crypto'); // only without a machine id
      return createHash('sha256').update(hostname()).digest('hex').slice(0, 32);
    },
  );
  return `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`;
}

/**
 * Builds the capabilities XML from the host probe: the guest type 'kvm' is listed only when the
 * probe says KVM is usable.
 */
export async function readCapabilities(): Promise<string> {
  const [cpuinfoText, accel, node, hostUuid] = await Promise.all([
    readFile('/proc/cpuinfo', 'utf8'),
    // The KVM probe (ioctls, the self-test's guest image) loads when a client first asks.
    import('../kvm/host-probe.js').then(({ probeAccel }) => probeAccel({ skipSelfTest: true })),
    readNodeInfo(),
    readHostUuid(),
  ]);
  const cpu = parseCpuinfo(cpuinfoText);
  return buildCapabilitiesXml({
    hostUuid,
    cpuVendor: cpu.vendor,
    cpuModel: cpu.model,
    cpuFlags: cpu.virtFlags,
    sockets: node.sockets,
    cores: node.cores,
    threads: node.threads,
    qemuBinary: accel.qemuBinary ?? findQemuBinary() ?? '/usr/bin/qemu-system-x86_64',
    domainTypes: accel.kvmUsable ? ['qemu', 'kvm'] : ['qemu'],
    machines: ['pc', 'q35'],
  });
}
