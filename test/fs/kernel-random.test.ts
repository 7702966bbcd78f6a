import { describe, expect, it } from 'vitest';
import { generateRandomUuid, readKernelRandom } from '../../src/fs/kernel-random.js';

describe('kernel random source', () => {
  it('reads as many bytes as asked, different each time', () => {
    const a = readKernelRandom(64);
    const b = readKernelRandom(64);
    expect(a.length).toBe(64);
    expect(a.equals(b)).toBe(false);
    expect(readKernelRandom(0).length).toBe(0);
  });

  it('makes version 4 UUIDs in canonical form, none repeated over 2000', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const uuid = generateRandomUuid();
      expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(uuid);
    }
    expect(seen.size).toBe(2000);
  });
});
