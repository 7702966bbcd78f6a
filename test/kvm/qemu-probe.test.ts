import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findQemuBinary, probeQemu } from '../../src/kvm/qemu-probe.js';
import { findChildPids } from './child-processes.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const realQemu = findQemuBinary();
const hasKvm = existsSync('/dev/kvm');
if (!realQemu) console.warn('skipping real qemu tests: qemu-system-x86_64 is not installed');

describe('probeQemu', () => {
  it.skipIf(!realQemu)('asks the real qemu for its version and accelerators', async () => {
    const report = await probeQemu(undefined, false);
    expect(report).toMatchObject({ binary: realQemu, found: true, works: true });
    expect(report.version).toMatch(/^\d+\.\d+/);
    expect(report.accelerators).toContain('tcg');
    expect(report.cpuHost).toEqual({ works: null, detail: 'not tried: KVM is not usable' });
  });

  it.skipIf(!realQemu || !hasKvm)(
    'starts the real qemu with -cpu host and gets a verdict within 2 s',
    async () => {
      const started = performance.now();
      const report = await probeQemu(realQemu, true);
      expect(performance.now() - started).toBeLessThan(2000);
      expect(typeof report.cpuHost.works).toBe('boolean');
      expect(report.cpuHost.detail.length).toBeGreaterThan(0);
      expect(findChildPids('qemu-system')).toEqual([]); // the trial qemu has exited and been reaped
      console.warn(`-cpu host on this host: ${JSON.stringify(report.cpuHost)}`);
    },
  );

  it('reports a qemu path that does not exist, with the package to install', async () => {
    const report = await probeQemu('/nonexistent/qemu-system-x86_64', true);
    expect(report).toMatchObject({ binary: '/nonexistent/qemu-system-x86_64', found: false, works: false });
    expect(report.error).toBe(
      '/nonexistent/qemu-system-x86_64: no such executable; install qemu-system-x86 (apt-get install qemu-system-x86) or point the qemu path at qemu-system-x86_64',
    );
    expect(findQemuBinary('/nonexistent/qemu-system-x86_64')).toBeUndefined();
  });

  it('reports a qemu that exits 5, with its stderr and a remedy', async () => {
    const report = await probeQemu(fixture('fake-qemu-exit5'), true);
    expect(report).toMatchObject({ found: true, works: false, version: null, accelerators: [] });
    expect(report.error).toMatch(
      /exited with status 5: fake-qemu: cannot load libpixman-1\.so\.0; reinstall qemu-system-x86/,
    );
  });

  it('sees a -cpu host start that aborts after a failed MSR write', async () => {
    const report = await probeQemu(fixture('fake-qemu-msr'), true);
    expect(report).toMatchObject({ works: true, version: '7.2.22', accelerators: ['tcg', 'kvm'] });
    expect(report.cpuHost).toEqual({
      works: false,
      detail: 'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x2000000ebeb',
    });
  });
});
