/**
 * The nftables table of one network (pure): NAT and forwarding for nat and route mode, isolation for
 * a network without `<forward>`, as libvirt's firewall rules do. Each network has a table of its own,
 * `ip tsvirt-BRIDGE`, so that net-destroy removes exactly it and no other rule is touched.
 */
import { bridgeNameOf } from './bridge-argv.js';
import { formatIpv4, networkOf, parseIpv4 } from './ipv4.js';
import type { NetworkDef } from './network-def.js';

/** libvirt's masquerade source ports when `<nat><port>` is absent. */
const DEFAULT_NAT_PORTS = { start: 1024, end: 65535 } as const;

/** The name of the network's table (family `ip`). */
export function buildTableName(def: NetworkDef): string {
  return `tsvirt-${bridgeNameOf(def)}`;
}

/** Whether the network gets a table: nat, route and isolated networks do; open and bridge ones do not. */
export function needsFirewall(def: NetworkDef): boolean {
  const mode = def.forward?.mode;
  return mode === undefined || mode === 'nat' || mode === 'route';
}

/** Whether the network forwards traffic off the bridge, so the host must forward IPv4. */
export function needsIpForwarding(def: NetworkDef): boolean {
  return def.forward?.mode === 'nat' || def.forward?.mode === 'route';
}

function subnetsOf(def: NetworkDef): string[] {
  return def.ips.map((ip) => `${formatIpv4(networkOf(parseIpv4(ip.address) ?? 0, ip.prefix))}/${ip.prefix}`);
}

function forwardRules(def: NetworkDef, br: string): string[] {
  const mode = def.forward?.mode;
  const out = def.forward?.dev === undefined ? '' : ` oifname "${def.forward.dev}"`;
  const inn = def.forward?.dev === undefined ? '' : ` iifname "${def.forward.dev}"`;
  const rules = [`iifname "${br}" oifname "${br}" accept`];
  for (const subnet of mode === 'nat' || mode === 'route' ? subnetsOf(def) : []) {
    rules.push(`iifname "${br}"${out} ip saddr ${subnet} accept`);
    rules.push(
      mode === 'nat'
        ? `oifname "${br}"${inn} ip daddr ${subnet} ct state related,established accept`
        : `oifname "${br}"${inn} ip daddr ${subnet} accept`,
    );
  }
  rules.push(`iifname "${br}" reject`, `oifname "${br}" reject`);
  return rules;
}

function natRules(def: NetworkDef): string[] {
  const nat = def.forward?.nat;
  const ports = nat?.port ?? DEFAULT_NAT_PORTS;
  const out = def.forward?.dev === undefined ? '' : ` oifname "${def.forward.dev}"`;
  const range = `${ports.start}-${ports.end}`;
  const addr = nat?.address ? `${nat.address.start}-${nat.address.end}` : undefined;
  // With <nat><address>, the source becomes that range (snat); otherwise the outgoing device's address.
  const withPorts = addr === undefined ? `masquerade to :${range}` : `snat to ${addr}:${range}`;
  const plain = addr === undefined ? 'masquerade' : `snat to ${addr}`;
  const rules: string[] = [];
  for (const subnet of subnetsOf(def)) {
    const match = `ip saddr ${subnet} ip daddr != ${subnet}${out}`;
    rules.push(`ip saddr ${subnet} ip daddr 224.0.0.0/24 return`);
    rules.push(`ip saddr ${subnet} ip daddr 255.255.255.255 return`);
    rules.push(`${match} meta l4proto { tcp, udp } ${withPorts}`, `${match} ${plain}`);
  }
  return rules;
}

function chain(name: string, hook: string, rules: string[]): string[] {
  return [`  chain ${name} {`, `    type ${hook}; policy accept;`, ...rules.map((r) => `    ${r}`), '  }'];
}

/**
 * The nft script that replaces the network's table in one transaction: declared empty first so that the
 * delete cannot fail, deleted, then made anew.
 */
export function buildNftScript(def: NetworkDef): string {
  const table = buildTableName(def);
  const br = bridgeNameOf(def);
  const body = chain('forward', 'filter hook forward priority filter', forwardRules(def, br));
  if (def.forward?.mode === 'nat')
    body.push(...chain('postrouting', 'nat hook postrouting priority srcnat', natRules(def)));
  return [`table ip ${table} {}`, `delete table ip ${table}`, `table ip ${table} {`, ...body, '}', ''].join(
    '\n',
  );
}
