import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SELF_TEST_MARKER } from '../../src/kvm/guest-image.js';
import { runKvmSelfTest } from '../../src/kvm/self-test.js';

const hasKvm = existsSync('/dev/kvm');
if (!hasKvm) console.warn('skipping the KVM self-test tests: /dev/kvm is absent on this host');

const dir = mkdtempSync(join(tmpdir(), 'tsvirt-self-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Open fds and KVM mappings of this process: both must come back to where they were. */
function countNative(): { fds: number; kvmMappings: number } {
  const maps = readFileSync('/proc/self/maps', 'utf8').split('\n');
  return {
    fds: readdirSync('/proc/self/fd').length,
    kvmMappings: maps.filter((l) => l.includes('kvm')).length,
  };
}

describe('runKvmSelfTest', () => {
  it.skipIf(!hasKvm)('runs guest code under KVM: the guest writes its marker to COM1 and halts', () => {
    const report = runKvmSelfTest('/dev/kvm');
    expect(report).toMatchObject({ ok: true, exitReason: 'KVM_EXIT_HLT', output: SELF_TEST_MARKER });
    expect(report.error).toBeUndefined();
    expect(report.durationMs).toBeGreaterThan(0);
    expect(report.durationMs).toBeLessThan(2000);
  });

  it.skipIf(!hasKvm)('releases every fd and mapping after a run', () => {
    runKvmSelfTest('/dev/kvm');
    const before = countNative();
    for (let i = 0; i < 3; i++) runKvmSelfTest('/dev/kvm');
    expect(countNative()).toEqual(before);
  });

  it.skipIf(!hasKvm)('fails, and still releases everything, when the guest stops with an MMIO exit', () => {
    const before = countNative();
    // mov byte [0x8000], 0x41 (beyond the 16 KiB of guest memory); hlt
    const report = runKvmSelfTest('/dev/kvm', { image: Buffer.from('c606008041f4', 'hex') });
    expect(report).toMatchObject({ ok: false, exitReason: 'KVM_EXIT_MMIO', output: '' });
    expect(report.error).toMatch(
      /stopped with KVM_EXIT_MMIO instead of KVM_EXIT_HLT; KVM cannot run guest code here/,
    );
    expect(countNative()).toEqual(before);
  });

  it.skipIf(!hasKvm)('gives up on a guest that writes forever, after the exit limit', () => {
    const before = countNative();
    // mov dx, 0x3f8; mov al, 'A'; out dx, al; jmp back to the out
    const report = runKvmSelfTest('/dev/kvm', {
      image: Buffer.from('baf803b041eeebfd', 'hex'),
      maxExits: 50,
    });
    expect(report).toMatchObject({ ok: false, exitReason: 'KVM_EXIT_IO', output: 'A'.repeat(50) });
    expect(report.error).toBe('the guest did not halt within 50 exits');
    expect(countNative()).toEqual(before);
  });

  it.skipIf(!hasKvm)('fails when the guest halts without the expected output', () => {
    const report = runKvmSelfTest('/dev/kvm', { expectedOutput: 'something else' });
    expect(report.ok).toBe(false);
    expect(report.exitReason).toBe('KVM_EXIT_HLT');
    expect(report.error).toMatch(/the guest wrote "tsvirt-selftest-ok" instead of "something else"/);
  });

  it('names the failed step and its errno when the path is not a KVM device, leaking no fd', () => {
    const file = join(dir, 'not-kvm');
    writeFileSync(file, '');
    const before = countNative();
    const report = runKvmSelfTest(file);
    expect(report).toMatchObject({ ok: false, exitReason: null, output: '' });
    expect(report.error).toBe(`${file}: KVM_GET_VCPU_MMAP_SIZE failed: ENOTTY`);
    expect(countNative()).toEqual(before);
  });

  it('names the open step when the device is missing', () => {
    const report = runKvmSelfTest(join(dir, 'missing'));
    expect(report.ok).toBe(false);
    expect(report.error).toMatch(/open .*missing failed: ENOENT/);
  });
});
