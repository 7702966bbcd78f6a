/**
 * virDomainGetSchedulerType and virDomainGet/SetSchedulerParameters(Flags). libvirt keeps a cgroup per
 * domain and reads and writes its CPU controller. tsvirt creates no cgroup per domain: a running qemu
 * sits in the cgroup tsvirtd gave it, so the live figures are that cgroup's (the weight and the CFS
 * period and quota every qemu thread runs under), the persistent ones are unset (0, as libvirt shows a
 * definition without <cputune>), and setting them is refused.
 */
import { readFileSync } from 'node:fs';
import { TsvirtError } from '../errors.js';
import type { TypedParam } from '../api/types.js';
import type { DomainObject } from './domain-object.js';
import { resolveImpact } from './impact.js';
import { checkAction } from './state-machine.js';

/** libvirt's scheduler name for the qemu driver with a CPU controller. */
export const SCHEDULER_TYPE = 'posix';

/** The CPU controller's figures: weight as cpu_shares, the CFS period (us) and quota (us, -1 unlimited). */
interface CpuControl {
  shares: bigint;
  periodUs: bigint;
  quotaUs: bigint;
}

/** The cgroup path of the CPU controller in /proc/PID/cgroup: v1's `N:cpu[,cpuacct]:PATH`, else v2's `0::PATH`. */
export function parseCpuCgroup(text: string): { version: 1 | 2; path: string } | undefined {
  const lines = text.split('\n');
  for (const line of lines) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (controllers?.split(',').includes('cpu') && path !== undefined) return { version: 1, path };
  }
  const v2 = lines.find((l) => l.startsWith('0::'));
  return v2 === undefined ? undefined : { version: 2, path: v2.slice(3) };
}

function readNumber(file: string): string {
  return readFileSync(file, 'utf8').trim();
}

/** The CPU controller of the cgroup a process runs in, or undefined when it cannot be read. */
export function readCpuControl(pid: number): CpuControl | undefined {
  try {
    const where = parseCpuCgroup(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
    if (!where) return undefined;
    if (where.version === 1) {
      const dir = `/sys/fs/cgroup/cpu${where.path === '/' ? '' : where.path}`;
      return {
        shares: BigInt(readNumber(`${dir}/cpu.shares`)),
        periodUs: BigInt(readNumber(`${dir}/cpu.cfs_period_us`)),
        quotaUs: BigInt(readNumber(`${dir}/cpu.cfs_quota_us`)),
      };
    }
    const dir = `/sys/fs/cgroup${where.path === '/' ? '' : where.path}`;
    const [quota, period] = readNumber(`${dir}/cpu.max`).split(/\s+/);
    // cgroup v2's weight (1-10000, default 100) as v1 shares (default 1024), as libvirt converts it.
    const weight = BigInt(readNumber(`${dir}/cpu.weight`));
    return {
      shares: (weight * 1024n) / 100n,
      periodUs: BigInt(period ?? '100000'),
      quotaUs: quota === 'max' ? -1n : BigInt(quota ?? '-1'),
    };
  } catch {
    return undefined;
  }
}

/** libvirt's nine parameters, in its order, from one set of figures. */
function buildParams(c: CpuControl): TypedParam[] {
  const out: TypedParam[] = [{ name: 'cpu_shares', type: 'ullong', value: c.shares }];
  for (const scope of ['vcpu', 'emulator', 'global', 'iothread']) {
    out.push(
      { name: `${scope}_period`, type: 'ullong', value: c.periodUs },
      { name: `${scope}_quota`, type: 'llong', value: c.quotaUs },
    );
  }
  return out;
}

/** The parameters: the live cgroup's figures (flags live or current while running), else the unset config. */
export function getSchedulerParameters(dom: DomainObject, flags: number): TypedParam[] {
  const impact = resolveImpact(dom, flags);
  if (impact.live) checkAction('live-query', dom.subject);
  if (impact.live && dom.run) {
    const live = readCpuControl(dom.run.pid);
    if (live) return buildParams(live);
    throw new TsvirtError(
      'ERR_OPERATION_FAILED',
      `domain '${dom.name}': cannot read the CPU controller of qemu's cgroup (/proc/${dom.run.pid}/cgroup); mount the cgroup cpu controller`,
      { domain: dom.name, pid: dom.run.pid },
    );
  }
  return buildParams({ shares: 0n, periodUs: 0n, quotaUs: 0n });
}

/** Setting needs a cgroup per domain, which tsvirt does not make: refused, naming the parameters. */
export function setSchedulerParameters(
  dom: DomainObject,
  params: readonly TypedParam[],
  flags: number,
): void {
  resolveImpact(dom, flags);
  const names = params.map((p) => p.name);
  throw new TsvirtError(
    'ERR_NOT_SUPPORTED',
    `domain '${dom.name}': cannot set ${names.join(', ') || 'scheduler parameters'}: tsvirt gives a domain no cgroup of its own, so qemu's CPU weight, period and quota are those of tsvirtd's cgroup; limit a guest's CPUs with vcpupin instead`,
    {
      domain: dom.name,
      field: 'params',
      value: names,
      expected: 'none (scheduler parameters are read-only)',
    },
  );
}
