/** The host's IPv4 routes as `ip -j route` reports them, and the subnet clash check at start (pure). */
import { TsvirtError } from '../errors.js';
import { formatIpv4, networkOf, parseIpv4 } from './ipv4.js';
import type { NetworkDef } from './network-def.js';

/** One route of the main table. */
export interface HostRoute {
  /** The destination subnet's base address (32-bit). */
  base: number;
  prefix: number;
  dev: string;
}

/** Parse `ip -j route` output; the default route and non-IPv4 destinations are left out. */
export function parseIpRouteJson(text: string): HostRoute[] {
  const rows: unknown = JSON.parse(text === '' ? '[]' : text);
  if (!Array.isArray(rows))
    throw new TsvirtError('ERR_INTERNAL', 'ip -j route: the output is not a JSON list', {
      value: text.slice(0, 200),
    });
  const routes: HostRoute[] = [];
  for (const row of rows as Array<Record<string, unknown>>) {
    const dst = typeof row['dst'] === 'string' ? row['dst'] : undefined;
    if (dst === undefined || dst === 'default') continue;
    const [addr = '', prefixText = '32'] = dst.split('/');
    const base = parseIpv4(addr);
    if (base === undefined) continue;
    routes.push({ base, prefix: Number(prefixText), dev: typeof row['dev'] === 'string' ? row['dev'] : '' });
  }
  return routes;
}

/**
 * The route that already carries one of the network's subnets (same base and prefix, as libvirt
 * checks), ignoring routes through the network's own bridge; undefined when there is none.
 */
export function findClashingRoute(def: NetworkDef, routes: readonly HostRoute[]): HostRoute | undefined {
  const own = def.bridge?.name;
  for (const ip of def.ips) {
    const base = networkOf(parseIpv4(ip.address) as number, ip.prefix);
    const hit = routes.find(
      (r) => r.dev !== own && r.prefix === ip.prefix && networkOf(r.base, r.prefix) === base,
    );
    if (hit) return hit;
  }
  return undefined;
}

/** ERR_NETWORK_CLASH naming the route that already carries the network's subnet. */
export function subnetClashError(def: NetworkDef, route: HostRoute): TsvirtError {
  const subnet = `${formatIpv4(route.base)}/${route.prefix}`;
  return new TsvirtError(
    'ERR_NETWORK_CLASH',
    `network '${def.name}': subnet ${subnet} is already in use by interface ${route.dev} (route '${subnet} dev ${route.dev}'); give the network another address`,
    {
      network: def.name,
      field: 'network/ip@address',
      value: subnet,
      dev: route.dev,
      expected: 'a subnet no host route carries',
    },
  );
}
