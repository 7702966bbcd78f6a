/**
 * Where the QEMU driver looks guest NIC addresses up (virDomainInterfaceAddresses): the DHCP leases of
 * the NIC's network, matched by MAC, and the neighbour table of tsvirtd's own namespace (`ip neigh`).
 */
import type { InterfaceAddressSources } from '../driver/interface-addresses.js';
import { TsvirtError } from '../errors.js';
import { IpTool } from './ip-tool.js';
import { parseIpNeighJson } from './neighbours.js';
import type { NetworkDriver } from './network-driver.js';

/** Address sources backed by `networks` (leases) and `ip` (neighbours). */
export function buildAddressSources(
  networks: () => Pick<NetworkDriver, 'lookupNetworkByName' | 'networkGetDHCPLeases'>,
  ip = new IpTool(),
): InterfaceAddressSources {
  return {
    async leases(network, mac) {
      const driver = networks();
      let ref;
      try {
        ref = await driver.lookupNetworkByName(network);
      } catch (err) {
        // A NIC whose network was undefined behind the running guest has no leases to show.
        if (err instanceof TsvirtError && err.code === 'ERR_NETWORK_NOT_FOUND') return [];
        throw err;
      }
      return (await driver.networkGetDHCPLeases(ref, mac)).map((l) => ({
        type: l.type,
        addr: l.ipaddr,
        prefix: l.prefix,
      }));
    },
    async neighbours() {
      return parseIpNeighJson(await ip.run(['-j', 'neigh', 'show']));
    },
  };
}
