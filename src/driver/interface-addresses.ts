/**
 * virDomainInterfaceAddresses: a running guest's NIC addresses from its network's DHCP leases
 * (matched by MAC) or from tsvirtd's neighbour table. Where the addresses come from is injected, so
 * that the QEMU driver knows nothing of networks; asking the guest agent is refused (there is none).
 */
import { TsvirtError } from '../errors.js';
import type { InterfaceConfig } from '../domain/index.js';
import type { DomainInterfaceAddresses, DomainIpAddress } from '../api/stats-types.js';
import type { DomainObject } from './domain-object.js';
import { checkAction } from './state-machine.js';

/** virDomainInterfaceAddressesSource. */
export const InterfaceAddressSource = { LEASE: 0, AGENT: 1, ARP: 2 } as const;

/** A host neighbour table row (`ip neigh`): an address and the MAC it resolves to. */
export interface NeighbourEntry {
  type: number;
  addr: string;
  mac: string;
}

/** Where a guest's addresses are looked up; given by whoever composes the drivers. */
export interface InterfaceAddressSources {
  /** The IPv4/IPv6 leases the network `network` holds for `mac` (lower case). */
  leases(network: string, mac: string): Promise<DomainIpAddress[]>;
  /** The host's neighbour table (IPv4 and IPv6). */
  neighbours(): Promise<NeighbourEntry[]>;
}

type TapNic = Extract<InterfaceConfig, { type: 'bridge' | 'network' }>;

/** The domain's NICs that have a host-side tap, with its name. */
function tapNics(dom: DomainObject): Array<TapNic & { targetDev: string }> {
  return dom.def.devices.interfaces.filter(
    (n): n is TapNic & { targetDev: string } =>
      (n.type === 'network' || n.type === 'bridge') && n.targetDev !== undefined,
  );
}

/** The addresses of a running domain's NICs, from `source` (an InterfaceAddressSource). */
export async function interfaceAddresses(
  dom: DomainObject,
  source: number,
  flags: number,
  sources: InterfaceAddressSources | undefined,
): Promise<DomainInterfaceAddresses[]> {
  if (flags !== 0) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `unsupported flags (0x${flags.toString(16)}) in function virDomainInterfaceAddresses`,
      { field: 'flags', value: flags, expected: 0 },
    );
  }
  checkAction('live-query', dom.subject);
  if (source === InterfaceAddressSource.AGENT) {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `domain '${dom.def.name}': interface addresses from the guest agent are not supported; use --source lease or --source arp`,
      { domain: dom.def.name, field: 'source', value: source, expected: 'lease (0) or arp (2)' },
    );
  }
  if (source !== InterfaceAddressSource.LEASE && source !== InterfaceAddressSource.ARP) {
    throw new TsvirtError('ERR_INVALID_ARG', `unknown interface address source ${source}`, {
      field: 'source',
      value: source,
      expected: 'lease (0), agent (1) or arp (2)',
    });
  }
  if (!sources) {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `domain '${dom.def.name}': this connection has no network driver to look interface addresses up`,
      { domain: dom.def.name, field: 'source', value: source, expected: 'a connection with networks' },
    );
  }
  const out: DomainInterfaceAddresses[] = [];
  if (source === InterfaceAddressSource.LEASE) {
    for (const nic of tapNics(dom)) {
      if (nic.type !== 'network') continue;
      const addrs = await sources.leases(nic.network, nic.mac.toLowerCase());
      if (addrs.length > 0) out.push({ name: nic.targetDev, hwaddr: nic.mac, addrs });
    }
    return out;
  }
  const table = await sources.neighbours();
  for (const nic of tapNics(dom)) {
    const mac = nic.mac.toLowerCase();
    const addrs = table
      .filter((e) => e.mac === mac)
      .map((e): DomainIpAddress => ({ type: e.type, addr: e.addr, prefix: 0 }));
    if (addrs.length > 0) out.push({ name: nic.targetDev, hwaddr: nic.mac, addrs });
  }
  return out;
}
