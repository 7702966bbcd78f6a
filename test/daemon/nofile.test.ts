import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clientBudgetFor, parseNofileLimits, reservedDescriptors } from '../../src/daemon/nofile.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('open-file limits', () => {
  it('reads soft and hard from the "Max open files" line of /proc/PID/limits', () => {
    expect(parseNofileLimits(LIMITS)).toEqual({ soft: 1024, hard: 524288 });
    expect(parseNofileLimits(LIMITS.replace('1024                 524288', 'unlimited unlimited'))).toEqual({
      soft: Infinity,
      hard: Infinity,
    });
  });

  it('reads this process', () => {
    const { soft, hard } = parseNofileLimits(readFileSync('/proc/self/limits', 'utf8'));
    expect(soft).toBeGreaterThan(0);
    expect(hard).toBeGreaterThanOrEqual(soft);
  });

  it('names the line it could not find', () => {
    expect(() => parseNofileLimits('Max cpu time unlimited unlimited seconds\n')).toThrow(
      /no "Max open files" line with two limits \(got null\)/,
    );
  });

  it('keeps a quarter of a small limit, and 256 of a large one, for guests and files', () => {
    expect([reservedDescriptors(256), clientBudgetFor(256)]).toEqual([64, 192]);
    expect([reservedDescriptors(1024), clientBudgetFor(1024)]).toEqual([256, 768]);
    expect(clientBudgetFor(524288)).toBe(524032);
    expect(clientBudgetFor(Infinity)).toBe(Number.MAX_SAFE_INTEGER);
  });
});
