/** libvirt network XML -> NetworkDef (pure). Semantic checks across elements are in network-checks.ts. */
import { ElementReader, invalid, notSupported } from '../domain/element-reader.js';
import { parseXmlTree } from '../domain/xml-tree.js';
import { TsvirtError } from '../errors.js';
import { validateName } from '../storage/names.js';
import { parseIpv4, prefixOfNetmask } from './ipv4.js';
import { isMulticastMac, parseMac } from './mac-address.js';
import type {
  DhcpHost,
  DnsHost,
  ForwardDef,
  ForwardMode,
  IpDef,
  NetworkDef,
  ParsedNetwork,
} from './network-def.js';
import { checkNetworkDef } from './network-checks.js';

const MODES: readonly ForwardMode[] = ['nat', 'route', 'open', 'bridge'];
/** Modes libvirt knows that hand guests a host device directly; tsvirt does not make them. */
const DEVICE_MODES = ['private', 'vepa', 'passthrough', 'hostdev'];
const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
/** IFNAMSIZ - 1: the longest Linux interface name. */
const MAX_IFNAME_CHARS = 15;

/**
 * Parse and check libvirt network XML. The uuid, MAC and bridge name stay absent when the XML lacks
 * them (network-defaults.ts fills them at define). Throws ERR_XML_PARSE, ERR_XML_INVALID, ERR_NOT_SUPPORTED.
 */
export function parseNetworkXml(xml: string): ParsedNetwork {
  if (typeof xml !== 'string') {
    throw new TsvirtError('ERR_XML_PARSE', 'network XML is not a string; pass the document text', {
      field: 'network',
    });
  }
  const root = parseXmlTree(xml, 'network XML');
  if (root.name !== 'network') {
    throw invalid(root, `the root element is <${root.name}>, not <network>`, {
      value: root.name,
      expected: '<network>',
    });
  }
  const r = new ElementReader(root);
  r.skip({ attrs: ['connections', 'ipv6', 'trustGuestRxFilters'] });
  const nameEl = r.child('name');
  if (!nameEl) throw invalid(root, 'the name is missing', { expected: 'a <name> element' });
  const name = nameEl.requireText('a network name');
  validateName('network', name);
  const def: ParsedNetwork = { name, ips: [] };
  const uuid = r.child('uuid');
  if (uuid) def.uuid = parseUuid(uuid);
  const forward = r.child('forward');
  if (forward) def.forward = parseForward(forward);
  const bridge = r.child('bridge');
  if (bridge) def.bridge = parseBridge(bridge);
  const mtu = r.child('mtu');
  if (mtu) def.mtu = parseMtu(mtu);
  const mac = r.child('mac');
  if (mac) def.mac = parseBridgeMac(mac);
  const domain = r.child('domain');
  if (domain) def.domain = parseDomain(domain);
  const dns = r.child('dns');
  if (dns) def.dns = { hosts: parseDns(dns) };
  def.ips = r.children('ip').map(parseIp);
  const portgroup = r.children('portgroup')[0];
  if (portgroup) {
    throw notSupported(portgroup.el, { expected: ['<interface> settings on each guest NIC'] });
  }
  r.finish();
  checkNetworkDef(def);
  return def;
}

