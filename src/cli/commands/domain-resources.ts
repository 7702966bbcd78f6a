import { XMLParser } from 'fast-xml-parser';
import type { Command } from '../command.js';
import { parseVerbArgs, req } from '../args.js';
import { lookupDomain } from '../lookup.js';
import { formatFields, formatTable } from '../format/table.js';
import { parseCpuList } from '../cpulist.js';
import { formatCpuset } from '../../domain/index.js';
import { parseSize } from '../../units.js';
import type { VcpuInfo } from '../../connection.js';
import { ModificationImpact, XmlFlags } from '../../api/domain-enums.js';

/** virDomainModificationImpact: CURRENT 0, LIVE 1, CONFIG 2. */
export function impactFlags(flags: Set<string>, fallback: number): number {
  if (flags.has('current')) return ModificationImpact.CURRENT;
  const f =
    (flags.has('live') ? ModificationImpact.LIVE : 0) | (flags.has('config') ? ModificationImpact.CONFIG : 0);
  return f === 0 ? fallback : f;
}

const VCPU_STATES = ['offline', 'running', 'blocked'];

const vcpuinfo: Command = {
  name: 'vcpuinfo',
  summary: 'detailed domain vcpu information',
  usage: 'Usage: tsvirt vcpuinfo <domain>',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, { verb: 'vcpuinfo', positionals: ['domain'] });
    const conn = await ctx.connect();
    const dom = await lookupDomain(conn, req(a, 'domain'));
    const hostCpus = (await conn.getNodeInfo()).cpus;
    const live: VcpuInfo[] | undefined = await conn.domainGetVcpus(dom).catch(() => undefined);
    const affinityText = (cpus: number[]): string =>
      Array.from({ length: hostCpus }, (_, i) => (cpus.includes(i) ? 'y' : '-')).join('');
    if (live) {
      if (ctx.json) {
        ctx.print(
          JSON.stringify(
            live.map((v) => ({ ...v, cpuTimeNs: String(v.cpuTimeNs) })),
            null,
            2,
          ),
        );
        return 0;
      }
      for (const v of live) {
        ctx.print(
          formatFields([
            ['VCPU', String(v.number)],
            ['CPU', String(v.cpu)],
            ['State', VCPU_STATES[v.state] ?? 'unknown'],
            ['CPU time', `${(Number(v.cpuTimeNs) / 1e9).toFixed(1)}s`],
            ['CPU Affinity', affinityText(v.affinity)],
            ...(v.threadId === undefined
              ? []
              : ([['Thread ID', String(v.threadId)]] as Array<[string, string]>)),
          ]) + '\n',
        );
      }
      return 0;
    }
    const pins = await conn.domainGetVcpuPinInfo(dom, ModificationImpact.CONFIG);
    if (ctx.json) {
      ctx.print(
        JSON.stringify(
          pins.map((cpus, number) => ({ number, cpu: null, state: null, affinity: cpus })),
          null,
          2,
        ),
      );
      return 0;
    }
    pins.forEach((cpus, number) => {
      ctx.print(
        formatFields([
          ['VCPU', String(number)],
          ['CPU', 'N/A'],
          ['State', 'N/A'],
          ['CPU Affinity', affinityText(cpus)],
        ]) + '\n',
      );
    });
    return 0;
  },
};

const vcpupin: Command = {
  name: 'vcpupin',
  summary: 'control or query domain vcpu affinity',
  usage: 'Usage: tsvirt vcpupin <domain> [--vcpu N] [--cpulist LIST] [--config] [--live] [--current]',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'vcpupin',
      positionals: ['domain', 'vcpu?', 'cpulist?'],
      flags: ['config', 'live', 'current'],
    });
    const conn = await ctx.connect();
    const dom = await lookupDomain(conn, req(a, 'domain'));
    const hostCpus = (await conn.getNodeInfo()).cpus;
    const { vcpu, cpulist } = a.pos;
    if (cpulist === undefined) {
      const live = dom.id >= 0 && !a.flags.has('config');
      const pins = live
        ? (await conn.domainGetVcpus(dom)).map((v) => v.affinity)
        : await conn.domainGetVcpuPinInfo(dom, ModificationImpact.CONFIG);
      const rows = pins
        .map((cpus, i) => [String(i), formatCpuset(cpus)])
        .filter(([i]) => vcpu === undefined || i === vcpu);
      ctx.print(
        ctx.json
          ? JSON.stringify(rows.map(([v, c]) => ({ vcpu: Number(v), cpus: c })))
          : formatTable(['VCPU', 'CPU Affinity'], rows),
      );
      return 0;
    }
    const cpus = parseCpuList(cpulist, hostCpus);
    await conn.domainPinVcpu(
      dom,
      Number(vcpu),
      cpus,
      impactFlags(a.flags, dom.id >= 0 ? ModificationImpact.LIVE : ModificationImpact.CONFIG),
    );
    ctx.print(ctx.json ? JSON.stringify({ vcpu: Number(vcpu), cpus }) : '');
    return 0;
  },
};

