/**
 * One client's event registrations: callback-id domain events (316/317, delivered as 318), legacy domain
 * events (167/168, delivered as 107) and storage pool events (368/369, delivered as 370). A callback
 * registration of an event id in the kind table (domain-event-kinds.ts: lifecycle, device added,
 * removed and removal failed) subscribes to the shared Connection, and a legacy one of the lifecycle id;
 * other ids are accepted, as libvirtd accepts them, and never fire.
 */
import type { Connection, DomainRef, NetworkRef, PoolRef, Subscription } from '../../connection.js';
import { TsvirtError } from '../../errors.js';
import { EventId, Procedure as P } from '../protocol.js';
import { encodeMessage, type KnownMessage, type MessageOf } from '../structs.js';
import { findWireByEventId } from '../domain-event-kinds.js';

/** VIR_DOMAIN_EVENT_ID_LAST in libvirt 9.0: domain event ids are 0..26. */
export const DOMAIN_EVENT_ID_LAST = 27;
/** VIR_STORAGE_POOL_EVENT_ID_LAST: pool event ids are 0 (lifecycle) and 1 (refresh). */
export const POOL_EVENT_ID_LAST = 2;
/** VIR_NETWORK_EVENT_ID_LAST in libvirt 9.0: network event id 0 (lifecycle) only. */
export const NETWORK_EVENT_ID_LAST = 1;

/** Sends one MESSAGE packet to the client. */
export type MessageSender = <Q extends KnownMessage>(proc: Q, body: MessageOf<Q>) => void;

interface Registration {
  subscription: Promise<Subscription | undefined>;
}

function checkEventId(eventID: number, last: number, kind: string): void {
  if (Number.isInteger(eventID) && eventID >= 0 && eventID < last) return;
  throw new TsvirtError('ERR_INVALID_ARG', `unsupported ${kind} event ID ${eventID}`, {
    field: 'eventID',
    value: eventID,
    expected: `0..${last - 1}`,
  });
}

function notRegistered(what: string, id: number): TsvirtError {
  return new TsvirtError('ERR_INVALID_ARG', `${what} ${id} not registered`, {
    field: 'callbackID',
    value: id,
  });
}

/** The registrations of one client; `clear()` drops them all when the client goes. */
export class ClientEvents {
  private nextCallbackId = 0;
  private readonly domain = new Map<number, Registration>();
  private readonly legacy = new Map<number, Registration>();
  private readonly pool = new Map<number, Registration>();
  private readonly network = new Map<number, Registration>();
  private cleared = false;

  constructor(
    private readonly conn: Connection,
    private readonly send: MessageSender,
  ) {}

  /** CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY: returns the new callbackID. */
  async registerDomain(eventID: number, dom: DomainRef | null): Promise<number> {
    checkEventId(eventID, DOMAIN_EVENT_ID_LAST, 'domain');
    const callbackID = this.nextCallbackId++;
    const wire = findWireByEventId(eventID);
    const send = this.send as (proc: number, body: Record<string, unknown>) => void;
    const subscription = wire
      ? this.conn.onDomainEvent(wire.kind, (ev) => send(wire.proc, { callbackID, ...ev }), dom ?? undefined)
      : Promise.resolve(undefined);
    await this.keep(this.domain, callbackID, subscription);
    return callbackID;
  }

  /** CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY. */
  async deregisterDomain(callbackID: number): Promise<void> {
    await this.drop(this.domain, callbackID, 'domain event callback');
  }

  /** CONNECT_DOMAIN_EVENT_REGISTER_ANY (legacy): one registration per event id. */
  async registerLegacy(eventID: number): Promise<void> {
    checkEventId(eventID, DOMAIN_EVENT_ID_LAST, 'domain');
    if (this.legacy.has(eventID)) {
      throw new TsvirtError('ERR_INVALID_ARG', `domain event ${eventID} already registered`, {
        field: 'eventID',
        value: eventID,
      });
    }
    const subscription =
      eventID === EventId.DOMAIN_LIFECYCLE
        ? this.conn.onDomainLifecycle((ev) => this.send(P.DOMAIN_EVENT_LIFECYCLE, ev))
        : Promise.resolve(undefined);
    await this.keep(this.legacy, eventID, subscription);
  }

  /** CONNECT_DOMAIN_EVENT_DEREGISTER_ANY (legacy). */
  async deregisterLegacy(eventID: number): Promise<void> {
    await this.drop(this.legacy, eventID, 'domain event');
  }

  /** CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY: returns the new callbackID. */
  async registerPool(eventID: number, pool: PoolRef | null): Promise<number> {
    checkEventId(eventID, POOL_EVENT_ID_LAST, 'storage pool');
    const callbackID = this.nextCallbackId++;
    const only = pool ?? undefined;
    const subscription =
      eventID === EventId.STORAGE_POOL_LIFECYCLE
        ? this.conn.onStoragePoolLifecycle(
            (ev) => this.send(P.STORAGE_POOL_EVENT_LIFECYCLE, { callbackID, ...ev }),
            only,
          )
        : this.conn.onStoragePoolRefresh(
            (ev) => this.send(P.STORAGE_POOL_EVENT_REFRESH, { callbackID, ...ev }),
            only,
          );
    await this.keep(this.pool, callbackID, subscription);
    return callbackID;
  }

  /** CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY. */
  async deregisterPool(callbackID: number): Promise<void> {
    await this.drop(this.pool, callbackID, 'storage pool event callback');
  }

  /** CONNECT_NETWORK_EVENT_REGISTER_ANY: returns the new callbackID. */
  async registerNetwork(eventID: number, net: NetworkRef | null): Promise<number> {
    checkEventId(eventID, NETWORK_EVENT_ID_LAST, 'network');
    const callbackID = this.nextCallbackId++;
    const subscription = this.conn.onNetworkLifecycle(
      (ev) => this.send(P.NETWORK_EVENT_LIFECYCLE, { callbackID, ...ev }),
      net ?? undefined,
    );
    await this.keep(this.network, callbackID, subscription);
    return callbackID;
  }

  /** CONNECT_NETWORK_EVENT_DEREGISTER_ANY. */
  async deregisterNetwork(callbackID: number): Promise<void> {
    await this.drop(this.network, callbackID, 'network event callback');
  }

  /** Number of live registrations (all kinds). */
  get size(): number {
    return this.domain.size + this.legacy.size + this.pool.size + this.network.size;
  }

  /** Drops every registration; later registrations are refused. */
  clear(): void {
    this.cleared = true;
    for (const map of [this.domain, this.legacy, this.pool, this.network]) {
      for (const reg of map.values())
        void reg.subscription.then((s) => s?.unsubscribe()).catch(() => undefined);
      map.clear();
    }
  }

  private async keep(
    map: Map<number, Registration>,
    id: number,
    subscription: Promise<Subscription | undefined>,
  ): Promise<void> {
    const sub = await subscription;
    if (this.cleared) {
      sub?.unsubscribe();
      throw new TsvirtError('ERR_CONNECTION_CLOSED', 'client disconnected during event registration');
    }
    map.set(id, { subscription: Promise.resolve(sub) });
  }

  private async drop(map: Map<number, Registration>, id: number, what: string): Promise<void> {
    const reg = map.get(id);
    if (!reg) throw notRegistered(what, id);
    map.delete(id);
    (await reg.subscription)?.unsubscribe();
  }
}

/** Encodes one event body (kept here so that the session only moves bytes). */
export function encodeEvent<Q extends KnownMessage>(proc: Q, body: MessageOf<Q>): Buffer {
  return encodeMessage(proc, body);
}
