import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCpuinfo } from '../../src/kvm/cpuinfo.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('parseCpuinfo', () => {
  it('finds vmx once on an Intel host with VT-x, however many processors list it', () => {
    expect(parseCpuinfo(fixture('cpuinfo-vmx'))).toEqual({
      vendor: 'GenuineIntel',
      model: 'Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz',
      virtFlags: ['vmx'],
      hypervisor: false,
      processors: 2,
    });
  });

  it('finds svm on an AMD host, and not in flags that merely contain the letters', () => {
    const info = parseCpuinfo(fixture('cpuinfo-svm'));
    expect(info.vendor).toBe('AuthenticAMD');
    expect(info.virtFlags).toEqual(['svm']); // svm_lock is another flag
  });

  it('finds no flag on a guest without nested virtualization, and notes the hypervisor flag', () => {
    const info = parseCpuinfo(fixture('cpuinfo-none'));
    expect(info.virtFlags).toEqual([]);
    expect(info.hypervisor).toBe(true);
    expect(info.processors).toBe(2);
  });

  it('agrees with a whole-word search of this host /proc/cpuinfo', () => {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const flagLines = text.split('\n').filter((l) => /^flags\s*:/.test(l));
    const expected = (['vmx', 'svm'] as const).filter((f) =>
      flagLines.some((l) => l.split(/\s+/).includes(f)),
    );
    expect(parseCpuinfo(text).virtFlags).toEqual(expected);
  });

  it('gives nulls and no flags for empty text', () => {
    expect(parseCpuinfo('')).toEqual({
      vendor: null,
      model: null,
      virtFlags: [],
      hypervisor: false,
      processors: 0,
    });
  });
});
