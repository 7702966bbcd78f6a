import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { TsvirtError } from '../errors.js';
import { CPU_SET_BYTES, decodeCpuSet, encodeCpuSet, parseCpuList } from './cpu-set.js';
import { nameErrno, sysSchedGetaffinity, sysSchedSetaffinity } from './libc.js';

/** Where the kernel lists the online CPUs. */
const ONLINE_CPUS_PATH = '/sys/devices/system/cpu/online';

/** Pins one thread (a vCPU thread id from query-cpus-fast) to the given host CPUs (sched_setaffinity). */
export function setThreadAffinity(tid: number, cpus: number[]): void {
  checkTid(tid);
  if (cpus.length === 0) {
    throw new TsvirtError('ERR_INVALID_ARG', `thread ${tid}: the CPU list is empty; give at least one CPU`, {
      field: 'cpus',
      value: cpus,
      expected: 'one or more CPU numbers',
    });
  }
  let mask: Buffer;
  try {
    mask = encodeCpuSet(cpus);
  } catch (cause) {
    throw new TsvirtError('ERR_INVALID_ARG', `thread ${tid}: ${(cause as Error).message}`, {
      field: 'cpus',
      value: cpus,
      expected: `CPU numbers 0-${CPU_SET_BYTES * 8 - 1}`,
    });
  }
  const result = sysSchedSetaffinity(tid, mask);
  if (result.value < 0) throw affinityError('sched_setaffinity', tid, cpus, result.errno);
}

/** The host CPUs one thread may run on (sched_getaffinity). */
export function getThreadAffinity(tid: number): number[] {
  checkTid(tid);
  const mask = Buffer.alloc(CPU_SET_BYTES);
  const result = sysSchedGetaffinity(tid, mask);
  if (result.value < 0) throw affinityError('sched_getaffinity', tid, undefined, result.errno);
  return decodeCpuSet(mask);
}

/** The number of online host CPUs. */
export function getHostCpuCount(): number {
  try {
    return parseCpuList(readFileSync(ONLINE_CPUS_PATH, 'utf8')).length;
  } catch {
    return availableParallelism();
  }
}

function checkTid(tid: number): void {
  if (!Number.isInteger(tid) || tid <= 0) {
    throw new TsvirtError('ERR_INVALID_ARG', `thread id ${tid} is not a positive integer`, {
      field: 'tid',
      value: tid,
      expected: 'a positive integer',
    });
  }
}

function affinityError(call: string, tid: number, cpus: number[] | undefined, errno: number): TsvirtError {
  const name = nameErrno(errno);
  const remedy =
    name === 'ESRCH'
      ? 'the thread is gone; ask qemu for its vCPU threads again'
      : name === 'EINVAL'
        ? `none of the CPUs is online; pick CPUs from 0-${getHostCpuCount() - 1}`
        : name === 'EPERM'
          ? 'permission denied; run as root or as the owner of the thread'
          : 'check the thread id and the CPU list';
  return new TsvirtError('ERR_OPERATION_FAILED', `thread ${tid}: ${call} failed (${name}); ${remedy}`, {
    tid,
    cpus,
    errno: name,
  });
}
