/**
 * virDomainSetVcpusFlags: the vCPU count of a running guest (CPU hotplug through query-hotpluggable-cpus,
 * device_add and device_del), of the persistent definition (<vcpu current>), or its maximum.
 */
import { TsvirtError } from '../errors.js';
import type { DomainConfig } from '../domain/index.js';
import { setThreadAffinity } from '../kvm/affinity.js';
import {
  deviceAdd,
  queryCpusFast,
  queryHotpluggableCpus,
  type QmpClient,
  type QmpHotpluggableCpu,
} from '../qmp/index.js';
import { VcpuFlags } from '../api/domain-enums.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { resolveImpact } from './impact.js';
import { requireMonitor } from './power.js';
import { checkAction } from './state-machine.js';
import { saveConfig, saveStatus } from './transitions.js';
import { unplugVcpu } from './vcpu-unplug.js';

/** Set the vCPU count: LIVE (hotplug), CONFIG (<vcpu current>), MAXIMUM with CONFIG (<vcpu>). */
export async function setVcpus(
  ctx: DriverContext,
  dom: DomainObject,
  count: number,
  flags: number,
): Promise<void> {
  checkVcpuFlags(flags);
  const maximum = (flags & VcpuFlags.MAXIMUM) !== 0;
  const impact = resolveImpact(dom, flags & (VcpuFlags.LIVE | VcpuFlags.CONFIG));
  if (!Number.isInteger(count) || count < 1) {
    throw new TsvirtError('ERR_INVALID_ARG', `vCPU count ${count}: give 1 or more`, {
      field: 'nvcpus',
      value: count,
      expected: 'an integer of 1 or more',
    });
  }
  if (maximum && impact.live) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      "maximum vcpu count of a live domain can't be modified; change it with --config and restart",
      { field: 'flags', value: flags, expected: 'maximum with config only' },
    );
  }
  if (impact.live) {
    checkAction('live-change', dom.subject);
    await setLiveVcpus(ctx, dom, count);
  }
  if (impact.config) {
    checkAction('config-change', dom.subject);
    const def = dom.persistentDef as DomainConfig;
    if (maximum) setMaximum(def, count);
    else setCurrent(def, count, 'persistent');
    await saveConfig(dom);
  }
}

function checkVcpuFlags(flags: number): void {
  if ((flags & VcpuFlags.GUEST) !== 0) {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      'setting the vCPUs the guest OS uses (guest flag) needs a guest agent, which tsvirt does not drive; leave out --guest',
      { field: 'flags', value: flags, expected: 'without guest (8)' },
    );
  }
  const known = VcpuFlags.LIVE | VcpuFlags.CONFIG | VcpuFlags.MAXIMUM | VcpuFlags.HOTPLUGGABLE;
  if ((flags & ~known) === 0) return;
  throw new TsvirtError('ERR_INVALID_ARG', `vcpu flags ${flags}: unknown bits ${flags & ~known}`, {
    field: 'flags',
    value: flags,
    expected: 'live (1), config (2), maximum (4), hotpluggable (16)',
  });
}

function setCurrent(def: DomainConfig, count: number, which: 'live' | 'persistent'): void {
  if (count > def.vcpus) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `requested vcpus is greater than max allowable vcpus for the ${which} domain: ${count} > ${def.vcpus}`,
      { field: 'nvcpus', value: count, expected: `1-${def.vcpus}` },
    );
  }
  if (count < def.vcpus) def.vcpusCurrent = count;
  else delete def.vcpusCurrent;
}

/** A new maximum: a smaller one also lowers the current count and drops the pins of the vCPUs it removes. */
function setMaximum(def: DomainConfig, count: number): void {
  const t = def.cpu?.topology;
  const topologyCpus = t ? t.sockets * t.dies * t.cores * t.threads : count;
  if (topologyCpus !== count) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `CPU topology doesn't match the desired vcpu count: ${topologyCpus} in <topology>, ${count} asked; change <topology> too`,
      { field: 'nvcpus', value: count, expected: `${topologyCpus} (the topology's CPUs)` },
    );
  }
  const current = Math.min(def.vcpusCurrent ?? def.vcpus, count);
  def.vcpus = count;
  if (current < count) def.vcpusCurrent = current;
  else delete def.vcpusCurrent;
  def.vcpupin = def.vcpupin.filter((p) => p.vcpu < count);
}

