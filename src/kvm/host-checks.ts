import { KVM_API_VERSION } from './kvm-abi.js';
import { selectVendorModules } from './kernel-modules.js';
import type { CpuReport, HostCheck, KvmReport } from './host-report.js';
import type { QemuReport } from './qemu-probe.js';

/** The PASS/WARN/FAIL lines of a report, in the order virt-host-validate would print them. */
export function buildHostChecks(cpu: CpuReport, kvm: KvmReport, qemu: QemuReport | null): HostCheck[] {
  return [...buildCpuChecks(cpu), ...buildKvmChecks(kvm), ...buildQemuChecks(qemu)];
}

function buildCpuChecks(cpu: CpuReport): HostCheck[] {
  const name = 'Checking for hardware virtualization';
  if (cpu.error) return [{ name, status: 'WARN', detail: cpu.error }];
  if (cpu.virtFlags.length > 0)
    return [{ name, status: 'PASS', detail: `flags: ${cpu.virtFlags.join(', ')}` }];
  const guest = cpu.hypervisor ? '; the CPU has the hypervisor flag: this host is a guest' : '';
  return [{ name, status: 'WARN', detail: `no vmx/svm flag in ${cpu.source}${guest}` }];
}

function buildKvmChecks(kvm: KvmReport): HostCheck[] {
  const dev = kvm.device;
  const checks: HostCheck[] = [];
  const vendors = selectVendorModules(kvm.module);
  checks.push(
    vendors.length > 0
      ? { name: 'Checking for KVM modules', status: 'PASS', detail: kvm.module.join(', ') }
      : {
          name: 'Checking for KVM modules',
          status: 'WARN',
          detail: 'no kvm_* module loaded; load kvm_intel or kvm_amd',
        },
  );
  checks.push(step(`Checking if device ${dev} exists`, kvm.present, kvm.error));
  if (!kvm.present) return checks;
  checks.push(step(`Checking if device ${dev} is accessible`, kvm.accessible, kvm.error));
  if (!kvm.accessible) return checks;
  const apiOk = kvm.apiVersion === KVM_API_VERSION;
  checks.push(step('Checking the KVM API version', apiOk, kvm.error, `API ${kvm.apiVersion}`));
  if (!apiOk) return checks;
  checks.push(step('Checking that KVM can create a VM', kvm.vmCreated, kvm.error));
  const test = kvm.selfTest;
  if (test) {
    const passed = `the guest wrote ${JSON.stringify(test.output)} and halted in ${test.durationMs} ms`;
    checks.push(step('Checking that guest code runs under KVM', test.ok, test.error, passed));
  }
  return checks;
}

function buildQemuChecks(qemu: QemuReport | null): HostCheck[] {
  if (!qemu) return [];
  const found = qemu.found && qemu.works;
  const version = `${qemu.binary}, version ${qemu.version}`;
  const checks = [step('Checking for the QEMU binary', found, qemu.error, version)];
  if (!found) return checks;
  const accels = qemu.accelerators.join(', ');
  checks.push({
    name: 'Checking QEMU accelerators',
    status: qemu.accelerators.includes('kvm') ? 'PASS' : 'WARN',
    detail: accels || 'none listed',
  });
  if (qemu.cpuHost.works !== null) {
    checks.push({
      name: 'Checking if -cpu host starts under KVM',
      status: qemu.cpuHost.works ? 'PASS' : 'WARN',
      detail: qemu.cpuHost.works ? undefined : `${qemu.cpuHost.detail}; the default CPU model is used`,
    });
  }
  return checks;
}

/** A PASS/FAIL line: `passDetail` when it passed, `failDetail` (what failed, and the remedy) when not. */
function step(name: string, passed: boolean, failDetail: string | undefined, passDetail?: string): HostCheck {
  const check: HostCheck = { name, status: passed ? 'PASS' : 'FAIL' };
  const detail = passed ? passDetail : failDetail;
  if (detail !== undefined) check.detail = detail;
  return check;
}
