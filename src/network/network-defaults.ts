/** What define fills in, as libvirt's network driver does: uuid, the bridge's MAC and a free virbrN (pure). */
import { buildQemuMac } from './mac-address.js';
import { hasOwnBridge, type NetworkDef, type ParsedNetwork } from './network-def.js';

/** Where the defaults come from. */
export interface DefaultSources {
  /** A fresh random UUID. */
  uuid: () => string;
  /** `n` random bytes. */
  randomBytes: (n: number) => Buffer;
  /** Bridge names already taken: by other networks and by the host's links. */
  usedBridgeNames: ReadonlySet<string>;
}

/** The lowest virbrN not in `used`. */
export function pickBridgeName(used: ReadonlySet<string>): string {
  for (let n = 0; ; n++) if (!used.has(`virbr${n}`)) return `virbr${n}`;
}

/** The definition with uuid, MAC and bridge name filled where the XML left them out. */
export function fillNetworkDefaults(parsed: ParsedNetwork, from: DefaultSources): NetworkDef {
  const def: NetworkDef = { ...parsed, uuid: parsed.uuid ?? from.uuid() };
  if (!hasOwnBridge(def)) return def;
  def.bridge = { ...def.bridge, name: def.bridge?.name ?? pickBridgeName(from.usedBridgeNames) };
  def.mac ??= buildQemuMac(from.randomBytes(3));
  return def;
}

/** libvirt's packaged `default` network: NAT on 192.168.122.1/24, DHCP .2-.254, bridge virbr0. */
export const DEFAULT_NETWORK_XML = `<network>
  <name>default</name>
  <bridge name='virbr0'/>
  <forward/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
`;