/** The vCPU number of a CPU slot: its place in socket, die, core, thread order. */
export function indexOfSlot(def: DomainConfig, props: Record<string, number>): number {
  const t = def.cpu?.topology ?? { sockets: def.vcpus, dies: 1, cores: 1, threads: 1 };
  const socket = props['socket-id'] ?? 0;
  const die = props['die-id'] ?? 0;
  const core = props['core-id'] ?? 0;
  const thread = props['thread-id'] ?? 0;
  return ((socket * t.dies + die) * t.cores + core) * t.threads + thread;
}

async function setLiveVcpus(ctx: DriverContext, dom: DomainObject, count: number): Promise<void> {
  const live = dom.liveDef as DomainConfig;
  setCurrent(structuredClone(live), count, 'live'); // range check before qemu is touched
  const qmp = requireMonitor(dom);
  const slots = (await queryHotpluggableCpus(qmp))
    .map((slot) => ({ slot, index: indexOfSlot(live, slot.props) }))
    .sort((a, b) => a.index - b.index);
  const plugged = slots.filter((s) => s.slot.qomPath !== undefined);
  try {
    if (count > plugged.length) {
      checkPluggable(dom, live);
      const free = slots.filter((s) => s.slot.qomPath === undefined).slice(0, count - plugged.length);
      for (const { slot, index } of free) await plugVcpu(qmp, slot, index);
      await pinNewVcpus(dom, live, new Set(free.map((s) => s.index)));
    } else {
      const extra = plugged.slice(count).reverse();
      for (const { slot, index } of extra) {
        checkUnpluggable(dom, index);
        const path = slot.qomPath as string;
        await unplugVcpu(dom.name, qmp, { path, id: path.slice(path.lastIndexOf('/') + 1), index });
      }
    }
  } finally {
    // What qemu has now, whether or not every step succeeded.
    await refreshLiveVcpus(ctx, dom);
  }
}

async function plugVcpu(qmp: QmpClient, slot: QmpHotpluggableCpu, index: number): Promise<void> {
  await deviceAdd(qmp, { driver: slot.type, id: `vcpu${index}`, ...slot.props });
}

/**
 * qemu 7.2 under TCG aborts ("corrupted double-linked list") on a CPU hotplug after a CPU was unplugged
 * from the same process, whatever the slot or device id; refuse instead of losing the guest.
 */
function checkPluggable(dom: DomainObject, live: DomainConfig): void {
  if (live.type !== 'qemu' || !dom.run?.vcpuUnplugged) return;
  throw new TsvirtError(
    'ERR_OPERATION_INVALID',
    `domain '${dom.name}': qemu under TCG aborts when a vCPU is plugged after one was unplugged; restart the domain, or change the count with --config`,
    { field: 'nvcpus', value: dom.name, expected: 'no hotplug after an unplug in a TCG domain' },
  );
}

/** vCPU 0 stays: qemu and the guest need a boot CPU. */
function checkUnpluggable(dom: DomainObject, index: number): void {
  if (index !== 0) return;
  throw new TsvirtError('ERR_OPERATION_INVALID', `vCPU 0 of domain '${dom.name}' cannot be unplugged`, {
    field: 'nvcpus',
    value: index,
    expected: 'at least 1 vCPU left',
  });
}

/**
 * Set the live definition's vCPU count to what qemu has (query-cpus-fast), and save the status: after a
 * hotplug step, and when a guest ejects a CPU late (after its unplug call timed out).
 */
export async function refreshLiveVcpus(ctx: DriverContext, dom: DomainObject): Promise<void> {
  const qmp = dom.run?.qmp;
  const live = dom.liveDef;
  if (!qmp || !live) return;
  const now = (await queryCpusFast(qmp).catch(() => undefined))?.length;
  if (now === undefined) return;
  const before = live.vcpusCurrent;
  if (now < (before ?? live.vcpus) && dom.run) dom.run.vcpuUnplugged = true;
  setCurrent(live, Math.min(now, live.vcpus), 'live');
  if (live.vcpusCurrent !== before) await saveStatus(ctx, dom);
}

/** Hot-plugged vCPU threads take their <vcpupin>, else <vcpu cpuset>, as started ones would. */
async function pinNewVcpus(dom: DomainObject, def: DomainConfig, indexes: Set<number>): Promise<void> {
  const cpus = await queryCpusFast(requireMonitor(dom));
  for (const cpu of cpus) {
    if (!indexes.has(cpu.cpuIndex)) continue;
    const set = def.vcpupin.find((p) => p.vcpu === cpu.cpuIndex)?.cpuset ?? def.vcpuCpuset;
    if (set) setThreadAffinity(cpu.threadId, set);
  }
}