const setmem: Command = {
  name: 'setmem',
  summary: 'change memory allocation (through the balloon)',
  usage:
    'Usage: tsvirt setmem <domain> <size> [--config] [--live] [--current]\n\n  size: an integer, KiB by default, or with a unit (512M, 1G)',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'setmem',
      positionals: ['domain', 'size'],
      flags: ['config', 'live', 'current'],
    });
    const conn = await ctx.connect();
    const dom = await lookupDomain(conn, req(a, 'domain'));
    const kib = parseSize(req(a, 'size'), 'KiB', 'size') / 1024n;
    await conn.domainSetMemory(dom, kib, impactFlags(a.flags, ModificationImpact.LIVE));
    ctx.print(ctx.json ? JSON.stringify({ domain: dom.name, memoryKiB: String(kib) }) : '');
    return 0;
  },
};

/** virDomainMemoryStatTags by number, as virsh names them. */
const MEMSTAT_NAMES = [
  'swap_in',
  'swap_out',
  'major_fault',
  'minor_fault',
  'unused',
  'available',
  'actual',
  'rss',
  'usable',
  'last_update',
  'disk_caches',
  'hugetlb_pgalloc',
  'hugetlb_pgfail',
];

const dommemstat: Command = {
  name: 'dommemstat',
  summary: 'get memory statistics for a domain',
  usage: 'Usage: tsvirt dommemstat <domain>',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, { verb: 'dommemstat', positionals: ['domain'] });
    const conn = await ctx.connect();
    const stats = await conn.domainMemoryStats(await lookupDomain(conn, req(a, 'domain')));
    const named = stats.map((s) => [MEMSTAT_NAMES[s.tag] ?? `tag${s.tag}`, String(s.val)] as const);
    ctx.print(
      ctx.json
        ? JSON.stringify(Object.fromEntries(named))
        : `${named.map(([k, v]) => `${k} ${v}`).join('\n')}\n`,
    );
    return 0;
  },
};

/** Reads (target, source) pairs from a domain's XML, as virsh's domblklist does with XPath. */
export function listDiskTargets(
  xml: string,
): Array<{ target: string; source: string; device: string; type: string }> {
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    isArray: (n) => n === 'disk',
  }).parse(xml) as {
    domain?: { devices?: { disk?: Array<Record<string, Record<string, string> | string>> } };
  };
  return (doc.domain?.devices?.disk ?? []).map((d) => {
    const src = (d.source ?? {}) as Record<string, string>;
    const target = (d.target ?? {}) as Record<string, string>;
    const source =
      src['@file'] ?? src['@dev'] ?? (src['@volume'] ? `${src['@pool']}/${src['@volume']}` : '-');
    return {
      target: target['@dev'] ?? '-',
      source,
      device: String(d['@device'] ?? 'disk'),
      type: String(d['@type'] ?? 'file'),
    };
  });
}

const domblklist: Command = {
  name: 'domblklist',
  summary: 'list all domain blocks',
  usage: 'Usage: tsvirt domblklist <domain> [--inactive] [--details]',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'domblklist',
      positionals: ['domain'],
      flags: ['inactive', 'details'],
    });
    const conn = await ctx.connect();
    const xml = await conn.domainGetXMLDesc(
      await lookupDomain(conn, req(a, 'domain')),
      a.flags.has('inactive') ? XmlFlags.INACTIVE : 0,
    );
    const disks = listDiskTargets(xml);
    if (ctx.json) ctx.print(JSON.stringify(disks, null, 2));
    else if (a.flags.has('details'))
      ctx.print(
        formatTable(
          ['Type', 'Device', 'Target', 'Source'],
          disks.map((d) => [d.type, d.device, d.target, d.source]),
        ),
      );
    else
      ctx.print(
        formatTable(
          ['Target', 'Source'],
          disks.map((d) => [d.target, d.source]),
        ),
      );
    return 0;
  },
};

/** Verbs about a domain's vCPUs, memory and disks. */
export const domainResourceCommands: Command[] = [vcpuinfo, vcpupin, setmem, dommemstat, domblklist];
