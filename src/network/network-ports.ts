/**
 * The network driver's part in a guest's start: each bridge or network NIC gets a tap that tsvirtd
 * opens, puts on the bridge and hands to qemu as a descriptor, as libvirt's network port allocation
 * does. The tap goes with qemu's descriptor; at stop any left is deleted.
 */
import { closeSync } from 'node:fs';
import type { InterfaceConfig } from '../domain/types.js';
import type { DomainConfig } from '../domain/index.js';
import type { GuestResourceProvider } from '../driver/guest-resources.js';
import type { RevertStack } from '../driver/revert-stack.js';
import { TsvirtError } from '../errors.js';
import { isNoSuchDevice, IpTool } from './ip-tool.js';
import { buildTapUpArgs } from './tap-argv.js';
import { openTap } from './tap-device.js';

/** Where a network's guests plug in: its bridge and MTU; throws when the network cannot take guests. */
export type NetworkPortResolver = (network: string) => { bridge: string; mtu?: number };

type TapNic = Extract<InterfaceConfig, { type: 'bridge' | 'network' }>;

function isTapNic(nic: InterfaceConfig): nic is TapNic {
  return nic.type === 'bridge' || nic.type === 'network';
}

/** A provider that makes the taps of bridge and network NICs, with `ip` in tsvirtd's own namespace. */
export function buildNetworkPorts(resolve: NetworkPortResolver, ip = new IpTool()): GuestResourceProvider {
  const removeTap = async (name: string): Promise<void> => {
    await ip.run(['link', 'del', 'dev', name]).catch((err: unknown) => {
      if (!isNoSuchDevice(err)) throw err;
    });
  };
  return {
    name: 'network',
    async prepare(def: DomainConfig, revert: RevertStack): Promise<void> {
      for (const nic of def.devices.interfaces.filter(isTapNic)) {
        const port = nic.type === 'network' ? resolve(nic.network) : { bridge: nic.bridge };
        if (!(await ip.showLink(port.bridge))) throw buildNoBridgeError(def.name, nic, port.bridge);
        const tap = openTap(nic.targetDev ?? 'vnet%d');
        nic.tapFd = tap.fd;
        nic.targetDev = tap.name;
        revert.push(`the tap ${tap.name}`, async () => {
          if (nic.tapFd !== undefined) closeSync(nic.tapFd);
          delete nic.tapFd;
          await removeTap(tap.name);
        });
        for (const args of buildTapUpArgs(tap.name, nic.mac, port.bridge, port.mtu)) await ip.run(args);
      }
    },
    async release(def: DomainConfig): Promise<void> {
      for (const nic of def.devices.interfaces.filter(isTapNic)) {
        if (nic.targetDev !== undefined) await removeTap(nic.targetDev);
      }
    },
  };
}

/** ERR_OPERATION_FAILED for a NIC whose bridge is not on the host. */
function buildNoBridgeError(domain: string, nic: TapNic, bridge: string): TsvirtError {
  return new TsvirtError(
    'ERR_OPERATION_FAILED',
    `domain '${domain}': interface ${nic.mac}: bridge '${bridge}' does not exist; create it or name another <source bridge>`,
    { domain, field: 'interface/source@bridge', value: bridge, expected: 'an existing bridge' },
  );
}

/** ERR_OPERATION_INVALID for a guest whose network is not running, in libvirt's words. */
export function buildNetworkInactiveError(network: string): TsvirtError {
  return new TsvirtError(
    'ERR_OPERATION_INVALID',
    `network '${network}' is not active; start it with net-start`,
    { network },
  );
}
