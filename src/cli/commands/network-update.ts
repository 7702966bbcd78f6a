import { readFile } from 'node:fs/promises';
import type { Command } from '../command.js';
import { parseVerbArgs, req } from '../args.js';
import { lookupNetwork } from '../lookup.js';
import { formatTable } from '../format/table.js';
import type { NetworkDhcpLease } from '../../connection.js';
import { NetworkUpdateCommand, NetworkUpdateFlags } from '../../api/network-enums.js';
import { TsvirtError } from '../../errors.js';

/** virsh's names of virNetworkUpdateCommand values; `add` is add-last. */
const UPDATE_COMMANDS: Record<string, number> = {
  modify: NetworkUpdateCommand.MODIFY,
  delete: NetworkUpdateCommand.DELETE,
  'add-last': NetworkUpdateCommand.ADD_LAST,
  add: NetworkUpdateCommand.ADD_LAST,
  'add-first': NetworkUpdateCommand.ADD_FIRST,
};

/**
 * virsh's names of virNetworkUpdateSection values, numbered 1 on in this order. All are passed on by
 * number: the network driver says which ones it updates.
 */
const UPDATE_SECTIONS = [
  'bridge',
  'domain',
  'ip',
  'ip-dhcp-host',
  'ip-dhcp-range',
  'forward',
  'forward-interface',
  'forward-pf',
  'portgroup',
  'dns-host',
  'dns-txt',
  'dns-srv',
];

/** The virNetworkUpdateCommand number of a virsh command name. */
export function parseUpdateCommand(text: string): number {
  const command = UPDATE_COMMANDS[text];
  if (command === undefined) {
    throw new TsvirtError('ERR_INVALID_ARG', `unrecognized command name '${text}'`, {
      field: 'command',
      value: text,
      expected: Object.keys(UPDATE_COMMANDS),
    });
  }
  return command;
}

/** The virNetworkUpdateSection number of a virsh section name. */
export function parseUpdateSection(text: string): number {
  const index = UPDATE_SECTIONS.indexOf(text);
  if (index < 0) {
    throw new TsvirtError('ERR_INVALID_ARG', `unrecognized section name '${text}'`, {
      field: 'section',
      value: text,
      expected: UPDATE_SECTIONS,
    });
  }
  return index + 1;
}

/** The update flags of --live, --config and --current; --current goes alone, as in virsh. */
function buildUpdateFlags(flags: Set<string>): number {
  if (flags.has('current')) {
    const other = ['live', 'config'].find((f) => flags.has(f));
    if (other !== undefined) {
      throw new TsvirtError('ERR_INVALID_ARG', `Options --current and --${other} are mutually exclusive`, {
        field: 'current',
        value: other,
        expected: '--current without --live or --config',
      });
    }
    return NetworkUpdateFlags.AFFECT_CURRENT;
  }
  return (
    (flags.has('live') ? NetworkUpdateFlags.AFFECT_LIVE : 0) |
    (flags.has('config') ? NetworkUpdateFlags.AFFECT_CONFIG : 0)
  );
}

const netUpdate: Command = {
  name: 'net-update',
  summary: "update parts of an existing network's configuration",
  usage: `Usage: tsvirt net-update <network> <command> <section> <xml> [--parent-index N] [--live] [--config] [--current]

  command: add-first, add-last (add), delete or modify
  section: ip-dhcp-host or dns-host (the sections tsvirt updates)
  xml:     the element itself when it starts with '<', else a file holding it`,
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'net-update',
      positionals: ['network', 'command', 'section', 'xml'],
      flags: ['live', 'config', 'current'],
      options: ['parent-index'],
    });
    const command = parseUpdateCommand(req(a, 'command'));
    const section = parseUpdateSection(req(a, 'section'));
    const parentIndex = parseParentIndex(a.opts['parent-index']);
    const flags = buildUpdateFlags(a.flags);
    const xmlArg = req(a, 'xml');
    const xml = xmlArg.startsWith('<') ? xmlArg : await readFile(xmlArg, 'utf8');
    const conn = await ctx.connect();
    const net = await lookupNetwork(conn, req(a, 'network'));
    await conn.networkUpdate(net, command, section, parentIndex, xml, flags);
    const live = a.flags.has('live');
    const config = a.flags.has('config');
    const affected = config
      ? live
        ? 'persistent config and live state'
        : 'persistent config'
      : live || (await conn.networkIsActive(net))
        ? 'live state'
        : 'persistent config';
    ctx.print(
      ctx.json ? JSON.stringify({ network: net.name, ok: true }) : `Updated network ${net.name} ${affected}`,
    );
    return 0;
  },
};

function parseParentIndex(text: string | undefined): number {
  if (text === undefined) return -1;
  if (!/^-?\d+$/.test(text)) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `invalid value '${text}' for --parent-index; expected an integer`,
      {
        field: 'parent-index',
        value: text,
        expected: 'an integer',
      },
    );
  }
  return Number(text);
}

/** A lease's expiry as virsh prints it: local time, "YYYY-MM-DD HH:MM:SS". */
export function formatExpiry(epochSeconds: bigint): string {
  const d = new Date(Number(epochSeconds) * 1000);
  const two = (n: number): string => String(n).padStart(2, '0');
  return (
    `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
  );
}

/** One lease as a row of virsh's table; an absent field is '-'. */
function buildLeaseRow(l: NetworkDhcpLease): string[] {
  return [
    formatExpiry(l.expirytime),
    l.mac ?? '-',
    l.type === 0 ? 'ipv4' : l.type === 1 ? 'ipv6' : '-',
    `${l.ipaddr}/${l.prefix}`,
    l.hostname ?? '-',
    l.clientid ?? '-',
  ];
}

const netDhcpLeases: Command = {
  name: 'net-dhcp-leases',
  summary: 'print lease info for a given network',
  usage: 'Usage: tsvirt net-dhcp-leases <network> [--mac MAC]',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, { verb: 'net-dhcp-leases', positionals: ['network', 'mac?'] });
    const conn = await ctx.connect();
    const net = await lookupNetwork(conn, req(a, 'network'));
    const leases = (await conn.networkGetDHCPLeases(net, a.pos.mac, 0)).sort((x, y) =>
      (x.mac ?? '').toLowerCase().localeCompare((y.mac ?? '').toLowerCase()),
    );
    if (ctx.json) {
      ctx.print(JSON.stringify(leases, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v), 2));
      return 0;
    }
    ctx.print(
      formatTable(
        ['Expiry Time', 'MAC address', 'Protocol', 'IP address', 'Hostname', 'Client ID or DUID'],
        leases.map(buildLeaseRow),
      ),
    );
    return 0;
  },
};

/** net-update and net-dhcp-leases. */
export const networkUpdateCommands: Command[] = [netUpdate, netDhcpLeases];