function parseUuid(r: ElementReader): string {
  const text = r.requireText('a UUID');
  if (!UUID_RE.test(text)) {
    throw invalid(r.el, `'${text}' is not a UUID`, {
      value: text,
      expected: 'a UUID such as 8c79f996-cb2a-d24d-9822-ac7547ab2d01',
    });
  }
  const hex = text.replace(/-/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function parseForward(r: ElementReader): ForwardDef {
  const mode = r.attr('mode') ?? 'nat';
  if (DEVICE_MODES.includes(mode))
    throw notSupported(r.el, { attribute: 'mode', value: mode, expected: MODES });
  if (!(MODES as readonly string[]).includes(mode)) {
    throw invalid(r.el, `unknown forward mode '${mode}'`, {
      attribute: 'mode',
      value: mode,
      expected: MODES.map((m) => `'${m}'`).join(', '),
    });
  }
  const fwd: ForwardDef = { mode: mode as ForwardMode };
  const dev = r.attr('dev');
  const iface = r.children('interface');
  const ifaceDev = iface[0]?.requireAttr('dev', 'a host interface name');
  if (iface.length > 1) throw notSupported(iface[1]!.el, { expected: ['one <interface dev>'] });
  iface[0]?.finish();
  if (dev !== undefined && ifaceDev !== undefined && dev !== ifaceDev) {
    throw invalid(r.el, `dev='${dev}' and <interface dev='${ifaceDev}'> differ`, {
      attribute: 'dev',
      value: dev,
      expected: 'the same device in both',
    });
  }
  const device = dev ?? ifaceDev;
  if (device !== undefined) fwd.dev = checkIfname(r, 'dev', device);
  const nat = r.child('nat');
  if (nat) {
    if (fwd.mode !== 'nat')
      throw invalid(nat.el, `<nat> needs forward mode 'nat'`, { expected: "mode='nat'" });
    fwd.nat = parseNat(nat);
  }
  r.finish();
  return fwd;
}

function parseNat(r: ElementReader): NonNullable<ForwardDef['nat']> {
  const nat: NonNullable<ForwardDef['nat']> = {};
  const address = r.child('address');
  if (address) {
    const start = requireIpv4(address, 'start');
    const end = requireIpv4(address, 'end');
    if (parseIpv4(start)! > parseIpv4(end)!) {
      throw invalid(address.el, `range ${start} - ${end} is reversed`, {
        attribute: 'end',
        value: end,
        expected: `an address from ${start} up`,
      });
    }
    nat.address = { start, end };
    address.finish();
  }
  const port = r.child('port');
  if (port) {
    const start = port.uintAttr('start') ?? 0;
    const end = port.uintAttr('end') ?? 0;
    if (start > end || end > 65535) {
      throw invalid(port.el, `port range ${start} - ${end} is not a range of TCP/UDP ports`, {
        attribute: 'end',
        value: String(end),
        expected: 'start <= end <= 65535',
      });
    }
    nat.port = { start, end };
    port.finish();
  }
  r.finish();
  return nat;
}

function parseBridge(r: ElementReader): NonNullable<NetworkDef['bridge']> {
  const name = r.attr('name');
  const bridge: NonNullable<NetworkDef['bridge']> = {};
  if (name !== undefined) bridge.name = checkIfname(r, 'name', name);
  const stp = r.boolAttr('stp', ['on', 'off']);
  if (stp !== undefined) bridge.stp = stp;
  const delay = r.uintAttr('delay');
  if (delay !== undefined) bridge.delay = delay;
  r.skip({ attrs: ['macTableManager', 'zone'] });
  r.finish();
  return bridge;
}

function checkIfname(r: ElementReader, attribute: string, value: string): string {
  if (value.length === 0 || value.length > MAX_IFNAME_CHARS || !/^[A-Za-z0-9_.%-]+$/.test(value)) {
    throw invalid(r.el, `'${value}' is not a Linux interface name`, {
      attribute,
      value,
      expected: `1 to ${MAX_IFNAME_CHARS} letters, digits, '_', '.', '-'`,
    });
  }
  return value;
}

function parseMtu(r: ElementReader): number {
  const size = r.uintAttr('size');
  if (size === undefined || size < 68 || size > 65535) {
    throw invalid(r.el, `MTU ${size ?? '(missing)'} is out of range`, {
      attribute: 'size',
      value: size === undefined ? '' : String(size),
      expected: 'a size from 68 to 65535',
    });
  }
  r.finish();
  return size;
}

function parseBridgeMac(r: ElementReader): string {
  const mac = requireMac(r);
  if (isMulticastMac(mac)) {
    throw invalid(r.el, `multicast address '${mac}' cannot be a bridge's`, {
      attribute: 'address',
      value: mac,
      expected: 'a unicast MAC address (even first byte)',
    });
  }
  r.finish();
  return mac;
}

function requireMac(r: ElementReader, attribute = 'mac'): string {
  const name = r.el.name === 'mac' ? 'address' : attribute;
  const text = r.requireAttr(name, 'a MAC address such as 52:54:00:12:34:56');
  const mac = parseMac(text);
  if (mac === undefined) {
    throw invalid(r.el, `'${text}' is not a MAC address`, {
      attribute: name,
      value: text,
      expected: 'six hex bytes such as 52:54:00:12:34:56',
    });
  }
  return mac;
}

function requireIpv4(r: ElementReader, attribute: string): string {
  const text = r.requireAttr(attribute, 'an IPv4 address');
  if (parseIpv4(text) === undefined) {
    throw invalid(r.el, `'${text}' is not an IPv4 address`, {
      attribute,
      value: text,
      expected: 'a dotted-quad IPv4 address such as 192.168.122.1',
    });
  }
  return text;
}

function parseDomain(r: ElementReader): NonNullable<NetworkDef['domain']> {
  const name = r.requireAttr('name', 'a DNS domain name');
  const localOnly = r.boolAttr('localOnly');
  r.finish();
  return localOnly === undefined ? { name } : { name, localOnly };
}

function parseDns(r: ElementReader): DnsHost[] {
  const hosts = r.children('host').map(parseDnsHost);
  r.finish();
  return hosts;
}

/** One `<dns><host>`, also the XML net-update sends for the dns-host section. */
export function parseDnsHost(r: ElementReader): DnsHost {
  const ip = requireIpv4(r, 'ip');
  const hostnames = r.children('hostname').map((h) => h.requireText('a host name'));
  if (hostnames.length === 0) {
    throw invalid(r.el, `DNS host ${ip} has no <hostname>`, { expected: 'at least one <hostname>' });
  }
  r.finish();
  return { ip, hostnames };
}

function parseIp(r: ElementReader): IpDef {
  const family = r.attr('family');
  if (family !== undefined && family !== 'ipv4') {
    throw notSupported(r.el, { attribute: 'family', value: family, expected: ['ipv4'] });
  }
  const address = requireIpv4(r, 'address');
  const prefixText = r.attr('prefix');
  const netmask = r.attr('netmask');
  if (prefixText !== undefined && netmask !== undefined) {
    throw invalid(r.el, 'both prefix and netmask are given', {
      attribute: 'netmask',
      value: netmask,
      expected: 'one of prefix or netmask',
    });
  }
  let prefix = 24;
  if (prefixText !== undefined) {
    if (!/^\d{1,2}$/.test(prefixText) || Number(prefixText) > 32) {
      throw invalid(r.el, `'${prefixText}' is not an IPv4 prefix`, {
        attribute: 'prefix',
        value: prefixText,
        expected: 'a prefix length from 0 to 32',
      });
    }
    prefix = Number(prefixText);
  } else if (netmask !== undefined) {
    const mask = parseIpv4(netmask);
    const fromMask = mask === undefined ? undefined : prefixOfNetmask(mask);
    if (fromMask === undefined) {
      throw invalid(r.el, `'${netmask}' is not a netmask`, {
        attribute: 'netmask',
        value: netmask,
        expected: 'contiguous one bits such as 255.255.255.0',
      });
    }
    prefix = fromMask;
  }
  const ip: IpDef = { address, prefix, netmaskForm: prefixText === undefined };
  const dhcp = r.child('dhcp');
  if (dhcp) {
    const ranges = dhcp.children('range').map((range) => {
      const out = { start: requireIpv4(range, 'start'), end: requireIpv4(range, 'end') };
      range.finish();
      return out;
    });
    ip.dhcp = { ranges, hosts: dhcp.children('host').map(parseDhcpHost) };
    dhcp.finish();
  }
  r.finish();
  return ip;
}

/** One `<dhcp><host>`, also the XML net-update sends for the ip-dhcp-host section. */
export function parseDhcpHost(r: ElementReader): DhcpHost {
  const host: DhcpHost = { ip: requireIpv4(r, 'ip') };
  if (r.el.attrs['mac'] !== undefined) host.mac = requireMac(r);
  const name = r.attr('name');
  if (name !== undefined) host.name = name;
  if (host.mac === undefined && host.name === undefined) {
    throw invalid(r.el, `DHCP host ${host.ip} has neither mac nor name`, {
      expected: 'a mac or a name attribute',
    });
  }
  r.finish();
  return host;
}
