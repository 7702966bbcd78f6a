import { describe, expect, it } from 'vitest';
import { decideAccel } from '../../src/kvm/accel-decision.js';
import type { CpuReport, KvmReport } from '../../src/kvm/host-report.js';
import type { QemuReport } from '../../src/kvm/qemu-probe.js';

const cpu = (virtFlags: Array<'vmx' | 'svm'>, hypervisor = false): CpuReport => ({
  vendor: 'GenuineIntel',
  model: 'x',
  virtFlags,
  hypervisor,
  processors: 2,
  source: '/proc/cpuinfo',
});

const usableKvm: KvmReport = {
  device: '/dev/kvm',
  present: true,
  accessible: true,
  usable: true,
  apiVersion: 12,
  capabilities: { nrVcpus: 2, maxVcpus: 1024, userMemory: 1 },
  vmCreated: true,
  module: ['kvm', 'kvm_pvm'],
  selfTest: { ok: true, exitReason: 'KVM_EXIT_HLT', output: 'tsvirt-selftest-ok', durationMs: 3 },
};

const deniedKvm: KvmReport = {
  ...usableKvm,
  accessible: false,
  usable: false,
  apiVersion: null,
  capabilities: {},
  vmCreated: false,
  selfTest: null,
  errno: 'EACCES',
  error: '/dev/kvm: permission denied; add the user to the kvm group',
};

const qemu: QemuReport = {
  binary: '/usr/bin/qemu-system-x86_64',
  found: true,
  works: true,
  version: '7.2.22',
  accelerators: ['tcg', 'kvm'],
  cpuHost: { works: true, detail: 'started' },
};

describe('decideAccel', () => {
  it('picks KVM without vmx/svm when the device answers, and explains the missing flags', () => {
    const d = decideAccel({ cpu: cpu([], true), kvm: usableKvm, qemu });
    expect(d.accel).toBe('kvm');
    expect(d.reasons[0]).toBe(
      'no vmx/svm flag in /proc/cpuinfo, but /dev/kvm answers API 12 and creates VMs: nested or paravirtual KVM (module kvm_pvm); this host is itself a guest',
    );
    expect(d.reasons).toContain(
      'a guest ran under KVM: it wrote "tsvirt-selftest-ok" to port 0x3f8 and halted (KVM_EXIT_HLT, 3 ms)',
    );
    expect(d.reasons.at(-1)).toBe('guests run with KVM acceleration');
  });

  it('picks TCG when the flags are there but the device refuses, and gives the remedy', () => {
    const d = decideAccel({ cpu: cpu(['vmx']), kvm: deniedKvm, qemu });
    expect(d.accel).toBe('tcg');
    expect(d.reasons[0]).toBe('/proc/cpuinfo has the vmx (Intel VT-x) flag: hardware virtualization');
    const noFlags = decideAccel({ cpu: cpu([], true), kvm: deniedKvm, qemu });
    expect(noFlags.reasons[0]).toBe(
      'no vmx/svm flag in /proc/cpuinfo, but /dev/kvm exists: KVM may still work here, nested or paravirtual (module kvm_pvm)',
    );
    expect(d.reasons[1]).toBe('/dev/kvm: permission denied; add the user to the kvm group');
    expect(d.reasons.at(-1)).toMatch(/^guests run under TCG/);
  });

  it('picks TCG when the device answers but guest code does not run', () => {
    const kvm: KvmReport = {
      ...usableKvm,
      selfTest: {
        ok: false,
        exitReason: 'KVM_EXIT_SHUTDOWN',
        output: '',
        durationMs: 2,
        error: 'triple fault',
      },
    };
    const d = decideAccel({ cpu: cpu(['svm']), kvm, qemu });
    expect(d.accel).toBe('tcg');
    expect(d.reasons).toContain('the KVM self-test failed: triple fault');
  });

  it('picks TCG when qemu was built without KVM', () => {
    const d = decideAccel({ cpu: cpu(['vmx']), kvm: usableKvm, qemu: { ...qemu, accelerators: ['tcg'] } });
    expect(d.accel).toBe('tcg');
    expect(d.reasons.some((r) => r.includes('was built without the kvm accelerator'))).toBe(true);
  });

  it('picks none when qemu is missing, whatever KVM says', () => {
    const missing: QemuReport = {
      ...qemu,
      found: false,
      works: false,
      version: null,
      accelerators: [],
      error:
        'qemu-system-x86_64: not found on PATH; install qemu-system-x86 (apt-get install qemu-system-x86)',
    };
    const d = decideAccel({ cpu: cpu(['vmx']), kvm: usableKvm, qemu: missing });
    expect(d.accel).toBe('none');
    expect(d.reasons).toContain(missing.error);
  });

  it('explains a -cpu host that does not start, without giving up KVM', () => {
    const broken = { ...qemu, cpuHost: { works: false, detail: 'failed to set MSR 0x10a' } };
    const d = decideAccel({ cpu: cpu([]), kvm: usableKvm, qemu: broken });
    expect(d.accel).toBe('kvm');
    expect(d.reasons).toContain(
      "-cpu host does not start under this KVM (failed to set MSR 0x10a); guests get qemu's default CPU model",
    );
  });

  it('tells a guest host without flags or KVM to enable nested virtualization', () => {
    const d = decideAccel({ cpu: cpu([], true), kvm: { ...deniedKvm, present: false }, qemu });
    expect(d.accel).toBe('tcg');
    expect(d.reasons[0]).toMatch(/this host is a guest without nested virtualization; enable it/);
  });

  it('assumes qemu is there when it was not probed', () => {
    expect(decideAccel({ cpu: cpu([]), kvm: usableKvm, qemu: null }).accel).toBe('kvm');
    expect(decideAccel({ cpu: cpu([]), kvm: deniedKvm, qemu: null }).accel).toBe('tcg');
  });
});
