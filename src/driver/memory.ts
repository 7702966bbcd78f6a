import { readFileSync } from 'node:fs';
import type { MemoryStat } from '../connection.js';
import { TsvirtError, isTsvirtError } from '../errors.js';
import type { DomainConfig } from '../domain/index.js';
import { balloon, queryBalloon } from '../qmp/index.js';
import { MemoryStatTag, ModificationImpact } from '../api/domain-enums.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { resolveImpact } from './impact.js';
import { requireMonitor } from './power.js';
import { checkAction } from './state-machine.js';
import { saveConfig, saveStatus } from './transitions.js';

/** Set the balloon target (live) and/or <currentMemory> (config), in KiB; above <memory> is an error. */
export async function setMemory(
  ctx: DriverContext,
  dom: DomainObject,
  memoryKiB: bigint,
  flags: number,
): Promise<void> {
  if ((flags & ModificationImpact.MAXIMUM) !== 0) return setMaxMemory(dom, memoryKiB, flags);
  const impact = resolveImpact(dom, flags);
  const kib = Number(memoryKiB);
  if (impact.live) {
    checkAction('live-change', dom.subject);
    const live = dom.liveDef as DomainConfig;
    checkSize(live, kib);
    await balloon(requireMonitor(dom), kib * 1024).catch((err: unknown) => {
      throw noBalloon(dom, err);
    });
    live.currentMemoryKiB = kib;
    await saveStatus(ctx, dom);
  }
  if (impact.config) {
    checkAction('config-change', dom.subject);
    const def = dom.persistentDef as DomainConfig;
    checkSize(def, kib);
    def.currentMemoryKiB = kib;
    await saveConfig(dom);
  }
}

/**
 * The maximum memory (<memory>) of the persistent definition; a smaller one lowers <currentMemory> with
 * it. Refused live, as libvirt's qemu driver refuses it: qemu's RAM size is fixed at start.
 */
async function setMaxMemory(dom: DomainObject, memoryKiB: bigint, flags: number): Promise<void> {
  const impact = resolveImpact(dom, flags & ~ModificationImpact.MAXIMUM);
  if (impact.live) {
    checkAction('live-change', dom.subject);
    throw new TsvirtError(
      'ERR_OPERATION_INVALID',
      'cannot resize the maximum memory on an active domain; use --config and restart the domain',
      { domain: dom.name, field: 'flags', value: flags, expected: 'maximum with config' },
    );
  }
  checkAction('config-change', dom.subject);
  const kib = Number(memoryKiB);
  if (!Number.isSafeInteger(kib) || kib <= 0) {
    throw new TsvirtError('ERR_INVALID_ARG', `memory ${memoryKiB} KiB: give a positive size`, {
      field: 'memory',
      value: String(memoryKiB),
      expected: 'a size above 0 KiB',
    });
  }
  const def = dom.persistentDef as DomainConfig;
  def.memoryKiB = kib;
  def.currentMemoryKiB = Math.min(def.currentMemoryKiB, kib);
  await saveConfig(dom);
}

/** The balloon's current size in KiB, or undefined when the domain has no balloon device. */
export async function readBalloonKiB(dom: DomainObject): Promise<number | undefined> {
  try {
    const { actualBytes } = await queryBalloon(requireMonitor(dom));
    const kib = Math.floor(actualBytes / 1024);
    if (dom.run) dom.run.balloonKiB = kib; // dominfo's figure (see trackBalloon)
    return kib;
  } catch (err) {
    if (isTsvirtError(err, 'ERR_QMP_COMMAND')) return undefined;
    throw err;
  }
}

/** dommemstat: actual balloon (tag 6) when there is a balloon, rss (tag 7) from /proc/PID/status. */
export async function memoryStats(dom: DomainObject): Promise<MemoryStat[]> {
  checkAction('live-query', dom.subject);
  const stats: MemoryStat[] = [];
  const actual = await readBalloonKiB(dom);
  if (actual !== undefined) stats.push({ tag: MemoryStatTag.ACTUAL_BALLOON, val: BigInt(actual) });
  const rss = readRssKiB(dom.run?.pid ?? 0);
  if (rss !== undefined) stats.push({ tag: MemoryStatTag.RSS, val: rss });
  return stats;
}

/** VmRSS of a process in KiB, from /proc/PID/status. */
export function readRssKiB(pid: number): bigint | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? BigInt(m[1] ?? '0') : undefined;
  } catch {
    return undefined;
  }
}

function checkSize(def: DomainConfig, kib: number): void {
  if (Number.isSafeInteger(kib) && kib > 0 && kib <= def.memoryKiB) return;
  throw new TsvirtError(
    'ERR_INVALID_ARG',
    kib > def.memoryKiB
      ? `cannot set memory higher than max memory (${kib} KiB > ${def.memoryKiB} KiB); raise <memory> first`
      : `memory ${kib} KiB: give a positive size`,
    { field: 'memory', value: kib, expected: `1-${def.memoryKiB} KiB` },
  );
}

function noBalloon(dom: DomainObject, err: unknown): unknown {
  if (!isTsvirtError(err, 'ERR_QMP_COMMAND')) return err;
  return new TsvirtError(
    'ERR_NOT_SUPPORTED',
    `domain '${dom.name}': unable to change memory of an active domain without a balloon device (${err.message}); add <memballoon model='virtio'/>`,
    { domain: dom.name },
    { cause: err },
  );
}
