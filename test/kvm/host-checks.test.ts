import { describe, expect, it } from 'vitest';
import { buildHostChecks } from '../../src/kvm/host-checks.js';
import type { CpuReport, KvmReport } from '../../src/kvm/host-report.js';

const cpu: CpuReport = {
  vendor: 'GenuineIntel',
  model: 'x',
  virtFlags: [],
  hypervisor: true,
  processors: 2,
  source: '/proc/cpuinfo',
};

const denied: KvmReport = {
  device: '/dev/kvm',
  present: true,
  accessible: false,
  usable: false,
  apiVersion: null,
  capabilities: {},
  vmCreated: false,
  module: ['kvm', 'kvm_intel'],
  selfTest: null,
  errno: 'EACCES',
  error: '/dev/kvm: permission denied; add the user to the kvm group',
};

describe('buildHostChecks', () => {
  it('passes the steps that worked, fails the first that did with its remedy, and stops there', () => {
    expect(buildHostChecks(cpu, denied, null)).toEqual([
      {
        name: 'Checking for hardware virtualization',
        status: 'WARN',
        detail: 'no vmx/svm flag in /proc/cpuinfo; the CPU has the hypervisor flag: this host is a guest',
      },
      { name: 'Checking for KVM modules', status: 'PASS', detail: 'kvm, kvm_intel' },
      { name: 'Checking if device /dev/kvm exists', status: 'PASS' },
      {
        name: 'Checking if device /dev/kvm is accessible',
        status: 'FAIL',
        detail: '/dev/kvm: permission denied; add the user to the kvm group',
      },
    ]);
  });

  it('lists every step of a working host, the self-test with its output', () => {
    const kvm: KvmReport = {
      ...denied,
      accessible: true,
      usable: true,
      apiVersion: 12,
      vmCreated: true,
      errno: undefined,
      error: undefined,
      module: ['kvm'],
      selfTest: { ok: true, exitReason: 'KVM_EXIT_HLT', output: 'hi', durationMs: 4 },
    };
    const checks = buildHostChecks({ ...cpu, virtFlags: ['vmx'] }, kvm, null);
    expect(checks.map((c) => [c.status, c.detail])).toEqual([
      ['PASS', 'flags: vmx'],
      ['WARN', 'no kvm_* module loaded; load kvm_intel or kvm_amd'],
      ['PASS', undefined],
      ['PASS', undefined],
      ['PASS', 'API 12'],
      ['PASS', undefined],
      ['PASS', 'the guest wrote "hi" and halted in 4 ms'],
    ]);
  });
});
