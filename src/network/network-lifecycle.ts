/** Start, stop and re-adoption of networks: the host checks, then the backend's parts in order. */
import { NetworkEvent } from '../api/network-enums.js';
import { TsvirtError } from '../errors.js';
import type { NetworkBackend, NetworkPart } from './backend.js';
import { findClashingRoute, subnetClashError } from './host-routes.js';
import { hasOwnBridge, type NetworkDef } from './network-def.js';
import type { NetworkEntry, NetworkRegistry } from './network-registry.js';
import type { NetworkStore } from './network-store.js';

/** Moves networks between inactive and running. */
export class NetworkLifecycle {
  constructor(
    private readonly reg: NetworkRegistry,
    private readonly store: NetworkStore,
    private readonly backend: NetworkBackend,
    private readonly warn: (message: string) => void,
  ) {}

  /** Checks the host, records the network as running, then starts its parts; undoes all on failure. */
  async start(entry: NetworkEntry): Promise<void> {
    if (entry.active) {
      throw new TsvirtError('ERR_OPERATION_INVALID', `network '${entry.def.name}' is already active`, {
        network: entry.def.name,
      });
    }
    const def = entry.def;
    await this.checkHost(def);
    await this.store.saveRunning(def);
    const started: NetworkPart[] = [];
    try {
      for (const group of groupAlongside(this.parts(def))) {
        const results = await Promise.allSettled(group.map((part) => part.start(def)));
        group.forEach((part, i) => results[i]?.status === 'fulfilled' && started.push(part));
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      }
    } catch (err) {
      for (const part of started.reverse()) {
        await part
          .stop(def)
          .catch((e: Error) => this.warn(`network '${def.name}': ${part.name} not undone: ${e.message}`));
      }
      await this.store.removeRunning(def.name);
      throw err;
    }
    entry.active = true;
    this.reg.emit(entry, NetworkEvent.STARTED);
  }

  /** Stops the parts in reverse order; a pending definition takes effect, a transient network goes. */
  async stop(entry: NetworkEntry): Promise<void> {
    if (!entry.active) {
      throw new TsvirtError(
        'ERR_OPERATION_INVALID',
        `network '${entry.def.name}' is not active; start it with net-start`,
        { network: entry.def.name },
      );
    }
    await this.stopParts(entry.def);
    await this.store.removeRunning(entry.def.name);
    entry.active = false;
    if (entry.nextDef) {
      entry.def = entry.nextDef;
      delete entry.nextDef;
    }
    this.reg.emit(entry, NetworkEvent.STOPPED);
    if (!entry.persistent) this.reg.networks.delete(entry.def.name);
  }

  /**
   * A network that ran under the last driver: kept running when every part is still up, with its lost
   * restartable parts (dnsmasq, the firewall table) started again; torn down and marked inactive when
   * its bridge is gone or a lost part does not start, so that it is never left half-working.
   */
  async readopt(def: NetworkDef): Promise<void> {
    let entry = this.reg.networks.get(def.name);
    if (!entry) {
      entry = { def, persistent: false, active: false, autostart: false };
      this.reg.networks.set(def.name, entry);
    } else if (entry.def.uuid === def.uuid) {
      entry.nextDef = entry.def;
      entry.def = def;
    } else {
      this.warn(
        `network '${def.name}' ran with uuid ${def.uuid}, which no longer matches its definition; stopped`,
      );
      await this.stopParts(def);
      await this.store.removeRunning(def.name);
      return;
    }
    const down: NetworkPart[] = [];
    for (const part of this.parts(def)) if (!(await part.isUp(def).catch(() => false))) down.push(part);
    entry.active = true;
    if (down.length === 0) return;
    const names = down.map((p) => p.name).join(', ');
    if (down.every((p) => p.restartable)) {
      const failure = await this.restartParts(def, down);
      if (failure === undefined) {
        this.warn(`network '${def.name}': its ${names} was gone; started again`);
        return;
      }
      this.warn(`network '${def.name}': its ${names} was gone and did not start again: ${failure}`);
    } else {
      this.warn(`network '${def.name}' was running but its ${names} is gone; marked inactive`);
    }
    await this.stop(entry);
  }

  /** Starts lost parts again in start order; the first failure's message, or undefined when all run. */
  private async restartParts(def: NetworkDef, down: NetworkPart[]): Promise<string | undefined> {
    for (const part of down) {
      try {
        await part.start(def);
      } catch (err) {
        return (err as Error).message;
      }
    }
    return undefined;
  }

  /** Applies a changed live definition to the running parts (DHCP and DNS hosts). */
  async update(def: NetworkDef): Promise<void> {
    for (const part of this.parts(def)) await part.update?.(def);
  }

  /** The backend's parts for this definition, in start order. */
  parts(def: NetworkDef): NetworkPart[] {
    return this.backend.partsFor(def, this.store.runDir);
  }

  private async stopParts(def: NetworkDef): Promise<void> {
    for (const part of this.parts(def).reverse()) await part.stop(def);
  }

  private async checkHost(def: NetworkDef): Promise<void> {
    if (!hasOwnBridge(def)) {
      const name = def.bridge?.name ?? '';
      if (!(await this.backend.host.listLinks()).includes(name)) {
        throw new TsvirtError(
          'ERR_OPERATION_FAILED',
          `network '${def.name}': host bridge '${name}' does not exist; create it first`,
          {
            network: def.name,
            field: 'network/bridge@name',
            value: name,
            expected: 'an existing host bridge',
          },
        );
      }
      return;
    }
    const clash = findClashingRoute(def, await this.backend.host.listRoutes());
    if (clash) throw subnetClashError(def, clash);
  }
}

/** The parts in start order, consecutive `alongside` parts in one group, every other part alone. */
export function groupAlongside(parts: readonly NetworkPart[]): NetworkPart[][] {
  const groups: NetworkPart[][] = [];
  for (const part of parts) {
    const last = groups.at(-1);
    if (part.alongside && last?.[0]?.alongside) last.push(part);
    else groups.push([part]);
  }
  return groups;
}
