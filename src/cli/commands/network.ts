import type { Command } from '../command.js';
import { objectAction, objectDumpxml, objectFromFile, type ObjectKind } from './object-verbs.js';
import { parseVerbArgs, req, type VerbArgs } from '../args.js';
import { lookupNetwork } from '../lookup.js';
import { formatFields, formatTable } from '../format/table.js';
import type { NetworkRef } from '../../connection.js';
import { ListNetworksFlags, NetworkXmlFlags } from '../../api/network-enums.js';

/** virsh's net-* verbs name a network as it was typed (a uuid stays a uuid). */
const NETWORK: ObjectKind<NetworkRef> = {
  key: 'network',
  noun: 'Network',
  lookup: lookupNetwork,
  shownAs: 'typed',
};

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

/** Verbs about virtual networks (net-update and net-dhcp-leases are in network-update.ts). */
export const networkCommands: Command[] = [
  netList,
  netInfo,
  objectFromFile(
    NETWORK,
    'net-define',
    'define an inactive persistent virtual network from an XML file',
    'defined',
    (c, x) => c.networkDefineXML(x),
  ),
  objectFromFile(
    NETWORK,
    'net-create',
    'create (start) a transient network from an XML file',
    'created',
    (c, x) => c.networkCreateXML(x),
  ),
  objectAction(NETWORK, 'net-start', 'start a (previously defined) inactive network', 'started', (c, n) =>
    c.networkCreate(n),
  ),
  objectAction(NETWORK, 'net-destroy', 'destroy (stop) a network', 'destroyed', (c, n) =>
    c.networkDestroy(n),
  ),
  objectAction(NETWORK, 'net-undefine', 'undefine a persistent network', 'has been undefined', (c, n) =>
    c.networkUndefine(n),
  ),
  objectAction(
    NETWORK,
    'net-autostart',
    'autostart a network',
    (a) => (a.flags.has('disable') ? 'unmarked as autostarted' : 'marked as autostarted'),
    (c, n, a) => c.networkSetAutostart(n, !a.flags.has('disable')),
    ['disable'],
  ),
  objectDumpxml(NETWORK, 'net-dumpxml', 'network information in XML', (c, n, inactive) =>
    c.networkGetXMLDesc(n, inactive ? NetworkXmlFlags.INACTIVE : 0),
  ),
];
