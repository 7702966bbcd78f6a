/** `tsvirt domstats`: virsh's bulk statistics verb, printed as virsh prints them (or as JSON). */
import type { Command } from '../command.js';
import { parseVerbArgs } from '../args.js';
import { lookupDomain } from '../lookup.js';
import { DomainStatsGroup, GetAllStatsFlags } from '../../api/stats-enums.js';
import type { DomainStatsRecord } from '../../api/stats-types.js';

/** virsh's group options and their bits. */
const GROUP_OPTIONS: ReadonlyArray<[string, number]> = [
  ['state', DomainStatsGroup.STATE],
  ['cpu-total', DomainStatsGroup.CPU_TOTAL],
  ['balloon', DomainStatsGroup.BALLOON],
  ['vcpu', DomainStatsGroup.VCPU],
  ['interface', DomainStatsGroup.INTERFACE],
  ['block', DomainStatsGroup.BLOCK],
];
/** virsh's filter options and their bits. */
const FILTER_OPTIONS: ReadonlyArray<[string, number]> = [
  ['list-active', GetAllStatsFlags.ACTIVE],
  ['list-inactive', GetAllStatsFlags.INACTIVE],
  ['list-persistent', GetAllStatsFlags.PERSISTENT],
  ['list-transient', GetAllStatsFlags.TRANSIENT],
  ['list-running', GetAllStatsFlags.RUNNING],
  ['list-paused', GetAllStatsFlags.PAUSED],
  ['list-shutoff', GetAllStatsFlags.SHUTOFF],
  ['list-other', GetAllStatsFlags.OTHER],
  ['enforce', GetAllStatsFlags.ENFORCE_STATS],
];

/** One record as virsh prints it: `Domain: 'NAME'`, then `  name=value` lines, then a blank line. */
export function formatStatsRecord(r: DomainStatsRecord): string {
  const lines = r.params.map(
    (p) => `  ${p.name}=${p.type === 'boolean' ? (p.value ? 'yes' : 'no') : String(p.value)}`,
  );
  return [`Domain: '${r.dom.name}'`, ...lines, ''].join('\n');
}

const domstats: Command = {
  name: 'domstats',
  summary: 'get statistics about one or multiple domains',
  usage:
    'Usage: tsvirt domstats [<domain>] [--state] [--cpu-total] [--balloon] [--vcpu] [--interface] [--block] [--list-active|--list-inactive|--list-running|--list-paused|--list-shutoff|...] [--enforce]',
  async run(ctx) {
    const all = [...GROUP_OPTIONS, ...FILTER_OPTIONS];
    const a = parseVerbArgs(ctx.args, {
      verb: 'domstats',
      positionals: ['domain?'],
      flags: all.map(([n]) => n),
    });
    const bits = (table: ReadonlyArray<[string, number]>): number =>
      table.reduce((t, [name, bit]) => (a.flags.has(name) ? t | bit : t), 0);
    const conn = await ctx.connect();
    const name = a.pos.domain;
    const doms = name === undefined ? undefined : [await lookupDomain(conn, name)];
    const records = await conn.getAllDomainStats(bits(GROUP_OPTIONS), bits(FILTER_OPTIONS) >>> 0, doms);
    if (ctx.json) {
      const out = records.map((r) => ({
        domain: r.dom.name,
        stats: Object.fromEntries(
          r.params.map((p) => [p.name, typeof p.value === 'bigint' ? String(p.value) : p.value]),
        ),
      }));
      ctx.print(JSON.stringify(out));
    } else if (records.length > 0) {
      // print ends the last record's blank line; virsh prints nothing when no domain matches.
      ctx.print(records.map(formatStatsRecord).join('\n'));
    }
    return 0;
  },
};

/** The statistics verbs. */
export const domainStatsCommands: Command[] = [domstats];
