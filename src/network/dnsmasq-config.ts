/**
 * dnsmasq's files for one network (pure): the config, the DHCP hosts file and the DNS hosts file,
 * written as libvirt writes them, and the lease file dnsmasq keeps, parsed into lease records.
 */
import { TsvirtError } from '../errors.js';
import type { DhcpLeaseRecord } from './backend.js';
import { bridgeNameOf } from './bridge-argv.js';
import { buildNetmask, formatIpv4, isInSubnet, parseIpv4 } from './ipv4.js';
import type { NetworkDef } from './network-def.js';

/** Where one network's dnsmasq files live (under ROOT/run/network). */
export interface DnsmasqPaths {
  conf: string;
  pidFile: string;
  hostsFile: string;
  addnHosts: string;
  leaseFile: string;
}

/** The files of network `name` in `runDir`. */
export function buildDnsmasqPaths(runDir: string, name: string): DnsmasqPaths {
  const base = `${runDir}/${name}`;
  return {
    conf: `${base}.conf`,
    pidFile: `${base}.pid`,
    hostsFile: `${base}.hostsfile`,
    addnHosts: `${base}.addnhosts`,
    leaseFile: `${base}.leases`,
  };
}

/** Whether a network gets a dnsmasq: it has a bridge of its own and an IPv4 address on it. */
export function needsDnsmasq(def: NetworkDef): boolean {
  return def.forward?.mode !== 'bridge' && def.ips.length > 0;
}

/** `value` itself; a value with a line break would add lines of its own to dnsmasq's files, so it is refused. */
function oneLine(field: string, value: string): string {
  if (/[\n\r\0]/.test(value)) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `dnsmasq ${field}: value ${JSON.stringify(value)} holds a line break`,
      { field, value, expected: 'a value on one line' },
    );
  }
  return value;
}

/** One config line, `key` or `key=value`. */
function line(key: string, value?: string): string {
  return value === undefined ? key : `${key}=${oneLine(key, value)}`;
}

/** How many addresses a range holds, both ends included. */
function rangeSize(start: string, end: string): number {
  return (parseIpv4(end) ?? 0) - (parseIpv4(start) ?? 0) + 1;
}

/**
 * The config file. `user` is given when dnsmasq must keep another user than its default (nobody),
 * for example when nobody cannot reach the hosts files to read them again at SIGHUP.
 */
export function buildDnsmasqConfig(def: NetworkDef, paths: DnsmasqPaths, user?: string): string {
  const lines = [
    `## tsvirt: the DHCP and DNS server of network '${def.name.replace(/[\n\r]/g, ' ')}'; rewritten at net-start`,
    line('strict-order'),
    line('pid-file', paths.pidFile),
    line('except-interface', 'lo'),
    line('bind-dynamic'),
    line('interface', bridgeNameOf(def)),
  ];
  if (def.domain) {
    lines.push(line('domain', def.domain.name), line('expand-hosts'));
    if (def.domain.localOnly) lines.push(line('local', `/${def.domain.name}/`));
  }
  let leaseMax = 0;
  for (const ip of def.ips) {
    const mask = formatIpv4(buildNetmask(ip.prefix));
    for (const r of ip.dhcp?.ranges ?? []) {
      lines.push(line('dhcp-range', `${r.start},${r.end},${mask}`));
      leaseMax += rangeSize(r.start, r.end);
    }
    // A network with fixed hosts but no range still answers those hosts, as libvirt's does.
    if ((ip.dhcp?.ranges.length ?? 0) === 0 && (ip.dhcp?.hosts.length ?? 0) > 0)
      lines.push(line('dhcp-range', `${ip.address},static,${mask}`));
  }
  if (def.ips.some((ip) => ip.dhcp !== undefined)) {
    lines.push(line('dhcp-no-override'), line('dhcp-authoritative'));
    if (leaseMax > 0) lines.push(line('dhcp-lease-max', String(leaseMax)));
  }
  lines.push(
    line('dhcp-hostsfile', paths.hostsFile),
    line('addn-hosts', paths.addnHosts),
    line('dhcp-leasefile', paths.leaseFile),
  );
  if (user !== undefined) lines.push(line('user', user));
  return `${lines.join('\n')}\n`;
}

/** The DHCP hosts file: `MAC,IP[,NAME]` or `NAME,IP`, one fixed lease a line (read again at SIGHUP). */
export function buildDhcpHostsFile(def: NetworkDef): string {
  const rows: string[] = [];
  for (const ip of def.ips) {
    for (const h of ip.dhcp?.hosts ?? []) {
      const fields = h.mac !== undefined ? [h.mac, h.ip, h.name] : [h.name, h.ip];
      rows.push(oneLine('dhcp host', fields.filter((f): f is string => f !== undefined).join(',')));
    }
  }
  return rows.map((r) => `${r}\n`).join('');
}

/** The DNS hosts file: `IP<TAB>NAME...`, one address a line (read again at SIGHUP). */
export function buildAddnHostsFile(def: NetworkDef): string {
  return (def.dns?.hosts ?? [])
    .map((h) => `${oneLine('dns host', `${h.ip}\t${h.hostnames.join(' ')}`)}\n`)
    .join('');
}

/**
 * dnsmasq's lease file: `EXPIRY MAC IP HOSTNAME CLIENTID` a line, `*` for an absent field, EXPIRY in
 * seconds since the epoch (0: never). Leases expired at `nowSeconds` and malformed lines are left out;
 * the prefix is that of the network address the lease lies in.
 */
export function parseDnsmasqLeases(text: string, def: NetworkDef, nowSeconds: number): DhcpLeaseRecord[] {
  const leases: DhcpLeaseRecord[] = [];
  for (const row of text.split('\n')) {
    const [expiry, mac, ipaddr, hostname, clientid] = row.trim().split(/\s+/);
    if (expiry === undefined || mac === undefined || ipaddr === undefined || !/^\d+$/.test(expiry)) continue;
    const address = parseIpv4(ipaddr);
    if (address === undefined) continue; // IPv6 leases (`duid` lines) are not served by tsvirt's networks
    if (Number(expiry) !== 0 && Number(expiry) <= nowSeconds) continue;
    const net = def.ips.find((ip) => isInSubnet(address, parseIpv4(ip.address) ?? 0, ip.prefix));
    leases.push({
      iface: bridgeNameOf(def),
      expiryTime: BigInt(expiry),
      mac: mac.toLowerCase(),
      ipaddr,
      prefix: net?.prefix ?? 0,
      ...(hostname !== undefined && hostname !== '*' ? { hostname } : {}),
      ...(clientid !== undefined && clientid !== '*' ? { clientid } : {}),
    });
  }
  return leases;
}
