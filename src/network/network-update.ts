/** virNetworkUpdate's edits of DHCP hosts and DNS hosts on a definition (pure). */
import { ElementReader } from '../domain/element-reader.js';
import { parseXmlTree } from '../domain/xml-tree.js';
import { TsvirtError } from '../errors.js';
import { NetworkUpdateCommand as C, NetworkUpdateSection as S } from '../api/network-enums.js';
import type { DhcpHost, DnsHost, IpDef, NetworkDef } from './network-def.js';
import { checkNetworkDef } from './network-checks.js';
import { parseDhcpHost, parseDnsHost } from './network-xml.js';

/** One edit: the command, the section, the `<ip>` index (-1: the first with DHCP) and the item's XML. */
export interface NetworkEdit {
  command: number;
  section: number;
  parentIndex: number;
  xml: string;
}

const COMMANDS: ReadonlySet<number> = new Set(Object.values(C));

/** `def` with the edit applied; throws ERR_NOT_SUPPORTED, ERR_INVALID_ARG, ERR_OPERATION_INVALID, ERR_XML_*. */
export function applyNetworkEdit(def: NetworkDef, edit: NetworkEdit): NetworkDef {
  if (!COMMANDS.has(edit.command)) {
    throw new TsvirtError('ERR_INVALID_ARG', `network update command ${edit.command} is unknown`, {
      field: 'command',
      value: edit.command,
      expected: '1 modify, 2 delete, 3 add-last, 4 add-first',
    });
  }
  const next = structuredClone(def);
  if (edit.section === S.IP_DHCP_HOST) editDhcpHosts(next, edit);
  else if (edit.section === S.DNS_HOST) editDnsHosts(next, edit);
  else {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `network update of section ${edit.section} is not supported by tsvirt; update ip-dhcp-host (4) or dns-host (10), or redefine the network`,
      {
        field: 'section',
        value: edit.section,
        expected: [S.IP_DHCP_HOST, S.DNS_HOST],
      },
    );
  }
  checkNetworkDef(next);
  return next;
}

function readItem(xml: string, name: string): ElementReader {
  const root = parseXmlTree(xml, `network update ${name} XML`);
  if (root.name !== name) {
    throw new TsvirtError('ERR_XML_INVALID', `network update: the element is <${root.name}>, not <${name}>`, {
      field: 'xml',
      value: root.name,
      expected: `<${name}>`,
    });
  }
  return new ElementReader(root);
}

function pickIp(def: NetworkDef, parentIndex: number): IpDef {
  const ip = parentIndex < 0 ? (def.ips.find((i) => i.dhcp) ?? def.ips[0]) : def.ips[parentIndex];
  if (!ip) {
    throw new TsvirtError(
      'ERR_OPERATION_INVALID',
      `network '${def.name}' has no <ip> at index ${parentIndex}`,
      {
        field: 'parentIndex',
        value: parentIndex,
        expected: `-1 or 0..${def.ips.length - 1}`,
      },
    );
  }
  return ip;
}

function editDhcpHosts(def: NetworkDef, edit: NetworkEdit): void {
  const host = parseDhcpHost(readItem(edit.xml, 'host'));
  const ip = pickIp(def, edit.parentIndex);
  ip.dhcp ??= { ranges: [], hosts: [] };
  const same = (h: DhcpHost): boolean => (host.mac !== undefined ? h.mac === host.mac : h.name === host.name);
  const clash = (h: DhcpHost): boolean => same(h) || h.ip === host.ip;
  ip.dhcp.hosts = applyToList(def.name, 'DHCP host', ip.dhcp.hosts, host, edit.command, same, clash);
}

function editDnsHosts(def: NetworkDef, edit: NetworkEdit): void {
  const host = parseDnsHost(readItem(edit.xml, 'host'));
  def.dns ??= { hosts: [] };
  const same = (h: DnsHost): boolean => h.ip === host.ip;
  def.dns.hosts = applyToList(def.name, 'DNS host', def.dns.hosts, host, edit.command, same, same);
  if (def.dns.hosts.length === 0) delete def.dns;
}

function applyToList<T>(
  network: string,
  what: string,
  list: T[],
  item: T,
  command: number,
  same: (x: T) => boolean,
  clash: (x: T) => boolean,
): T[] {
  const at = list.findIndex(same);
  if (command === C.ADD_FIRST || command === C.ADD_LAST) {
    if (list.some(clash)) {
      throw new TsvirtError(
        'ERR_OPERATION_INVALID',
        `network '${network}' already has a ${what} entry that matches; modify or delete it`,
        {
          network,
          field: what,
          expected: 'an entry whose mac, name and address are new',
        },
      );
    }
    return command === C.ADD_FIRST ? [item, ...list] : [...list, item];
  }
  if (at < 0) {
    throw new TsvirtError('ERR_OPERATION_INVALID', `network '${network}' has no ${what} entry that matches`, {
      network,
      field: what,
      expected: 'an existing entry',
    });
  }
  return command === C.DELETE ? list.filter((_, i) => i !== at) : list.map((x, i) => (i === at ? item : x));
}
