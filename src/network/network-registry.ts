/** The networks the driver knows: entries, per-network locks, conflicts and lifecycle events. */
import { KeyedLock } from '../keyed-lock.js';
import { EventEmitter } from 'node:events';
import type { NetworkLifecycleEvent, NetworkRef, Subscription } from '../api/types.js';
import { TsvirtError } from '../errors.js';
import type { NetworkDef } from './network-def.js';

/** One network: its definitions and state. */
export interface NetworkEntry {
  /** The definition in force (the live one while running). */
  def: NetworkDef;
  /** A persistent definition stored while the network ran; it takes effect at the next stop. */
  nextDef?: NetworkDef;
  persistent: boolean;
  active: boolean;
  autostart: boolean;
}

/** ERR_NETWORK_NOT_FOUND in libvirt's wording. */
export function networkNotFound(what: string, by: 'name' | 'uuid' = 'name'): TsvirtError {
  return new TsvirtError(
    'ERR_NETWORK_NOT_FOUND',
    `Network not found: no network with matching ${by} '${what}'`,
    {
      [by]: what,
    },
  );
}

/** Lookups, locks, conflicts and events of the networks. */
export class NetworkRegistry {
  readonly networks = new Map<string, NetworkEntry>();
  private readonly events = new EventEmitter();
  private readonly locks = new KeyedLock();

  /** The entry of a ref or name, or ERR_NETWORK_NOT_FOUND. */
  get(net: NetworkRef | string): NetworkEntry {
    const name = typeof net === 'string' ? net : net.name;
    const entry = this.networks.get(name);
    if (!entry) throw networkNotFound(name);
    return entry;
  }

  /** The entry with this uuid, or ERR_NETWORK_NOT_FOUND. */
  getByUuid(uuid: string): NetworkEntry {
    const want = uuid.toLowerCase();
    for (const entry of this.networks.values()) if (entry.def.uuid === want) return entry;
    throw networkNotFound(uuid, 'uuid');
  }

  /** The wire ref of an entry. */
  refOf(entry: NetworkEntry): NetworkRef {
    return { name: entry.def.name, uuid: entry.def.uuid };
  }

  /** Bridge names of every network but `except`, in both their live and next definitions. */
  bridgeNames(except?: string): Set<string> {
    const names = new Set<string>();
    for (const e of this.networks.values()) {
      if (e.def.name === except) continue;
      for (const d of [e.def, e.nextDef]) if (d?.bridge?.name) names.add(d.bridge.name);
    }
    return names;
  }

  /** Run `fn` alone among the mutating calls on one network. */
  async withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(name, fn);
  }

  /** Refuse a definition whose name, uuid or own bridge collides with another network's. */
  checkConflicts(def: NetworkDef): void {
    for (const other of this.networks.values()) {
      const o = other.def;
      if (o.name === def.name && o.uuid !== def.uuid) {
        throw new TsvirtError(
          'ERR_NETWORK_EXISTS',
          `network '${def.name}' already exists with uuid ${o.uuid}; use another name`,
          { network: def.name, uuid: o.uuid },
        );
      }
      if (o.uuid === def.uuid && o.name !== def.name) {
        throw new TsvirtError(
          'ERR_NETWORK_EXISTS',
          `network '${o.name}' is already defined with uuid ${def.uuid}; use another uuid`,
          { network: o.name, uuid: def.uuid },
        );
      }
    }
    const bridge = def.forward?.mode === 'bridge' ? undefined : def.bridge?.name;
    if (bridge !== undefined && this.bridgeNames(def.name).has(bridge)) {
      throw new TsvirtError(
        'ERR_NETWORK_EXISTS',
        `bridge name '${bridge}' is already used by another network; choose another <bridge name>`,
        { network: def.name, field: 'network/bridge@name', value: bridge },
      );
    }
  }

  /** Emit a lifecycle event (NetworkEvent). */
  emit(entry: NetworkEntry, event: number): void {
    const ev: NetworkLifecycleEvent = { net: this.refOf(entry), event, detail: 0 };
    this.events.emit('lifecycle', ev);
  }

  /** Subscribe to lifecycle events, of all networks or of one. */
  subscribe(listener: (ev: NetworkLifecycleEvent) => void, net?: NetworkRef): Subscription {
    const wrapped = (ev: NetworkLifecycleEvent): void => {
      if (!net || ev.net.uuid === net.uuid) listener(ev);
    };
    this.events.on('lifecycle', wrapped);
    return { unsubscribe: () => this.events.off('lifecycle', wrapped) };
  }
}
