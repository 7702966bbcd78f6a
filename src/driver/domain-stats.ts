/**
 * virConnectGetAllDomainStats and virDomainListGetStats: one record per domain, its groups in libvirt's
 * order (state, cpu-total, balloon, vcpu, interface, block). Domains are sampled side by side; each
 * running domain costs at most one QMP query per group (none for state, cpu-total and, after the
 * first call, vcpu), and /proc/net/dev is read once per call. A group that qemu cannot answer is left
 * out of that domain's record and logged, as libvirt leaves out what it cannot get.
 */
import { TsvirtError } from '../errors.js';
import type { DomainRef, TypedParam } from '../api/types.js';
import type { DomainStatsRecord } from '../api/stats-types.js';
import {
  DomainStatsGroup as G,
  GET_ALL_STATS_FILTERS,
  GetAllStatsFlags,
  SERVED_STATS_GROUPS,
} from '../api/stats-enums.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { matchesListFlags } from './registry.js';
import { buildBalloonParams, buildCpuParams, buildStateParams, buildVcpuParams } from './stats-groups.js';
import { buildInterfaceParams } from './stats-net.js';
import { buildBlockParams, sampleDisks } from './stats-block.js';
import { readNetDev, type NetDevCounters } from './stats-proc.js';

const KNOWN_FLAGS =
  GET_ALL_STATS_FILTERS | GetAllStatsFlags.NOWAIT | GetAllStatsFlags.BACKING | GetAllStatsFlags.ENFORCE_STATS;

/** The groups to fill: all served ones for 0; with ENFORCE_STATS a group tsvirt does not serve is an error. */
export function resolveStatsGroups(stats: number, flags: number): number {
  const unknownFlags = (flags >>> 0) & ~KNOWN_FLAGS;
  if (unknownFlags !== 0) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `unsupported flags (0x${(unknownFlags >>> 0).toString(16)}) in function virConnectGetAllDomainStats`,
      { field: 'flags', value: flags, expected: `bits of 0x${(KNOWN_FLAGS >>> 0).toString(16)}` },
    );
  }
  if (stats === 0) return SERVED_STATS_GROUPS;
  const unserved = (stats >>> 0) & ~SERVED_STATS_GROUPS;
  if (unserved !== 0 && (flags & GetAllStatsFlags.ENFORCE_STATS) !== 0) {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `argument unsupported: Stats types bits 0x${unserved.toString(16)} are not supported by this daemon`,
      { field: 'stats', value: stats, expected: `bits of 0x${SERVED_STATS_GROUPS.toString(16)}` },
    );
  }
  return stats & SERVED_STATS_GROUPS;
}

/** The domains of the call: the listed ones that still exist (libvirt skips missing ones), or all; filtered. */
function pickDomains(
  ctx: DriverContext,
  refs: readonly DomainRef[] | undefined,
  flags: number,
): DomainObject[] {
  const filter = flags & GET_ALL_STATS_FILTERS;
  const doms = refs
    ? refs.flatMap((ref) => {
        const dom = ctx.registry.all().find((d) => d.uuid === ref.uuid.toLowerCase());
        return dom ? [dom] : [];
      })
    : ctx.registry.all();
  return doms.filter((d) => matchesListFlags(d, filter));
}

/** One group of one domain; a failure leaves the group out of the record, with a log line. */
async function tryGroup(
  ctx: DriverContext,
  dom: DomainObject,
  group: string,
  fill: () => TypedParam[] | Promise<TypedParam[]>,
): Promise<TypedParam[]> {
  try {
    return await fill();
  } catch (err) {
    ctx.log(`domain '${dom.name}': ${group} stats left out: ${(err as Error).message}`);
    return [];
  }
}

/** One domain's record. */
async function buildRecord(
  ctx: DriverContext,
  dom: DomainObject,
  groups: number,
  netDev: () => Map<string, NetDevCounters>,
): Promise<DomainStatsRecord> {
  const live = dom.active && dom.run !== undefined;
  const want = (g: number): boolean => (groups & g) !== 0;
  const none = async (): Promise<TypedParam[]> => [];
  const parts = await Promise.all([
    want(G.STATE) ? buildStateParams(dom) : [],
    want(G.CPU_TOTAL) ? buildCpuParams(dom) : [],
    want(G.BALLOON) ? tryGroup(ctx, dom, 'balloon', () => buildBalloonParams(dom)) : none(),
    want(G.VCPU) ? tryGroup(ctx, dom, 'vcpu', () => buildVcpuParams(dom)) : none(),
    want(G.INTERFACE) && live
      ? tryGroup(ctx, dom, 'interface', () => buildInterfaceParams(dom, netDev))
      : none(),
    want(G.BLOCK)
      ? tryGroup(ctx, dom, 'block', async () =>
          buildBlockParams(dom.def, live ? await sampleDisks(dom) : undefined),
        )
      : none(),
  ]);
  return { dom: dom.ref(), params: parts.flat() };
}

/** Bulk stats of `refs` (virDomainListGetStats) or of every domain (virConnectGetAllDomainStats). */
export async function getAllDomainStats(
  ctx: DriverContext,
  refs: readonly DomainRef[] | undefined,
  stats: number,
  flags: number,
): Promise<DomainStatsRecord[]> {
  const groups = resolveStatsGroups(stats, flags);
  const doms = pickDomains(ctx, refs, flags);
  let counters: Map<string, NetDevCounters> | undefined;
  const netDev = (): Map<string, NetDevCounters> => (counters ??= readNetDev());
  return Promise.all(doms.map((dom) => buildRecord(ctx, dom, groups, netDev)));
}
