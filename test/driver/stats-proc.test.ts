/** The /proc and cgroup parsers behind domain statistics, and the group and flag checks of bulk stats. */
import { describe, expect, it } from 'vitest';
import {
  parseNetDev,
  parseProcessCpuTimes,
  parseSchedWaitSum,
  parseSchedstatDelay,
  readProcessCpuTimes,
  readThreadTimes,
} from '../../src/driver/stats-proc.js';
import { parseCpuCgroup } from '../../src/driver/scheduler.js';
import { resolveStatsGroups } from '../../src/driver/domain-stats.js';
import { DomainStatsGroup, GetAllStatsFlags, SERVED_STATS_GROUPS } from '../../src/api/stats-enums.js';
import { catchTsvirtError } from '../tsvirt-error.js';

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  123456     789    0    0    0     0          0         0   123456     789    0    0    0     0       0          0
vnet0:    1000      10    1    2    0     0          0         0     5000      50    3    4    0     0       0          0
`;

describe('stats parsers', () => {
  it('reads /proc/net/dev per interface, skipping the two header lines', () => {
    const m = parseNetDev(NET_DEV);
    expect([...m.keys()]).toEqual(['lo', 'vnet0']);
    expect(m.get('vnet0')).toEqual({
      rxBytes: 1000n,
      rxPackets: 10n,
      rxErrs: 1n,
      rxDrop: 2n,
      txBytes: 5000n,
      txPackets: 50n,
      txErrs: 3n,
      txDrop: 4n,
    });
    expect(parseNetDev('garbage\nx: 1 2 3\n').size).toBe(0);
  });

  it('turns stat ticks into ns, even with spaces and parentheses in the name', () => {
    // Fields 3-52 of proc(5): state S, utime (14) 250 ticks, stime (15) 130 ticks, the rest 0.
    const rest = Array.from({ length: 50 }, (_, i) =>
      i === 0 ? 'S' : i === 11 ? '250' : i === 12 ? '130' : '0',
    );
    const line = `42 (CPU 0/KVM) (x) ${rest.join(' ')}\n`;
    expect(parseProcessCpuTimes(line)).toEqual({
      totalNs: 3_800_000_000n,
      userNs: 2_500_000_000n,
      systemNs: 1_300_000_000n,
    });
  });

  it("reads schedstat's run-queue delay and sched's wait_sum (ms) in ns, 0 where absent", () => {
    expect(parseSchedstatDelay('1000 57966 3\n')).toBe(57966n);
    expect(parseSchedstatDelay('')).toBe(0n);
    expect(parseSchedWaitSum('se.statistics.wait_sum                       :             12.345678\n')).toBe(
      12_345_678n,
    );
    expect(parseSchedWaitSum('wait_sum : 3.5\n')).toBe(3_500_000n);
    expect(parseSchedWaitSum('se.vruntime : 938.7\n')).toBe(0n);
  });

  it('reads this process and one of its threads', () => {
    const own = readProcessCpuTimes(process.pid);
    expect(own?.totalNs).toBe((own?.userNs ?? 0n) + (own?.systemNs ?? 0n));
    expect(readThreadTimes(process.pid, process.pid)?.delayNs).toBeGreaterThanOrEqual(0n);
    expect(readProcessCpuTimes(2 ** 30)).toBeUndefined();
  });

  it("finds the CPU controller's cgroup in v1 and v2 layouts", () => {
    expect(parseCpuCgroup('4:memory:/a\n2:cpuacct:/\n1:cpu:/tsvirt\n0::/\n')).toEqual({
      version: 1,
      path: '/tsvirt',
    });
    expect(parseCpuCgroup('3:cpu,cpuacct:/x.slice\n')).toEqual({ version: 1, path: '/x.slice' });
    expect(parseCpuCgroup('0::/system.slice/tsvirtd.service\n')).toEqual({
      version: 2,
      path: '/system.slice/tsvirtd.service',
    });
    expect(parseCpuCgroup('')).toBeUndefined();
  });
});

describe('bulk stats groups and flags', () => {
  it('fills every served group for 0 and ignores unserved ones unless enforced', () => {
    expect(resolveStatsGroups(0, 0)).toBe(SERVED_STATS_GROUPS);
    expect(resolveStatsGroups(DomainStatsGroup.STATE | DomainStatsGroup.PERF, 0)).toBe(
      DomainStatsGroup.STATE,
    );
    const enforced = catchTsvirtError(() =>
      resolveStatsGroups(DomainStatsGroup.PERF, GetAllStatsFlags.ENFORCE_STATS),
    );
    expect([enforced.code, enforced.message]).toEqual([
      'ERR_NOT_SUPPORTED',
      'argument unsupported: Stats types bits 0x40 are not supported by this daemon',
    ]);
    expect(
      resolveStatsGroups(DomainStatsGroup.VCPU, GetAllStatsFlags.ENFORCE_STATS | GetAllStatsFlags.NOWAIT),
    ).toBe(DomainStatsGroup.VCPU);
    const flags = catchTsvirtError(() => resolveStatsGroups(0, 1 << 20));
    expect([flags.code, flags.fields.field]).toEqual(['ERR_INVALID_ARG', 'flags']);
    expect(flags.message).toMatch(/^unsupported flags \(0x100000\)/);
  });
});
