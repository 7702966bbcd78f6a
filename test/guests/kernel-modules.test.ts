import { describe, expect, it } from 'vitest';
import { buildLoadOrder, parseModuleDepends, parseModuleName } from '../../scripts/guests/kernel-modules.js';
import { parseKernelDependency } from '../../scripts/guests/kernel-package.js';

/** A stand-in for a .ko: ELF bytes around a .modinfo section of NUL-separated key=value strings. */
function fakeKo(modinfo: string[]): Buffer {
  return Buffer.concat([Buffer.from('\x7fELF\0\0'), Buffer.from(modinfo.map((s) => `${s}\0`).join(''))]);
}

describe('kernel module metadata', () => {
  it('reads the depends= list from .modinfo', () => {
    const ko = fakeKo(['license=GPL', 'depends=virtio_ring,virtio_pci_modern_dev,virtio', 'name=virtio_pci']);
    expect(parseModuleDepends(ko)).toEqual(['virtio_ring', 'virtio_pci_modern_dev', 'virtio']);
  });

  it('reads an empty depends= and a missing one as no dependencies', () => {
    expect(parseModuleDepends(fakeKo(['depends=', 'name=evdev']))).toEqual([]);
    expect(parseModuleDepends(fakeKo(['name=evdev']))).toEqual([]);
  });

  it('names modules as the kernel does', () => {
    expect(parseModuleName('virtio_pci.ko')).toBe('virtio_pci');
    expect(parseModuleName('virtio-rng.ko.xz')).toBe('virtio_rng');
  });

  it('orders dependencies before the modules that need them', () => {
    const deps: Record<string, string[]> = {
      evdev: [],
      virtio_pci: ['virtio_ring', 'virtio'],
      virtio: ['virtio_ring'],
      virtio_ring: [],
      virtio_blk: ['virtio', 'virtio_ring'],
    };
    const order = buildLoadOrder(['evdev', 'virtio_pci', 'virtio_blk'], (n) => deps[n] ?? []);
    expect(order).toEqual(['evdev', 'virtio_ring', 'virtio', 'virtio_pci', 'virtio_blk']);
  });

  it('names a dependency cycle', () => {
    const deps: Record<string, string[]> = { a: ['b'], b: ['a'] };
    expect(() => buildLoadOrder(['a'], (n) => deps[n] ?? [])).toThrow('a -> b -> a');
  });
});

describe('parseKernelDependency', () => {
  it('finds the real image package in apt-cache depends output', () => {
    const out = 'linux-image-cloud-amd64\n  Depends: linux-image-6.1.0-56-cloud-amd64\n';
    expect(parseKernelDependency(out)).toBe('linux-image-6.1.0-56-cloud-amd64');
  });

  it('finds nothing when apt knows no such dependency', () => {
    expect(parseKernelDependency('linux-image-cloud-amd64\n')).toBeUndefined();
  });
});
