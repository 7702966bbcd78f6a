/**
 * The core of RemoteConnection: the session, the handshake, typed calls and event routing. The
 * call-and-reply methods come from the API catalogue (remote-connection.ts installs them).
 */
import type {
  Connection,
  DomainDeviceEvent,
  DomainLifecycleEvent,
  DomainMetadataEvent,
  DomainBlockJobEvent,
  NetworkLifecycleEvent,
  PoolLifecycleEvent,
  PoolRefreshEvent,
} from '../connection.js';
import type { Entry, RemoteCalls } from '../api/catalogue/index.js';
import { isTsvirtError, TsvirtError } from '../errors.js';
import { AuthType, Feature, OpenFlag, Procedure as P } from './protocol.js';
import type { RpcSession } from './rpc-session.js';
import {
  decodeMessage,
  decodeRet,
  encodeArgs,
  type ArgsOf,
  type KnownProcedure,
  type RetOf,
} from './structs.js';
import { decodeWith, encodeWith } from './xdr-codec.js';
import { CallbackEvents } from './callback-events.js';

/** Receives anything unexpected that is not an error of a call. */
export type WarningSink = (message: string, fields: Record<string, unknown>) => void;

/** Session, handshake, typed calls and events of a libvirt-protocol client. */
export abstract class RemoteBase {
  protected readonly domainEvents: CallbackEvents<DomainLifecycleEvent>;
  protected readonly poolEvents: CallbackEvents<PoolLifecycleEvent>;
  protected readonly poolRefreshEvents: CallbackEvents<PoolRefreshEvent>;
  protected readonly networkEvents: CallbackEvents<NetworkLifecycleEvent>;
  /** Device and metadata events: their callbackIDs share one numbering with the others. */
  protected readonly deviceEvents: CallbackEvents<
    DomainDeviceEvent | DomainMetadataEvent | DomainBlockJobEvent
  >;
  private hostCpus: number | undefined;
  /** Whether the server answered 1 to feature 14 (REMOTE_EVENT_CALLBACK). */
  private eventCallbacks = false;
  private closing: Promise<void> | undefined;

  protected constructor(
    protected readonly session: RpcSession,
    readonly uri: string,
    readonly readOnly: boolean,
    warn: WarningSink,
  ) {
    this.domainEvents = new CallbackEvents(warn);
    this.poolEvents = new CallbackEvents(warn);
    this.poolRefreshEvents = new CallbackEvents(warn);
    this.networkEvents = new CallbackEvents(warn);
    this.deviceEvents = new CallbackEvents(warn);
    for (const proc of [
      P.DOMAIN_EVENT_CALLBACK_DEVICE_ADDED,
      P.DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED,
      P.DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED,
    ] as const) {
      session.onMessage(proc, (payload) => {
        const m = decodeMessage(proc, payload);
        this.deviceEvents.deliver(m.callbackID, { dom: m.dom, devAlias: m.devAlias });
      });
    }
    session.onMessage(P.DOMAIN_EVENT_CALLBACK_METADATA_CHANGE, (payload) => {
      const m = decodeMessage(P.DOMAIN_EVENT_CALLBACK_METADATA_CHANGE, payload);
      this.deviceEvents.deliver(m.callbackID, { dom: m.dom, type: m.type, nsuri: m.nsuri });
    });
    for (const proc of [P.DOMAIN_EVENT_CALLBACK_BLOCK_JOB, P.DOMAIN_EVENT_BLOCK_JOB_2] as const) {
      session.onMessage(proc, (payload) => {
        const m = decodeMessage(proc, payload);
        this.deviceEvents.deliver(m.callbackID, { dom: m.dom, path: m.path, type: m.type, status: m.status });
      });
    }
    session.onMessage(P.DOMAIN_EVENT_CALLBACK_LIFECYCLE, (payload) => {
      const m = decodeMessage(P.DOMAIN_EVENT_CALLBACK_LIFECYCLE, payload);
      this.domainEvents.deliver(m.callbackID, { dom: m.dom, event: m.event, detail: m.detail });
    });
    session.onMessage(P.STORAGE_POOL_EVENT_LIFECYCLE, (payload) => {
      const m = decodeMessage(P.STORAGE_POOL_EVENT_LIFECYCLE, payload);
      this.poolEvents.deliver(m.callbackID, { pool: m.pool, event: m.event, detail: m.detail });
    });
    session.onMessage(P.STORAGE_POOL_EVENT_REFRESH, (payload) => {
      const m = decodeMessage(P.STORAGE_POOL_EVENT_REFRESH, payload);
      this.poolRefreshEvents.deliver(m.callbackID, { pool: m.pool });
    });
    session.onMessage(P.NETWORK_EVENT_LIFECYCLE, (payload) => {
      const m = decodeMessage(P.NETWORK_EVENT_LIFECYCLE, payload);
      this.networkEvents.deliver(m.callbackID, { net: m.net, event: m.event, detail: m.detail });
    });
    session.onClose(() => {
      this.domainEvents.clear();
      this.poolEvents.clear();
      this.poolRefreshEvents.clear();
      this.networkEvents.clear();
      this.deviceEvents.clear();
    });
  }

