/** Checks across the elements of a network definition, as libvirt makes them at define (pure). */
import { TsvirtError } from '../errors.js';
import { formatIpv4, isInSubnet, networkOf, parseIpv4 } from './ipv4.js';
import type { IpDef, ParsedNetwork } from './network-def.js';

function refuse(field: string, problem: string, value: unknown, expected: string): TsvirtError {
  return new TsvirtError('ERR_XML_INVALID', `${field}: ${problem}; expected ${expected}`, {
    field,
    value,
    expected,
  });
}

/** Throws ERR_XML_INVALID for a definition whose parts do not fit together. */
export function checkNetworkDef(def: ParsedNetwork): void {
  const mode = def.forward?.mode;
  if (mode === 'bridge') checkHostBridge(def);
  else if ((mode === 'nat' || mode === 'route') && def.ips.length === 0) {
    throw refuse(
      'network/ip',
      `${mode} forwarding needs an IPv4 address on network '${def.name}'`,
      undefined,
      "an <ip address='...' prefix='...'> element",
    );
  }
  if (mode !== 'nat' && mode !== 'route' && def.forward?.dev !== undefined) {
    throw refuse(
      'network/forward@dev',
      `dev is only for nat and route networks`,
      def.forward.dev,
      "mode='nat' or mode='route'",
    );
  }
  const withDhcp = def.ips.filter((ip) => ip.dhcp);
  if (withDhcp.length > 1) {
    throw refuse(
      'network/ip/dhcp',
      'more than one <ip> has <dhcp>',
      withDhcp.length,
      'DHCP on one IPv4 address',
    );
  }
  for (const ip of def.ips) checkIp(ip);
}

function checkHostBridge(def: ParsedNetwork): void {
  if (def.bridge?.name === undefined) {
    throw refuse(
      'network/bridge@name',
      `forward mode 'bridge' needs the name of an existing host bridge`,
      undefined,
      "<bridge name='br0'/>",
    );
  }
  const extra = [def.ips.length > 0 && 'ip', def.mac && 'mac', def.dns && 'dns', def.domain && 'domain'].find(
    Boolean,
  );
  if (extra) {
    throw refuse(
      `network/${extra}`,
      `<${extra}> is not used with forward mode 'bridge'; the host bridge has its own`,
      extra,
      'no such element',
    );
  }
}

function checkIp(ip: IpDef): void {
  const base = parseIpv4(ip.address) as number;
  const subnet = `${formatIpv4(networkOf(base, ip.prefix))}/${ip.prefix}`;
  for (const range of ip.dhcp?.ranges ?? []) {
    const start = parseIpv4(range.start) as number;
    const end = parseIpv4(range.end) as number;
    if (start > end) {
      throw refuse(
        'network/ip/dhcp/range',
        `range ${range.start} - ${range.end} is reversed`,
        range.start,
        `a start at or below ${range.end}`,
      );
    }
    if (!isInSubnet(start, base, ip.prefix) || !isInSubnet(end, base, ip.prefix)) {
      throw refuse(
        'network/ip/dhcp/range',
        `range ${range.start} - ${range.end} is not entirely within network ${subnet}`,
        `${range.start}-${range.end}`,
        `addresses inside ${subnet}`,
      );
    }
  }
  for (const host of ip.dhcp?.hosts ?? []) {
    if (!isInSubnet(parseIpv4(host.ip) as number, base, ip.prefix)) {
      throw refuse(
        'network/ip/dhcp/host@ip',
        `host address ${host.ip} is not within network ${subnet}`,
        host.ip,
        `an address inside ${subnet}`,
      );
    }
  }
}
