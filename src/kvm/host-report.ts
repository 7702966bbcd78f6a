import type { CpuInfo } from './cpuinfo.js';
import type { KvmDeviceReport } from './kvm-device.js';
import type { QemuReport } from './qemu-probe.js';
import type { SelfTestReport } from './self-test.js';

/** The accelerator guests get: KVM, qemu's TCG emulator, or none at all. */
export type Accel = 'kvm' | 'tcg' | 'none';

/** The CPU part of the report, with the file it came from. */
export interface CpuReport extends CpuInfo {
  source: string;
  /** Set when the file could not be read. */
  error?: string;
}

/** The KVM part of the report: the device's answers, the modules, and the self-test. */
export interface KvmReport extends KvmDeviceReport {
  /** Loaded KVM modules ("kvm", "kvm_intel", "kvm_amd", "kvm_pvm", ...). */
  module: string[];
  /** The guest-code self-test; null when skipped or when the device is not usable. */
  selfTest: SelfTestReport | null;
}

/** One line of the human report, as virt-host-validate prints them. */
export interface HostCheck {
  name: string;
  status: 'PASS' | 'WARN' | 'FAIL';
  detail?: string;
}

/** Everything the host check found, and the decision. */
export interface HostReport {
  cpu: CpuReport;
  kvm: KvmReport;
  /** null when the qemu probe was skipped. */
  qemu: QemuReport | null;
  accel: Accel;
  /** One sentence for each fact that decided `accel`. */
  reasons: string[];
  checks: HostCheck[];
}

/** Where the probe looks; each path can be pointed elsewhere, for tests and odd hosts. */
export interface HostProbeOptions {
  /** Default /proc/cpuinfo. */
  cpuinfoPath?: string;
  /** Default /dev/kvm. */
  kvmDevicePath?: string;
  /** Default: qemu-system-x86_64 on PATH. */
  qemuBinary?: string;
  /** Default /sys/module. */
  sysModulePath?: string;
  /** Do not run a guest under KVM (the cheap probe). */
  skipSelfTest?: boolean;
  /** Do not run qemu at all. */
  skipQemu?: boolean;
}
