import { statSync } from 'node:fs';
import { KVM_API_VERSION, KVM_CAP, KVM_IOCTL } from './kvm-abi.js';
import { nameErrno, SYS, sysClose, sysIoctl, sysOpen } from './libc.js';

/** The default KVM device node. */
export const DEFAULT_KVM_DEVICE = '/dev/kvm';

/** What the KVM device answered, step by step. */
export interface KvmDeviceReport {
  /** The path probed. */
  device: string;
  /** The path exists. */
  present: boolean;
  /** It opened read-write. */
  accessible: boolean;
  /** It answered API version 12 and created a VM. */
  usable: boolean;
  /** KVM_GET_API_VERSION's answer, or null when it was not asked or failed. */
  apiVersion: number | null;
  /** KVM_CHECK_EXTENSION's answer for each capability in KVM_CAP (0 = absent). */
  capabilities: Record<string, number>;
  /** KVM_CREATE_VM gave a VM fd (closed again at once). */
  vmCreated: boolean;
  /** The errno name of the step that failed ("EACCES"). */
  errno?: string;
  /** What failed and how to fix it, when usable is false. */
  error?: string;
}

const REMEDY_LOAD =
  'load kvm_intel or kvm_amd (modprobe kvm_intel or modprobe kvm_amd) and enable VT-x/AMD-V in the firmware';

/** Opens, asks and closes the KVM device; never throws for what the device answers. */
export function probeKvmDevice(device: string = DEFAULT_KVM_DEVICE): KvmDeviceReport {
  const report: KvmDeviceReport = {
    device,
    present: false,
    accessible: false,
    usable: false,
    apiVersion: null,
    capabilities: {},
    vmCreated: false,
  };
  try {
    statSync(device);
    report.present = true;
  } catch {
    return fail(report, 'ENOENT', `${device}: no such device; ${REMEDY_LOAD}`);
  }
  const opened = sysOpen(device, SYS.O_RDWR);
  if (opened.value < 0)
    return fail(report, nameErrno(opened.errno), describeOpenFailure(device, opened.errno));
  report.accessible = true;
  try {
    askDevice(report, opened.value);
  } finally {
    sysClose(opened.value);
  }
  return report;
}

function askDevice(report: KvmDeviceReport, fd: number): void {
  const version = sysIoctl(fd, KVM_IOCTL.GET_API_VERSION);
  if (version.value < 0) {
    const name = nameErrno(version.errno);
    fail(
      report,
      name,
      `${report.device}: not a KVM device (KVM_GET_API_VERSION failed: ${name}); point the device path at the KVM character device, ${DEFAULT_KVM_DEVICE}`,
    );
    return;
  }
  report.apiVersion = version.value;
  if (version.value !== KVM_API_VERSION) {
    fail(
      report,
      undefined,
      `${report.device}: KVM API version ${version.value} is not supported; tsvirt needs version ${KVM_API_VERSION}, update the kernel`,
    );
    return;
  }
  for (const [name, cap] of Object.entries(KVM_CAP)) {
    const answer = sysIoctl(fd, KVM_IOCTL.CHECK_EXTENSION, cap);
    report.capabilities[name] = answer.value < 0 ? 0 : answer.value;
  }
  const vm = sysIoctl(fd, KVM_IOCTL.CREATE_VM);
  if (vm.value < 0) {
    const name = nameErrno(vm.errno);
    fail(
      report,
      name,
      `${report.device}: KVM_CREATE_VM failed (${name}); ${describeCreateVmFailure(vm.errno)}`,
    );
    return;
  }
  sysClose(vm.value);
  report.vmCreated = true;
  report.usable = true;
}

function fail(report: KvmDeviceReport, errno: string | undefined, error: string): KvmDeviceReport {
  if (errno !== undefined) report.errno = errno;
  report.error = error;
  return report;
}

function describeOpenFailure(device: string, errno: number): string {
  const name = nameErrno(errno);
  if (name === 'EACCES' || name === 'EPERM') {
    return `${device}: permission denied; add the user to the kvm group (usermod -aG kvm USER, then log in again) or run as root`;
  }
  if (name === 'ENXIO' || name === 'ENODEV') {
    return `${device}: no KVM driver behind the device node (${name}); ${REMEDY_LOAD}`;
  }
  return `${device}: cannot be opened read-write (${name}); check that it is the KVM character device`;
}

function describeCreateVmFailure(errno: number): string {
  const name = nameErrno(errno);
  if (name === 'EBUSY') return 'another hypervisor holds the virtualization extensions; stop it';
  if (name === 'ENOMEM') return 'the host is out of memory; free some';
  return 'check the kernel log (dmesg) for KVM errors';
}
