import { readFileSync } from 'node:fs';
import { decideAccel } from './accel-decision.js';
import { DEFAULT_CPUINFO_PATH, parseCpuinfo } from './cpuinfo.js';
import { buildHostChecks } from './host-checks.js';
import type { Accel, CpuReport, HostProbeOptions, HostReport, KvmReport } from './host-report.js';
import { DEFAULT_SYS_MODULE_PATH, listKvmModules } from './kernel-modules.js';
import { DEFAULT_KVM_DEVICE, probeKvmDevice } from './kvm-device.js';
import { findQemuBinary, probeQemu } from './qemu-probe.js';
import { runKvmSelfTest } from './self-test.js';

/** The cheap answer the domain driver needs before it builds a qemu command line. */
export interface AccelProbe {
  accel: Accel;
  kvmUsable: boolean;
  reasons: string[];
  qemuBinary: string | undefined;
  /** Whether `-cpu host` starts under KVM; undefined when not tried. */
  cpuHostWorks: boolean | undefined;
}

/**
 * Checks the host like `virt-host-validate qemu`, and more exactly: CPU flags, the KVM device by
 * ioctl, a guest run under KVM, and qemu itself; then decides between KVM and TCG, with reasons.
 */
export async function probeHost(options: HostProbeOptions = {}): Promise<HostReport> {
  const cpu = readCpuReport(options.cpuinfoPath ?? DEFAULT_CPUINFO_PATH);
  const device = probeKvmDevice(options.kvmDevicePath ?? DEFAULT_KVM_DEVICE);
  const kvm: KvmReport = {
    ...device,
    module: listKvmModules(options.sysModulePath ?? DEFAULT_SYS_MODULE_PATH),
    selfTest: device.usable && !options.skipSelfTest ? runKvmSelfTest(device.device) : null,
  };
  const qemu = options.skipQemu ? null : await probeQemu(options.qemuBinary, kvm.usable);
  const { accel, reasons } = decideAccel({ cpu, kvm, qemu });
  return { cpu, kvm, qemu, accel, reasons, checks: buildHostChecks(cpu, kvm, qemu) };
}

/** The accelerator decision without the self-test: CPU flags, KVM ioctls, and qemu's answers. */
export async function probeAccel(options: HostProbeOptions = {}): Promise<AccelProbe> {
  const report = await probeHost({ ...options, skipSelfTest: true });
  const cpuHost = report.qemu?.cpuHost.works;
  return {
    accel: report.accel,
    kvmUsable: report.kvm.usable,
    reasons: report.reasons,
    qemuBinary: report.qemu?.found ? (report.qemu.binary ?? undefined) : findQemuBinary(options.qemuBinary),
    cpuHostWorks: cpuHost === null || cpuHost === undefined ? undefined : cpuHost,
  };
}

function readCpuReport(source: string): CpuReport {
  try {
    return { ...parseCpuinfo(readFileSync(source, 'utf8')), source };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return {
      vendor: null,
      model: null,
      virtFlags: [],
      hypervisor: false,
      processors: 0,
      source,
      error: `${source}: cannot be read (${code}); point the cpuinfo path at /proc/cpuinfo`,
    };
  }
}