  /** AUTH_LIST (66), SUPPORTS_FEATURE(10) (60), CONNECT_OPEN (1), SUPPORTS_FEATURE(14) (60), as virsh. */
  protected async handshake(name: string): Promise<void> {
    const auth = await this.call(P.AUTH_LIST, undefined).catch(() => ({ types: [AuthType.NONE] }));
    if (auth.types.length > 0 && !auth.types.includes(AuthType.NONE)) {
      throw new TsvirtError(
        'ERR_AUTH_FAILED',
        `${this.uri}: the server requires authentication (types ${auth.types.join(', ')}) that tsvirt does not support; set auth_tcp/auth_unix_rw = "none" on the server`,
        { uri: this.uri, authTypes: auth.types },
      );
    }
    await this.supportsFeature(Feature.PROGRAM_KEEPALIVE);
    await this.call(P.CONNECT_OPEN, { name, flags: this.readOnly ? OpenFlag.READ_ONLY : 0 });
    this.eventCallbacks = await this.supportsFeature(Feature.REMOTE_EVENT_CALLBACK);
  }

  private async supportsFeature(feature: number): Promise<boolean> {
    try {
      return (await this.call(P.CONNECT_SUPPORTS_FEATURE, { feature })).supported;
    } catch (err) {
      if (isTsvirtError(err, 'ERR_CONNECTION_CLOSED')) throw err;
      return false;
    }
  }

  /** Sends one procedure and decodes its ret. */
  protected async call<Q extends KnownProcedure>(proc: Q, args: ArgsOf<Q>): Promise<RetOf<Q>> {
    return decodeRet(proc, await this.session.call(proc, encodeArgs(proc, args)));
  }

  /** Sends one catalogue entry's procedure and decodes its ret. */
  private async callEntry<A, R>(entry: Entry<number, A, R>, args: A): Promise<R> {
    return decodeWith(entry.ret, await this.session.call(entry.proc, encodeWith(entry.args, args)));
  }

  /** What the catalogue's client functions use: calls, the host CPU count, and this connection. */
  protected readonly remoteCalls: RemoteCalls = {
    call: (entry, args) => this.callEntry(entry, args),
    hostCpuCount: () => this.hostCpuCount(),
    conn: this as unknown as Connection,
  };

  /** CONNECT_CLOSE, then the socket closes. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.session.closed) await this.call(P.CONNECT_CLOSE, undefined).catch(() => undefined);
      this.session.close();
    })();
    return this.closing;
  }

  protected requireEventCallbacks(): void {
    if (this.eventCallbacks) return;
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `${this.uri}: the server lacks callback events (feature 14); upgrade it to libvirt 1.2.1 or later`,
      { uri: this.uri, feature: Feature.REMOTE_EVENT_CALLBACK },
    );
  }

  /** Host CPU count from NODE_GET_CPU_MAP (293), else NODE_GET_INFO (6), as virsh does. */
  protected async hostCpuCount(): Promise<number> {
    if (this.hostCpus === undefined) {
      this.hostCpus = await this.call(P.NODE_GET_CPU_MAP, { need_map: 0, need_online: 0, flags: 0 })
        .then((r) => r.ret)
        .catch(async () => (await this.call(P.NODE_GET_INFO, undefined)).cpus);
    }
    return this.hostCpus;
  }
}
