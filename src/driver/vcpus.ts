import type { VcpuInfo } from '../connection.js';
import { TsvirtError } from '../errors.js';
import type { DomainConfig } from '../domain/index.js';
import { getHostCpuCount, getThreadAffinity, setThreadAffinity } from '../kvm/affinity.js';
import { readThreadCpuStats } from '../kvm/thread-stat.js';
import { queryCpusFast } from '../qmp/index.js';
import { VcpuState } from '../api/domain-enums.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { resolveImpact } from './impact.js';
import { requireMonitor } from './power.js';
import { checkAction } from './state-machine.js';
import { saveConfig, saveStatus } from './transitions.js';

/** Per vCPU: its host thread (query-cpus-fast), last CPU and CPU time (/proc), affinity (sched_getaffinity). */
export async function getVcpus(dom: DomainObject): Promise<VcpuInfo[]> {
  checkAction('live-query', dom.subject);
  const pid = dom.run?.pid ?? 0;
  const cpus = await queryCpusFast(requireMonitor(dom));
  return cpus
    .sort((a, b) => a.cpuIndex - b.cpuIndex)
    .map((cpu) => {
      const stats = readThreadCpuStats(pid, cpu.threadId);
      return {
        number: cpu.cpuIndex,
        // libvirt's qemu driver reports every vCPU of an active domain as running.
        state: VcpuState.RUNNING,
        cpuTimeNs: stats.cpuTimeNs,
        cpu: stats.lastCpu,
        affinity: getThreadAffinity(cpu.threadId),
        threadId: cpu.threadId,
      };
    });
}

/** Pin one vCPU: sched_setaffinity on its thread (live) and/or <cputune><vcpupin> (config). */
export async function pinVcpu(
  ctx: DriverContext,
  dom: DomainObject,
  vcpu: number,
  cpus: number[],
  flags: number,
): Promise<void> {
  const impact = resolveImpact(dom, flags);
  const set = checkCpuList(cpus);
  if (impact.live) {
    checkAction('live-change', dom.subject);
    const live = dom.liveDef as DomainConfig;
    checkVcpuIndex(live, vcpu);
    const thread = (await queryCpusFast(requireMonitor(dom))).find((c) => c.cpuIndex === vcpu);
    if (!thread)
      throw new TsvirtError('ERR_OPERATION_FAILED', `domain '${dom.name}': qemu reports no vCPU ${vcpu}`);
    setThreadAffinity(thread.threadId, set);
    setPin(live, vcpu, set);
    await saveStatus(ctx, dom);
  }
  if (impact.config) {
    checkAction('config-change', dom.subject);
    const def = dom.persistentDef as DomainConfig;
    checkVcpuIndex(def, vcpu);
    setPin(def, vcpu, set);
    await saveConfig(dom);
  }
}

/** The CPU list of each vCPU: its vcpupin, else <vcpu cpuset>, else every host CPU. */
export function getVcpuPinInfo(dom: DomainObject, flags: number): number[][] {
  const impact = resolveImpact(dom, flags);
  const def = impact.live && dom.liveDef ? dom.liveDef : (dom.persistentDef ?? dom.def);
  const all = Array.from({ length: getHostCpuCount() }, (_, i) => i);
  const fallback = def.vcpuCpuset ?? all;
  return Array.from(
    { length: def.vcpus },
    (_, i) => def.vcpupin.find((p) => p.vcpu === i)?.cpuset ?? [...fallback],
  );
}

function setPin(def: DomainConfig, vcpu: number, cpus: number[]): void {
  def.vcpupin = def.vcpupin.filter((p) => p.vcpu !== vcpu);
  def.vcpupin.push({ vcpu, cpuset: cpus });
  def.vcpupin.sort((a, b) => a.vcpu - b.vcpu);
}

function checkVcpuIndex(def: DomainConfig, vcpu: number): void {
  if (Number.isInteger(vcpu) && vcpu >= 0 && vcpu < def.vcpus) return;
  throw new TsvirtError(
    'ERR_INVALID_ARG',
    `vcpu ${vcpu}: domain '${def.name}' has vCPUs 0-${def.vcpus - 1}; give one of those`,
    { field: 'vcpu', value: vcpu, expected: `0-${def.vcpus - 1}` },
  );
}

function checkCpuList(cpus: number[]): number[] {
  const host = getHostCpuCount();
  const set = [...new Set(cpus)].sort((a, b) => a - b);
  if (set.length > 0 && set.every((c) => Number.isInteger(c) && c >= 0 && c < host)) return set;
  throw new TsvirtError(
    'ERR_INVALID_ARG',
    `cpu list ${cpus.join(',') || '(empty)'}: the host has CPUs 0-${host - 1}; give one or more of those`,
    { field: 'cpus', value: cpus, expected: `CPUs 0-${host - 1}` },
  );
}
