/**
 * The state, cpu-total, balloon and vcpu groups of libvirt's bulk domain stats, for one domain, with
 * libvirt's parameter names and types. CPU figures come from /proc; vCPU thread ids from one
 * query-cpus-fast per qemu process (kept while it runs); guest memory figures from the balloon's
 * guest-stats, one qom-get.
 */
import { isTsvirtError } from '../errors.js';
import { queryCpusFast, qomGet } from '../qmp/index.js';
import { BALLOON_ALIAS } from '../domain/aliases.js';
import { VcpuState } from '../api/domain-enums.js';
import type { TypedParam } from '../api/types.js';
import type { DomainObject, DomainRuntime } from './domain-object.js';
import { readRssKiB } from './memory.js';
import { requireMonitor } from './power.js';
import { readProcessCpuTimes, readThreadTimes } from './stats-proc.js';

/** vCPU thread ids by cpu-index, per qemu process. */
const vcpuThreads = new WeakMap<DomainRuntime, number[]>();

/** state.state and state.reason. */
export function buildStateParams(dom: DomainObject): TypedParam[] {
  return [
    { name: 'state.state', type: 'int', value: dom.state },
    { name: 'state.reason', type: 'int', value: dom.reason },
  ];
}

/** cpu.time, cpu.user, cpu.system of the qemu process (ns); nothing for an inactive domain. */
export function buildCpuParams(dom: DomainObject): TypedParam[] {
  const times = dom.active && dom.run ? readProcessCpuTimes(dom.run.pid) : undefined;
  if (!times) return [];
  return [
    { name: 'cpu.time', type: 'ullong', value: times.totalNs },
    { name: 'cpu.user', type: 'ullong', value: times.userNs },
    { name: 'cpu.system', type: 'ullong', value: times.systemNs },
    // tsvirt sets up no resctrl cache monitors.
    { name: 'cpu.cache.monitor.count', type: 'uint', value: 0 },
  ];
}

/** The vCPU threads of a running domain, asked of qemu once per process. */
async function readVcpuThreads(dom: DomainObject, run: DomainRuntime): Promise<number[]> {
  const known = vcpuThreads.get(run);
  if (known) return known;
  const cpus = await queryCpusFast(requireMonitor(dom));
  const threads: number[] = [];
  for (const c of cpus) threads[c.cpuIndex] = c.threadId;
  vcpuThreads.set(run, threads);
  return threads;
}

/** vcpu.current, vcpu.maximum, and while running each vCPU's state, time, wait and delay. */
export async function buildVcpuParams(dom: DomainObject): Promise<TypedParam[]> {
  const def = dom.def;
  const out: TypedParam[] = [
    { name: 'vcpu.current', type: 'uint', value: def.vcpus },
    { name: 'vcpu.maximum', type: 'uint', value: def.vcpus },
  ];
  const run = dom.run;
  if (!dom.active || !run) return out;
  const threads = await readVcpuThreads(dom, run);
  for (let i = 0; i < def.vcpus; i++) {
    const tid = threads[i];
    const t = tid === undefined ? undefined : readThreadTimes(run.pid, tid);
    if (!t) continue;
    out.push(
      // libvirt's qemu driver reports every vCPU of an active domain as running.
      { name: `vcpu.${i}.state`, type: 'int', value: VcpuState.RUNNING },
      { name: `vcpu.${i}.time`, type: 'ullong', value: t.timeNs },
      { name: `vcpu.${i}.wait`, type: 'ullong', value: t.waitNs },
      { name: `vcpu.${i}.delay`, type: 'ullong', value: t.delayNs },
    );
  }
  return out;
}

/** guest-stats keys of virtio-balloon, libvirt's names for them, and whether bytes become KiB. */
const GUEST_STATS: ReadonlyArray<[string, string, boolean]> = [
  ['stat-swap-in', 'swap_in', true],
  ['stat-swap-out', 'swap_out', true],
  ['stat-major-faults', 'major_fault', false],
  ['stat-minor-faults', 'minor_fault', false],
  ['stat-free-memory', 'unused', true],
  ['stat-total-memory', 'available', true],
  ['stat-available-memory', 'usable', true],
];
const GUEST_STATS_AFTER: ReadonlyArray<[string, string, boolean]> = [
  ['stat-disk-caches', 'disk_caches', true],
  ['stat-htlb-pgalloc', 'hugetlb_pgalloc', false],
  ['stat-htlb-pgfail', 'hugetlb_pgfail', false],
];

/** The balloon's guest-stats as libvirt's balloon.* figures; the guest's -1 (not reported) is left out. */
async function readGuestMemory(dom: DomainObject): Promise<TypedParam[]> {
  const id = dom.def.devices.memballoon?.alias ?? BALLOON_ALIAS;
  let raw: { stats?: Record<string, number>; 'last-update'?: number };
  try {
    raw = (await qomGet(requireMonitor(dom), `/machine/peripheral/${id}`, 'guest-stats')) as typeof raw;
  } catch (err) {
    if (isTsvirtError(err, 'ERR_QMP_COMMAND')) return [];
    throw err;
  }
  const stats = raw.stats ?? {};
  const pick = (table: ReadonlyArray<[string, string, boolean]>): TypedParam[] =>
    table.flatMap(([key, name, bytes]) => {
      const v = stats[key];
      // qemu sends a figure the guest did not report as -1, or as 2^64 - 1 where it keeps it unsigned.
      if (v === undefined || v < 0 || v >= 2 ** 63) return [];
      return [{ name: `balloon.${name}`, type: 'ullong', value: BigInt(bytes ? Math.floor(v / 1024) : v) }];
    });
  const last = raw['last-update'];
  return [
    ...pick(GUEST_STATS),
    ...(last === undefined
      ? []
      : [{ name: 'balloon.last-update', type: 'ullong', value: BigInt(last) } as TypedParam]),
    ...pick(GUEST_STATS_AFTER),
  ];
}

/**
 * balloon.current (the balloon's size as qemu last reported it, or the definition's), balloon.maximum,
 * and while running the guest's figures and qemu's rss, in KiB.
 */
export async function buildBalloonParams(dom: DomainObject): Promise<TypedParam[]> {
  const def = dom.def;
  const hasBalloon = def.devices.memballoon?.model !== 'none';
  const current = !hasBalloon
    ? def.memoryKiB
    : ((dom.active ? dom.run?.balloonKiB : undefined) ?? def.currentMemoryKiB);
  const out: TypedParam[] = [
    { name: 'balloon.current', type: 'ullong', value: BigInt(current) },
    { name: 'balloon.maximum', type: 'ullong', value: BigInt(def.memoryKiB) },
  ];
  if (!dom.active || !dom.run) return out;
  if (hasBalloon) out.push(...(await readGuestMemory(dom)));
  const rss = readRssKiB(dom.run.pid);
  if (rss !== undefined) out.push({ name: 'balloon.rss', type: 'ullong', value: rss });
  return out;
}
