import { readFileSync } from 'node:fs';
import { TsvirtError } from '../errors.js';

/** What virsh vcpuinfo shows for one vCPU thread. */
export interface ThreadCpuStats {
  /** The CPU the thread last ran on (field 39 of stat). */
  lastCpu: number;
  /** CPU time used, user and system. */
  cpuTimeNs: bigint;
  /** The thread's name ("CPU 0/KVM" with debug-threads=on). */
  name: string;
}

/** The fields of /proc/PID/task/TID/stat the report uses. */
export interface ThreadStat {
  comm: string;
  state: string;
  utimeTicks: bigint;
  stimeTicks: bigint;
  processor: number;
}

/** Clock ticks per second of stat's utime and stime (USER_HZ, 100 on Linux x86). */
export const USER_HZ = 100;

/**
 * Parses /proc/PID/task/TID/stat. The name (field 2) is in parentheses and may hold spaces and
 * parentheses itself, so fields are counted from the last ")".
 */
export function parseThreadStat(text: string): ThreadStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new RangeError('stat line has no "(comm)" field');
  // After ")": field 3 (state) is index 0, so field N is index N - 3.
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const field = (n: number): string => {
    const value = fields[n - 3];
    if (value === undefined) throw new RangeError(`stat line has no field ${n}`);
    return value;
  };
  return {
    comm: text.slice(open + 1, close),
    state: field(3),
    utimeTicks: BigInt(field(14)),
    stimeTicks: BigInt(field(15)),
    processor: Number(field(39)),
  };
}

/** The first field of /proc/PID/task/TID/schedstat: time spent on a CPU, in ns. */
export function parseSchedstat(text: string): bigint {
  const first = text.trim().split(/\s+/)[0];
  if (!first || !/^\d+$/.test(first)) throw new RangeError('schedstat has no run time');
  return BigInt(first);
}

/** Reads the last CPU, the CPU time and the name of one thread of a process. */
export function readThreadCpuStats(pid: number, tid: number): ThreadCpuStats {
  const dir = `/proc/${pid}/task/${tid}`;
  let stat: ThreadStat;
  let name: string;
  try {
    stat = parseThreadStat(readFileSync(`${dir}/stat`, 'utf8'));
    name = readFileSync(`${dir}/comm`, 'utf8').replace(/\n$/, '');
  } catch (cause) {
    throw new TsvirtError(
      'ERR_IO',
      `thread ${tid} of process ${pid}: cannot read ${dir}; it may have exited`,
      {
        pid,
        tid,
      },
      { cause },
    );
  }
  return { lastCpu: stat.processor, cpuTimeNs: readCpuTimeNs(dir, stat), name };
}

/** schedstat's nanoseconds when the kernel has them, else stat's ticks. */
function readCpuTimeNs(dir: string, stat: ThreadStat): bigint {
  try {
    return parseSchedstat(readFileSync(`${dir}/schedstat`, 'utf8'));
  } catch {
    return ((stat.utimeTicks + stat.stimeTicks) * 1_000_000_000n) / BigInt(USER_HZ);
  }
}
