import { KVM_API_VERSION } from './kvm-abi.js';
import { selectVendorModules } from './kernel-modules.js';
import type { Accel, CpuReport, KvmReport } from './host-report.js';
import type { QemuReport } from './qemu-probe.js';

/** The facts the decision weighs. */
export interface AccelFacts {
  cpu: CpuReport;
  kvm: KvmReport;
  /** null when qemu was not probed: its presence is then assumed. */
  qemu: QemuReport | null;
}

/** The accelerator and one sentence for each fact that decided it. */
export interface AccelDecision {
  accel: Accel;
  reasons: string[];
}

/**
 * Decides between KVM and TCG from the facts, the ioctl answers before the CPU flags: a host
 * without vmx/svm may still run KVM (nested or paravirtual), and a host with them may not.
 */
export function decideAccel(facts: AccelFacts): AccelDecision {
  const { kvm, qemu } = facts;
  const reasons = [describeFlags(facts)];
  if (!kvm.usable && kvm.error) reasons.push(kvm.error);
  if (kvm.selfTest) reasons.push(describeSelfTest(kvm));
  const qemuWorks = qemu === null || qemu.works;
  if (qemu && !qemu.works && qemu.error) reasons.push(qemu.error);
  const qemuHasKvm = qemu === null || qemu.accelerators.includes('kvm');
  if (qemu?.works && kvm.usable && !qemuHasKvm) {
    reasons.push(
      `${qemu.binary} ${qemu.version ?? ''} was built without the kvm accelerator; install a qemu with KVM`,
    );
  }
  if (qemu?.cpuHost.works === false) {
    reasons.push(
      `-cpu host does not start under this KVM (${qemu.cpuHost.detail}); guests get qemu's default CPU model`,
    );
  }
  const kvmOk = kvm.usable && (kvm.selfTest === null || kvm.selfTest.ok) && qemuHasKvm;
  const accel: Accel = !qemuWorks ? 'none' : kvmOk ? 'kvm' : hasTcg(qemu) ? 'tcg' : 'none';
  reasons.push(describeOutcome(accel));
  return { accel, reasons };
}

function hasTcg(qemu: QemuReport | null): boolean {
  return qemu === null || qemu.accelerators.includes('tcg');
}

function describeFlags({ cpu, kvm }: AccelFacts): string {
  if (cpu.error) return `${cpu.source} could not be read, so the vmx/svm flags are unknown`;
  const modules = selectVendorModules(kvm.module);
  const via = modules.length > 0 ? ` (module ${modules.join(', ')})` : '';
  if (cpu.virtFlags.length > 0) {
    const what = cpu.virtFlags.map((f) => (f === 'vmx' ? 'vmx (Intel VT-x)' : 'svm (AMD-V)')).join(' and ');
    const answer = kvm.usable ? `, and ${kvm.device} answers API ${KVM_API_VERSION}${via}` : '';
    return `${cpu.source} has the ${what} flag: hardware virtualization${answer}`;
  }
  if (kvm.usable) {
    const guest = cpu.hypervisor ? '; this host is itself a guest' : '';
    return `no vmx/svm flag in ${cpu.source}, but ${kvm.device} answers API ${kvm.apiVersion} and creates VMs: nested or paravirtual KVM${via}${guest}`;
  }
  if (kvm.present) {
    return `no vmx/svm flag in ${cpu.source}, but ${kvm.device} exists: KVM may still work here, nested or paravirtual${via}`;
  }
  return cpu.hypervisor
    ? `no vmx/svm flag in ${cpu.source}: this host is a guest without nested virtualization; enable it in the outer hypervisor`
    : `no vmx/svm flag in ${cpu.source}: the CPU offers no hardware virtualization; enable VT-x/AMD-V in the firmware`;
}

function describeSelfTest(kvm: KvmReport): string {
  const test = kvm.selfTest;
  if (!test) return 'the KVM self-test did not run';
  if (test.ok) {
    return `a guest ran under KVM: it wrote ${JSON.stringify(test.output)} to port 0x3f8 and halted (${test.exitReason}, ${test.durationMs} ms)`;
  }
  return `the KVM self-test failed: ${test.error ?? 'unknown error'}`;
}

function describeOutcome(accel: Accel): string {
  if (accel === 'kvm') return 'guests run with KVM acceleration';
  if (accel === 'tcg') return "guests run under TCG, qemu's emulator: they work, but slower than under KVM";
  return 'no guest can run here until qemu-system-x86_64 is installed and works';
}
