import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeKvmDevice } from '../../src/kvm/kvm-device.js';

const hasKvm = existsSync('/dev/kvm');
if (!hasKvm) console.warn('skipping real /dev/kvm tests: /dev/kvm is absent on this host');

const dir = mkdtempSync(join(tmpdir(), 'tsvirt-kvm-device-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const countFds = (): number => readdirSync('/proc/self/fd').length;

describe('probeKvmDevice', () => {
  it.skipIf(!hasKvm)('finds /dev/kvm usable with API 12, its capabilities, and a VM created', () => {
    const report = probeKvmDevice('/dev/kvm');
    expect(report).toMatchObject({
      present: true,
      accessible: true,
      usable: true,
      apiVersion: 12,
      vmCreated: true,
    });
    expect(report.error).toBeUndefined();
    expect(report.capabilities.userMemory).toBe(1);
    expect(report.capabilities.nrVcpus).toBeGreaterThan(0);
    expect(report.capabilities.maxVcpus).toBeGreaterThanOrEqual(report.capabilities.nrVcpus as number);
  });

  it.skipIf(!hasKvm)('closes every fd it opened', () => {
    probeKvmDevice('/dev/kvm');
    const before = countFds();
    for (let i = 0; i < 5; i++) probeKvmDevice('/dev/kvm');
    expect(countFds()).toBe(before);
  });

  it('reports a missing device as not present, with the remedy to load the KVM module', () => {
    const report = probeKvmDevice(join(dir, 'no-such-kvm'));
    expect(report).toMatchObject({ present: false, accessible: false, usable: false, apiVersion: null });
    expect(report.errno).toBe('ENOENT');
    expect(report.error).toMatch(/no such device; load kvm_intel or kvm_amd/);
  });

  it('reports a regular file as not a KVM device, from the ENOTTY of the first ioctl', () => {
    const file = join(dir, 'not-a-device');
    writeFileSync(file, 'plain file\n');
    const before = countFds();
    const report = probeKvmDevice(file);
    expect(report).toMatchObject({ present: true, accessible: true, usable: false, apiVersion: null });
    expect(report.errno).toBe('ENOTTY');
    expect(report.error).toMatch(/^.*not-a-device: not a KVM device \(KVM_GET_API_VERSION failed: ENOTTY\)/);
    expect(countFds()).toBe(before);
  });

  it('reports a path it cannot open read-write with the errno and a remedy', () => {
    const report = probeKvmDevice(dir); // a folder: open(O_RDWR) fails with EISDIR
    expect(report).toMatchObject({ present: true, accessible: false, usable: false });
    expect(report.errno).toBe('EISDIR');
    expect(report.error).toMatch(
      /cannot be opened read-write \(EISDIR\); check that it is the KVM character device/,
    );
  });
});
