import { describe, expect, it } from 'vitest';
import { CPU_SET_BYTES, decodeCpuSet, encodeCpuSet, parseCpuList } from '../../src/kvm/cpu-set.js';

describe('cpu_set_t masks', () => {
  it('puts CPU n at bit n % 8 of byte n / 8', () => {
    const mask = encodeCpuSet([0, 3, 9, 1023]);
    expect(mask.length).toBe(CPU_SET_BYTES);
    expect(mask[0]).toBe(0b0000_1001);
    expect(mask[1]).toBe(0b0000_0010);
    expect(mask[127]).toBe(0b1000_0000);
    expect(decodeCpuSet(mask)).toEqual([0, 3, 9, 1023]);
  });

  it('rejects CPUs that do not fit the mask', () => {
    expect(() => encodeCpuSet([1024])).toThrow(RangeError);
    expect(() => encodeCpuSet([-1])).toThrow(RangeError);
    expect(() => encodeCpuSet([1.5])).toThrow(RangeError);
  });

  it('parses kernel CPU lists', () => {
    expect(parseCpuList('0-3,8,10-11\n')).toEqual([0, 1, 2, 3, 8, 10, 11]);
    expect(parseCpuList('1')).toEqual([1]);
    expect(() => parseCpuList('3-1')).toThrow(RangeError);
    expect(() => parseCpuList('a')).toThrow(RangeError);
  });
});
