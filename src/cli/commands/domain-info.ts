import type { Command } from '../command.js';
import { parseVerbArgs, req } from '../args.js';
import { lookupDomain } from '../lookup.js';
import { formatFields, formatTable } from '../format/table.js';
import { formatReason, formatState } from '../format/domain-state.js';
import { DomainState, type DomainRef } from '../../connection.js';
import { ListFlags, XmlFlags } from '../../api/domain-enums.js';

/** Active domains by id, then inactive ones by name, as virsh lists them. */
function sortDomains(doms: DomainRef[]): DomainRef[] {
  return [...doms].sort((a, b) =>
    a.id >= 0 && b.id >= 0 ? a.id - b.id : a.id >= 0 ? -1 : b.id >= 0 ? 1 : a.name.localeCompare(b.name),
  );
}

const list: Command = {
  name: 'list',
  summary: 'list domains',
  usage: 'Usage: tsvirt list [--all] [--inactive] [--name] [--uuid]',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'list',
      positionals: [],
      flags: ['all', 'inactive', 'name', 'uuid'],
    });
    const flags = a.flags.has('all')
      ? ListFlags.ACTIVE | ListFlags.INACTIVE
      : a.flags.has('inactive')
        ? ListFlags.INACTIVE
        : ListFlags.ACTIVE;
    const conn = await ctx.connect();
    const doms = sortDomains(await conn.listAllDomains(flags));
    const states = await Promise.all(doms.map((d) => conn.domainGetState(d)));
    if (ctx.json) {
      const rows = doms.map((d, i) => ({ ...d, state: formatState(states[i]?.state ?? 0) }));
      ctx.print(JSON.stringify(rows, null, 2));
      return 0;
    }
    if (a.flags.has('name') || a.flags.has('uuid')) {
      for (const d of doms)
        ctx.print(
          [a.flags.has('uuid') ? d.uuid : '', a.flags.has('name') ? d.name : ''].filter(Boolean).join('  '),
        );
      ctx.print('');
      return 0;
    }
    const rows = doms.map((d, i) => [
      d.id >= 0 ? String(d.id) : '-',
      d.name,
      formatState(states[i]?.state ?? 0),
    ]);
    ctx.print(formatTable(['Id', 'Name', 'State'], rows));
    return 0;
  },
};

const dominfo: Command = {
  name: 'dominfo',
  summary: 'domain information',
  usage: 'Usage: tsvirt dominfo <domain>',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, { verb: 'dominfo', positionals: ['domain'] });
    const conn = await ctx.connect();
    const dom = await lookupDomain(conn, req(a, 'domain'));
    const [osType, info, persistent, autostart, managedSave] = await Promise.all([
      conn.domainGetOSType(dom),
      conn.domainGetInfo(dom),
      conn.domainIsPersistent(dom),
      conn.domainGetAutostart(dom),
      conn.domainHasManagedSaveImage(dom),
    ]);
    if (ctx.json) {
      const state = formatState(info.state);
      const body = {
        ...dom,
        osType,
        state,
        cpus: info.nrVirtCpu,
        cpuTimeNs: String(info.cpuTimeNs),
        maxMemoryKiB: String(info.maxMemKiB),
        usedMemoryKiB: String(info.memoryKiB),
        persistent,
        autostart,
        managedSave,
      };
      ctx.print(JSON.stringify(body, null, 2));
      return 0;
    }
    ctx.print(
      formatFields([
        ['Id', dom.id >= 0 ? String(dom.id) : '-'],
        ['Name', dom.name],
        ['UUID', dom.uuid],
        ['OS Type', osType],
        ['State', formatState(info.state)],
        ['CPU(s)', String(info.nrVirtCpu)],
        ...(info.state === DomainState.RUNNING || info.state === DomainState.PAUSED
          ? ([['CPU time', `${(Number(info.cpuTimeNs) / 1e9).toFixed(1)}s`]] as Array<[string, string]>)
          : []),
        ['Max memory', `${info.maxMemKiB} KiB`],
        ['Used memory', `${info.memoryKiB} KiB`],
        ['Persistent', persistent ? 'yes' : 'no'],
        ['Autostart', autostart ? 'enable' : 'disable'],
        ['Managed save', managedSave ? 'yes' : 'no'],
      ]) + '\n',
    );
    return 0;
  },
};

const domstate: Command = {
  name: 'domstate',
  summary: 'domain state',
  usage: 'Usage: tsvirt domstate <domain> [--reason]',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, { verb: 'domstate', positionals: ['domain'], flags: ['reason'] });
    const conn = await ctx.connect();
    const { state, reason } = await conn.domainGetState(await lookupDomain(conn, req(a, 'domain')));
    if (ctx.json)
      ctx.print(JSON.stringify({ state: formatState(state), reason: formatReason(state, reason) }));
    else
      ctx.print(`${formatState(state)}${a.flags.has('reason') ? ` (${formatReason(state, reason)})` : ''}\n`);
    return 0;
  },
};

/** domid, domname and domuuid: one lookup, one field. */
function identityCommand(
  name: string,
  summary: string,
  pick: (d: DomainRef) => string,
  byId: boolean,
): Command {
  return {
    name,
    summary,
    usage: `Usage: tsvirt ${name} <domain>`,
    async run(ctx) {
      const a = parseVerbArgs(ctx.args, { verb: name, positionals: ['domain'] });
      const dom = await lookupDomain(await ctx.connect(), req(a, 'domain'), byId);
      ctx.print(ctx.json ? JSON.stringify(dom) : `${pick(dom)}\n`);
      return 0;
    },
  };
}

const dumpxml: Command = {
  name: 'dumpxml',
  summary: 'domain information in XML',
  usage: 'Usage: tsvirt dumpxml <domain> [--inactive]',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, { verb: 'dumpxml', positionals: ['domain'], flags: ['inactive'] });
    const conn = await ctx.connect();
    const xml = await conn.domainGetXMLDesc(
      await lookupDomain(conn, req(a, 'domain')),
      a.flags.has('inactive') ? XmlFlags.INACTIVE : 0,
    );
    ctx.print(ctx.json ? JSON.stringify({ xml }) : `${xml.trimEnd()}\n`);
    return 0;
  },
};

/** Verbs that report on domains. */
export const domainInfoCommands: Command[] = [
  list,
  dominfo,
  domstate,
  identityCommand(
    'domid',
    'convert a domain name or UUID to domain id',
    (d) => (d.id >= 0 ? String(d.id) : '-'),
    false,
  ),
  identityCommand('domname', 'convert a domain id or UUID to domain name', (d) => d.name, true),
  identityCommand('domuuid', 'convert a domain name or id to domain UUID', (d) => d.uuid, true),
  dumpxml,
];
