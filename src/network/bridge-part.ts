/** The network's own Linux bridge, made and removed with iproute2. */
import { TsvirtError } from '../errors.js';
import type { NetworkPart } from './backend.js';
import { bridgeNameOf, buildBridgeAlias, buildBridgeDownArgs, buildBridgeUpArgs } from './bridge-argv.js';
import { isNoSuchDevice, type IpTool } from './ip-tool.js';
import type { NetworkDef } from './network-def.js';

/** The bridge of a nat, route, open or isolated network. */
export class BridgePart implements NetworkPart {
  readonly name = 'bridge';

  constructor(private readonly ip: IpTool) {}

  async start(def: NetworkDef): Promise<void> {
    const name = bridgeNameOf(def);
    const link = await this.ip.showLink(name);
    if (link) {
      if (link['ifalias'] === buildBridgeAlias(def)) return;
      throw new TsvirtError(
        'ERR_NETWORK_CLASH',
        `network '${def.name}': bridge name '${name}' is used by a device tsvirt does not own; choose another <bridge name>`,
        {
          network: def.name,
          field: 'network/bridge@name',
          value: name,
          expected: 'a name no host device has',
        },
      );
    }
    try {
      await this.ip.batch(buildBridgeUpArgs(def));
    } catch (err) {
      await this.ip.run(['link', 'del', 'dev', name]).catch(() => undefined);
      throw err;
    }
  }

  async stop(def: NetworkDef): Promise<void> {
    if (!(await this.isUp(def))) return;
    await this.ip.batch(buildBridgeDownArgs(def)).catch((err: unknown) => {
      if (!isNoSuchDevice(err)) throw err;
    });
  }

  async isUp(def: NetworkDef): Promise<boolean> {
    const link = await this.ip.showLink(bridgeNameOf(def));
    return link !== undefined && link['ifalias'] === buildBridgeAlias(def);
  }
}
