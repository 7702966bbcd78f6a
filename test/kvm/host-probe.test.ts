import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findQemuBinary, probeAccel, probeHost } from '../../src/kvm/index.js';
import { findChildPids } from './child-processes.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const hasKvm = existsSync('/dev/kvm');
const realQemu = findQemuBinary();
const hostFlags = (['vmx', 'svm'] as const).filter((f) =>
  readFileSync('/proc/cpuinfo', 'utf8')
    .split('\n')
    .some((l) => /^flags\s*:/.test(l) && l.split(/\s+/).includes(f)),
);
if (!hasKvm) console.warn('skipping real host probe tests: /dev/kvm is absent');
if (!realQemu) console.warn('skipping real host probe tests: qemu-system-x86_64 is not installed');

const dir = mkdtempSync(join(tmpdir(), 'tsvirt-host-probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('probeHost on this host', () => {
  it.skipIf(!hasKvm || !realQemu)(
    'reports flags, a usable KVM that ran guest code, and decides KVM',
    async () => {
      const started = performance.now();
      const report = await probeHost();
      const elapsedMs = performance.now() - started;
      expect(report.cpu.virtFlags).toEqual(hostFlags);
      expect(report.kvm).toMatchObject({ device: '/dev/kvm', present: true, accessible: true, usable: true });
      expect(report.kvm.apiVersion).toBe(12);
      expect(report.kvm.capabilities).toMatchObject({ userMemory: 1 });
      expect(report.kvm.module).toContain('kvm');
      expect(report.kvm.selfTest).toMatchObject({
        ok: true,
        exitReason: 'KVM_EXIT_HLT',
        output: 'tsvirt-selftest-ok',
      });
      expect(report.qemu).toMatchObject({ binary: realQemu, found: true, works: true });
      expect(typeof report.qemu?.cpuHost.works).toBe('boolean');
      expect(report.accel).toBe('kvm');
      if (hostFlags.length === 0)
        expect(report.reasons[0]).toMatch(
          /^no vmx\/svm flag in \/proc\/cpuinfo, but \/dev\/kvm answers API 12/,
        );
      expect(report.checks.every((c) => c.status !== 'FAIL')).toBe(true);
      expect(findChildPids('qemu-system')).toEqual([]);
      console.warn(`probeHost took ${elapsedMs.toFixed(0)} ms; modules ${report.kvm.module.join(', ')}`);
      expect(elapsedMs).toBeLessThan(5000);
    },
  );

  it.skipIf(!hasKvm || !realQemu)('answers the cheap probe without a self-test', async () => {
    const probe = await probeAccel();
    expect(probe).toMatchObject({ accel: 'kvm', kvmUsable: true, qemuBinary: realQemu });
    expect(typeof probe.cpuHostWorks).toBe('boolean');
    expect(probe.reasons.some((r) => r.startsWith('a guest ran under KVM'))).toBe(false);
  });

  it.skipIf(!hasKvm)('decides KVM from the ioctl when the cpuinfo has no flags', async () => {
    const report = await probeHost({ cpuinfoPath: fixture('cpuinfo-none'), skipQemu: true });
    expect(report.cpu.virtFlags).toEqual([]);
    expect(report.accel).toBe('kvm');
    expect(report.reasons[0]).toMatch(
      /but \/dev\/kvm answers API 12 and creates VMs: nested or paravirtual KVM/,
    );
    expect(report.checks[0]).toMatchObject({ name: 'Checking for hardware virtualization', status: 'WARN' });
  });
});

describe('probeHost with paths pointed elsewhere', () => {
  const base = { sysModulePath: join(dir, 'no-modules'), skipQemu: true } as const;

  it('falls back to TCG without /dev/kvm and says to load the module', async () => {
    const report = await probeHost({
      ...base,
      cpuinfoPath: fixture('cpuinfo-vmx'),
      kvmDevicePath: join(dir, 'kvm'),
    });
    expect(report.kvm).toMatchObject({ present: false, usable: false, module: [], selfTest: null });
    expect(report.accel).toBe('tcg');
    expect(report.reasons).toContain(
      `${join(dir, 'kvm')}: no such device; load kvm_intel or kvm_amd (modprobe kvm_intel or modprobe kvm_amd) and enable VT-x/AMD-V in the firmware`,
    );
    expect(report.checks.map((c) => c.status)).toEqual(['PASS', 'WARN', 'FAIL']);
  });

  it('falls back to TCG when the device is a plain file', async () => {
    const file = join(dir, 'plain');
    writeFileSync(file, '');
    const report = await probeHost({ ...base, cpuinfoPath: fixture('cpuinfo-svm'), kvmDevicePath: file });
    expect(report.kvm).toMatchObject({ present: true, accessible: true, usable: false, errno: 'ENOTTY' });
    expect(report.accel).toBe('tcg');
    expect(report.reasons.some((r) => r.includes('not a KVM device'))).toBe(true);
  });

  it('reports a cpuinfo it cannot read, and still decides', async () => {
    const report = await probeHost({
      ...base,
      cpuinfoPath: join(dir, 'cpuinfo'),
      kvmDevicePath: join(dir, 'kvm'),
    });
    expect(report.cpu.error).toMatch(/cpuinfo: cannot be read \(ENOENT\)/);
    expect(report.accel).toBe('tcg');
  });

  it('decides none when qemu is missing', async () => {
    const report = await probeHost({
      cpuinfoPath: fixture('cpuinfo-none'),
      kvmDevicePath: join(dir, 'kvm'),
      qemuBinary: join(dir, 'qemu-system-x86_64'),
    });
    expect(report.qemu).toMatchObject({ found: false, works: false });
    expect(report.accel).toBe('none');
    expect(report.reasons.at(-1)).toBe(
      'no guest can run here until qemu-system-x86_64 is installed and works',
    );
  });

  it('decides none when qemu is broken (exits 5)', async () => {
    const report = await probeHost({
      kvmDevicePath: join(dir, 'kvm'),
      qemuBinary: fixture('fake-qemu-exit5'),
    });
    expect(report.accel).toBe('none');
    expect(report.checks.at(-1)).toMatchObject({ name: 'Checking for the QEMU binary', status: 'FAIL' });
  });

  it('decides TCG when qemu lacks KVM, whatever the device says', async () => {
    const report = await probeHost({ qemuBinary: fixture('fake-qemu-tcg-only'), skipSelfTest: true });
    expect(report.qemu?.accelerators).toEqual(['tcg']);
    expect(report.accel).toBe('tcg');
    if (report.kvm.usable)
      expect(report.reasons.some((r) => r.includes('built without the kvm accelerator'))).toBe(true);
  });
});
