/**
 * What the statistics read from /proc: a process's CPU times, a vCPU thread's run, wait and delay
 * times, and the host's per-interface counters. Parsers are pure; the readers are one file read each.
 */
import { readFileSync } from 'node:fs';
import { USER_HZ, parseThreadStat } from '../kvm/thread-stat.js';

/** A process's CPU time in ns, as stat's ticks give it (all its threads together). */
export interface ProcessCpuTimes {
  totalNs: bigint;
  userNs: bigint;
  systemNs: bigint;
}

/** One vCPU thread's times in ns (libvirt's vcpu.N.time, .wait and .delay). */
export interface ThreadTimes {
  /** CPU time, user and system, from stat's ticks. */
  timeNs: bigint;
  /** Time runnable but waiting for a CPU, where the kernel keeps schedstats (se.statistics.wait_sum), else 0. */
  waitNs: bigint;
  /** Time spent waiting on a run queue (schedstat's second field). */
  delayNs: bigint;
}

/** Counters of one host interface from /proc/net/dev, as the host sees them. */
export interface NetDevCounters {
  rxBytes: bigint;
  rxPackets: bigint;
  rxErrs: bigint;
  rxDrop: bigint;
  txBytes: bigint;
  txPackets: bigint;
  txErrs: bigint;
  txDrop: bigint;
}

const NS_PER_TICK = BigInt(1_000_000_000 / USER_HZ);

/** Parses /proc/PID/stat into CPU times. */
export function parseProcessCpuTimes(text: string): ProcessCpuTimes {
  const stat = parseThreadStat(text);
  const userNs = stat.utimeTicks * NS_PER_TICK;
  const systemNs = stat.stimeTicks * NS_PER_TICK;
  return { totalNs: userNs + systemNs, userNs, systemNs };
}

/** A process's CPU times, or undefined when it is gone. */
export function readProcessCpuTimes(pid: number): ProcessCpuTimes | undefined {
  try {
    return parseProcessCpuTimes(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** schedstat's second field: ns spent waiting on a run queue. */
export function parseSchedstatDelay(text: string): bigint {
  const second = text.trim().split(/\s+/)[1];
  return second !== undefined && /^\d+$/.test(second) ? BigInt(second) : 0n;
}

/** se.statistics.wait_sum (ms with a fraction) of /proc/PID/task/TID/sched in ns; 0 when absent. */
export function parseSchedWaitSum(text: string): bigint {
  const m = /^(?:se\.statistics\.)?wait_sum\s*:\s*(\d+)(?:\.(\d{1,6}))?/m.exec(text);
  if (!m) return 0n;
  return BigInt(m[1] ?? '0') * 1_000_000n + BigInt((m[2] ?? '').padEnd(6, '0'));
}

/** Whether the kernel keeps schedstats (wait_sum), read once: without them libvirt's wait is 0. */
let schedstatsOn: boolean | undefined;
function hasSchedstats(): boolean {
  if (schedstatsOn === undefined) {
    try {
      schedstatsOn = readFileSync('/proc/sys/kernel/sched_schedstats', 'utf8').trim() === '1';
    } catch {
      schedstatsOn = false;
    }
  }
  return schedstatsOn;
}

/** One thread's times, or undefined when it is gone. */
export function readThreadTimes(pid: number, tid: number): ThreadTimes | undefined {
  const dir = `/proc/${pid}/task/${tid}`;
  try {
    const stat = parseThreadStat(readFileSync(`${dir}/stat`, 'utf8'));
    const delayNs = parseSchedstatDelay(readFileSync(`${dir}/schedstat`, 'utf8'));
    const waitNs = hasSchedstats() ? parseSchedWaitSum(readFileSync(`${dir}/sched`, 'utf8')) : 0n;
    return { timeNs: (stat.utimeTicks + stat.stimeTicks) * NS_PER_TICK, waitNs, delayNs };
  } catch {
    return undefined;
  }
}

/** Parses /proc/net/dev: "NAME: rx bytes packets errs drop fifo frame compressed multicast tx bytes packets errs drop ...". */
export function parseNetDev(text: string): Map<string, NetDevCounters> {
  const out = new Map<string, NetDevCounters>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    if (name === '' || f.length < 16 || !f.every((x) => /^\d+$/.test(x))) continue;
    const n = (i: number): bigint => BigInt(f[i] ?? '0');
    out.set(name, {
      rxBytes: n(0),
      rxPackets: n(1),
      rxErrs: n(2),
      rxDrop: n(3),
      txBytes: n(8),
      txPackets: n(9),
      txErrs: n(10),
      txDrop: n(11),
    });
  }
  return out;
}

/** The host's interface counters now; an empty map when /proc/net/dev cannot be read. */
export function readNetDev(): Map<string, NetDevCounters> {
  try {
    return parseNetDev(readFileSync('/proc/net/dev', 'utf8'));
  } catch {
    return new Map();
  }
}
