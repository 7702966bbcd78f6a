import { describe, expect, it } from 'vitest';
import { parseSchedstat, parseThreadStat, readThreadCpuStats } from '../../src/kvm/thread-stat.js';
import { getHostCpuCount } from '../../src/kvm/affinity.js';

// A vCPU thread of qemu with debug-threads=on, whose name holds a space and a slash.
const STAT =
  '4242 (CPU 0/KVM) S 4200 4200 4200 0 -1 4194624 1234 0 0 0 250 75 0 0 20 0 4 0 98765 ' +
  '1234567890 9876 18446744073709551615 1 1 0 0 0 0 268444224 4096 1 0 0 0 -1 1 0 0 0 0 0 0 0 0 0 0 0 0 0';

describe('thread stats', () => {
  it('reads name, state, times and last CPU from a stat line with spaces in the name', () => {
    expect(parseThreadStat(STAT)).toEqual({
      comm: 'CPU 0/KVM',
      state: 'S',
      utimeTicks: 250n,
      stimeTicks: 75n,
      processor: 1,
    });
  });

  it('counts fields from the last parenthesis, so a name with ") (" cannot shift them', () => {
    const tricky = STAT.replace('(CPU 0/KVM)', '(a) (b)');
    expect(parseThreadStat(tricky).comm).toBe('a) (b');
    expect(parseThreadStat(tricky).processor).toBe(1);
  });

  it('rejects lines without a name or with too few fields', () => {
    expect(() => parseThreadStat('4242 S 1')).toThrow(RangeError);
    expect(() => parseThreadStat('4242 (x) S 1 2')).toThrow(RangeError);
  });

  it('reads the run time in ns from schedstat', () => {
    expect(parseSchedstat('131100 0 1\n')).toBe(131100n);
    expect(() => parseSchedstat('')).toThrow(RangeError);
  });

  it('reads this process main thread: its name, some CPU time, and a CPU that exists', () => {
    const stats = readThreadCpuStats(process.pid, process.pid);
    expect(stats.name.length).toBeGreaterThan(0);
    expect(stats.cpuTimeNs).toBeGreaterThan(0n);
    expect(stats.lastCpu).toBeGreaterThanOrEqual(0);
    expect(stats.lastCpu).toBeLessThan(getHostCpuCount());
  });

  it('fails with ERR_IO naming the thread when it does not exist', () => {
    expect(() => readThreadCpuStats(process.pid, 999_999_999)).toThrow(
      expect.objectContaining({ code: 'ERR_IO', fields: { pid: process.pid, tid: 999_999_999 } }),
    );
  });
});
