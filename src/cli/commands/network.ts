import { readFile } from 'node:fs/promises';
import type { Command } from '../command.js';
import { parseVerbArgs, req, type VerbArgs } from '../args.js';
import { lookupNetwork } from '../lookup.js';
import { formatFields, formatTable } from '../format/table.js';
import type { Connection, NetworkRef } from '../../connection.js';
import { ListNetworksFlags, NetworkXmlFlags } from '../../api/network-enums.js';

/**
 * A verb `net-X <network>` that acts and prints "Network TEXT <done>". virsh names the network as it
 * was typed (a uuid stays a uuid), so this does too.
 */
function networkAction(
  name: string,
  summary: string,
  done: string | ((a: VerbArgs) => string),
  act: (c: Connection, n: NetworkRef, a: VerbArgs) => Promise<void>,
  flags: string[] = [],
): Command {
  return {
    name,
    summary,
    usage: `Usage: tsvirt ${name} <network>${flags.map((f) => ` [--${f}]`).join('')}`,
    async run(ctx) {
      const a = parseVerbArgs(ctx.args, { verb: name, positionals: ['network'], flags });
      const conn = await ctx.connect();
      const text = req(a, 'network');
      const net = await lookupNetwork(conn, text);
      await act(conn, net, a);
      const word = typeof done === 'string' ? done : done(a);
      ctx.print(ctx.json ? JSON.stringify({ network: net.name, ok: true }) : `Network ${text} ${word}\n`);
      return 0;
    },
  };
}

/** net-list's filter options and the list flag bit each one adds. */
const LIST_FILTERS: Record<string, number> = {
  persistent: ListNetworksFlags.PERSISTENT,
  transient: ListNetworksFlags.TRANSIENT,
  autostart: ListNetworksFlags.AUTOSTART,
  'no-autostart': ListNetworksFlags.NO_AUTOSTART,
};

/** The list flags of net-list's options: active ones by default, as virsh. */
function buildListFlags(a: VerbArgs): number {
  let flags: number = a.flags.has('all')
    ? ListNetworksFlags.ACTIVE | ListNetworksFlags.INACTIVE
    : a.flags.has('inactive')
      ? ListNetworksFlags.INACTIVE
      : ListNetworksFlags.ACTIVE;
  for (const [option, bit] of Object.entries(LIST_FILTERS)) if (a.flags.has(option)) flags |= bit;
  return flags;
}

const netList: Command = {
  name: 'net-list',
  summary: 'list networks',
  usage:
    'Usage: tsvirt net-list [--all] [--inactive] [--persistent] [--transient] [--autostart] [--no-autostart] [--name]',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, {
      verb: 'net-list',
      positionals: [],
      flags: ['all', 'inactive', 'name', ...Object.keys(LIST_FILTERS)],
    });
    const conn = await ctx.connect();
    const nets = (await conn.listAllNetworks(buildListFlags(a))).sort((x, y) =>
      x.name.toLowerCase().localeCompare(y.name.toLowerCase()),
    );
    const rows = await Promise.all(
      nets.map(async (n) => {
        const [active, autostart, persistent] = await Promise.all([
          conn.networkIsActive(n),
          conn.networkGetAutostart(n),
          conn.networkIsPersistent(n),
        ]);
        return { ...n, active, autostart, persistent };
      }),
    );
    if (ctx.json) ctx.print(JSON.stringify(rows, null, 2));
    else if (a.flags.has('name')) ctx.print(rows.map((r) => `${r.name}\n`).join(''));
    else {
      const yes = (b: boolean): string => (b ? 'yes' : 'no');
      ctx.print(
        formatTable(
          ['Name', 'State', 'Autostart', 'Persistent'],
          rows.map((r) => [r.name, r.active ? 'active' : 'inactive', yes(r.autostart), yes(r.persistent)]),
        ),
      );
    }
    return 0;
  },
};

const netInfo: Command = {
  name: 'net-info',
  summary: 'network information',
  usage: 'Usage: tsvirt net-info <network>',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, { verb: 'net-info', positionals: ['network'] });
    const conn = await ctx.connect();
    const net = await lookupNetwork(conn, req(a, 'network'));
    const [active, persistent, autostart, bridge] = await Promise.all([
      conn.networkIsActive(net),
      conn.networkIsPersistent(net),
      conn.networkGetAutostart(net),
      // virsh leaves the line out when the network has no bridge name to give.
      conn.networkGetBridgeName(net).catch(() => undefined),
    ]);
    if (ctx.json) {
      ctx.print(JSON.stringify({ ...net, active, persistent, autostart, bridge }, null, 2));
      return 0;
    }
    const yes = (b: boolean): string => (b ? 'yes' : 'no');
    const fields: Array<[string, string]> = [
      ['Name', net.name],
      ['UUID', net.uuid],
      ['Active', yes(active)],
      ['Persistent', yes(persistent)],
      ['Autostart', yes(autostart)],
    ];
    if (bridge !== undefined) fields.push(['Bridge', bridge]);
    ctx.print(`${formatFields(fields)}\n`);
    return 0;
  },
};

/** net-define and net-create: a network from an XML file. */
function networkFromFile(
  name: string,
  summary: string,
  word: string,
  make: (c: Connection, xml: string) => Promise<NetworkRef>,
): Command {
  return {
    name,
    summary,
    usage: `Usage: tsvirt ${name} <file>`,
    async run(ctx) {
      const a = parseVerbArgs(ctx.args, { verb: name, positionals: ['file'] });
      const file = req(a, 'file');
      const net = await make(await ctx.connect(), await readFile(file, 'utf8'));
      ctx.print(ctx.json ? JSON.stringify(net) : `Network ${net.name} ${word} from ${file}\n`);
      return 0;
    },
  };
}

const netDumpxml: Command = {
  name: 'net-dumpxml',
  summary: 'network information in XML',
  usage: 'Usage: tsvirt net-dumpxml <network> [--inactive]',
  async run(ctx) {
    const a = parseVerbArgs(ctx.args, { verb: 'net-dumpxml', positionals: ['network'], flags: ['inactive'] });
    const conn = await ctx.connect();
    const xml = await conn.networkGetXMLDesc(
      await lookupNetwork(conn, req(a, 'network')),
      a.flags.has('inactive') ? NetworkXmlFlags.INACTIVE : 0,
    );
    ctx.print(ctx.json ? JSON.stringify({ xml }) : `${xml.trimEnd()}\n`);
    return 0;
  },
};

/** Verbs about virtual networks (net-update and net-dhcp-leases are in network-update.ts). */
export const networkCommands: Command[] = [
  netList,
  netInfo,
  networkFromFile(
    'net-define',
    'define an inactive persistent virtual network from an XML file',
    'defined',
    (c, x) => c.networkDefineXML(x),
  ),
  networkFromFile('net-create', 'create (start) a transient network from an XML file', 'created', (c, x) =>
    c.networkCreateXML(x),
  ),
  networkAction('net-start', 'start a (previously defined) inactive network', 'started', (c, n) =>
    c.networkCreate(n),
  ),
  networkAction('net-destroy', 'destroy (stop) a network', 'destroyed', (c, n) => c.networkDestroy(n)),
  networkAction('net-undefine', 'undefine a persistent network', 'has been undefined', (c, n) =>
    c.networkUndefine(n),
  ),
  networkAction(
    'net-autostart',
    'autostart a network',
    (a) => (a.flags.has('disable') ? 'unmarked as autostarted' : 'marked as autostarted'),
    (c, n, a) => c.networkSetAutostart(n, !a.flags.has('disable')),
    ['disable'],
  ),
  netDumpxml,
];
