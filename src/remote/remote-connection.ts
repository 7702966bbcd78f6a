/**
 * RemoteConnection: the Connection interface over libvirt's RPC, for libvirtd and tsvirtd alike. Its
 * call-and-reply methods come from the API catalogue (src/api/catalogue/), which says for each
 * Connection method which procedure to send and how its parameters and ret map; this file keeps what
 * is not one call and reply: opening, events and byte streams.
 */
import type { Duplex, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TypedParam } from '../api/types.js';
import type {
  Connection,
  DomainDeviceEvent,
  DomainMetadataEvent,
  DomainBlockJobEvent,
  DomainEventKind,
  DomainEventMap,
  DomainLifecycleEvent,
  DomainRef,
  NetworkLifecycleEvent,
  NetworkRef,
  PoolLifecycleEvent,
  PoolRefreshEvent,
  PoolRef,
  Subscription,
  VolumeRef,
} from '../connection.js';
import { TsvirtError } from '../errors.js';
import { buildClientMethods, type MethodName } from '../api/catalogue/index.js';
import { decodeRet, encodeArgs } from './structs.js';
import { toWireTypedParams } from './typed-params.js';
import { openRemoteStream, openRemoteStreamWithReply } from './remote-stream.js';
import { EventId, Procedure as P } from './protocol.js';
import type { RpcSession } from './rpc-session.js';
import { RemoteBase, type WarningSink } from './remote-base.js';
import { findWireByKind } from './domain-event-kinds.js';

/** What RemoteConnection.open needs besides the session. */
export interface RemoteOpenOptions {
  /** The URI the caller gave, kept as `uri`. */
  uri: string;
  /** The name sent in CONNECT_OPEN, e.g. `qemu:///system`. */
  name: string;
  readOnly?: boolean;
  onWarning?: WarningSink;
}

/** The methods written below; every other Connection method comes from the catalogue. */
type HandWritten =
  | 'onDomainLifecycle'
  | 'onDomainEvent'
  | 'onStoragePoolLifecycle'
  | 'onNetworkLifecycle'
  | 'domainOpenConsole'
  | 'domainOpenGraphicsFD'
  | 'storageVolUpload'
  | 'storageVolDownload'
  | 'domainScreenshot'
  | 'domainMigratePrepareTunnel3Params';

// The catalogue's methods are defined on the prototype in the static block below.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface RemoteConnection extends Pick<Connection, Exclude<MethodName, HandWritten>> {}

/** A libvirt-protocol client connection. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class RemoteConnection extends RemoteBase implements Connection {
  /**
   * Runs virsh's handshake on an open session: AUTH_LIST, SUPPORTS_FEATURE(10), CONNECT_OPEN,
   * SUPPORTS_FEATURE(14). Closes the session when the open fails.
   */
  static async open(session: RpcSession, options: RemoteOpenOptions): Promise<RemoteConnection> {
    const warn = options.onWarning ?? ((message: string) => process.emitWarning(message, 'TsvirtRpcWarning'));
    const conn = new RemoteConnection(session, options.uri, options.readOnly ?? false, warn);
    try {
      await conn.handshake(options.name);
    } catch (err) {
      session.close();
      throw err;
    }
    return conn;
  }

  static {
    for (const [method, run] of buildClientMethods()) {
      if (Object.hasOwn(this.prototype, method)) {
        throw new TsvirtError(
          'ERR_INTERNAL',
          `RemoteConnection.${method} is written by hand and bound in the catalogue; keep one`,
          {
            method,
          },
        );
      }
      const fn = async function (this: RemoteConnection, ...params: unknown[]): Promise<unknown> {
        return run(this.remoteCalls, params);
      };
      Object.defineProperty(this.prototype, method, { value: fn, writable: true, configurable: true });
    }
  }

  /** CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY (316); events arrive as 318; unsubscribe sends 317. */
  async onDomainLifecycle(
    listener: (ev: DomainLifecycleEvent) => void,
    dom?: DomainRef,
  ): Promise<Subscription> {
    this.requireEventCallbacks();
    return this.domainEvents.subscribe(
      listener,
      async () =>
        (
          await this.call(P.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, {
            eventID: EventId.DOMAIN_LIFECYCLE,
            dom: dom ?? null,
          })
        ).callbackID,
      (callbackID) => this.call(P.CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY, { callbackID }),
    );
  }

  /**
   * CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY (316) with the kind's event id; device events arrive as
   * 354 (added), 333 (removed) and 367 (removal failed), metadata changes as 379, block jobs as 326 and 339; unsubscribe sends 317.
   */
  async onDomainEvent<K extends DomainEventKind>(
    kind: K,
    listener: (ev: DomainEventMap[K]) => void,
    dom?: DomainRef,
  ): Promise<Subscription> {
    if (kind === 'lifecycle')
      return this.onDomainLifecycle(listener as (ev: DomainLifecycleEvent) => void, dom);
    this.requireEventCallbacks();
    const { eventID } = findWireByKind(kind);
    return this.deviceEvents.subscribe(
      listener as (ev: DomainDeviceEvent | DomainMetadataEvent | DomainBlockJobEvent) => void,
      async () =>
        (await this.call(P.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, { eventID, dom: dom ?? null }))
          .callbackID,
      (callbackID) => this.call(P.CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY, { callbackID }),
    );
  }

  /** CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY (368); events arrive as 370; unsubscribe sends 369. */
  async onStoragePoolLifecycle(
    listener: (ev: PoolLifecycleEvent) => void,
    pool?: PoolRef,
  ): Promise<Subscription> {
    this.requireEventCallbacks();
    return this.poolEvents.subscribe(
      listener,
      async () =>
        (
          await this.call(P.CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY, {
            eventID: EventId.STORAGE_POOL_LIFECYCLE,
            pool: pool ?? null,
          })
        ).callbackID,
      (callbackID) => this.call(P.CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY, { callbackID }),
    );
  }
  /** CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY (368) for REFRESH; events arrive as 373; unsubscribe sends 369. */
  async onStoragePoolRefresh(
    listener: (ev: PoolRefreshEvent) => void,
    pool?: PoolRef,
  ): Promise<Subscription> {
    this.requireEventCallbacks();
    return this.poolRefreshEvents.subscribe(
      listener,
      async () =>
        (
          await this.call(P.CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY, {
            eventID: EventId.STORAGE_POOL_REFRESH,
            pool: pool ?? null,
          })
        ).callbackID,
      (callbackID) => this.call(P.CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY, { callbackID }),
    );
  }

  /** CONNECT_NETWORK_EVENT_REGISTER_ANY (313); events arrive as 315; unsubscribe sends 314. */
  async onNetworkLifecycle(
    listener: (ev: NetworkLifecycleEvent) => void,
    net?: NetworkRef,
  ): Promise<Subscription> {
    this.requireEventCallbacks();
    return this.networkEvents.subscribe(
      listener,
      async () =>
        (
          await this.call(P.CONNECT_NETWORK_EVENT_REGISTER_ANY, {
            eventID: EventId.NETWORK_LIFECYCLE,
            net: net ?? null,
          })
        ).callbackID,
      (callbackID) => this.call(P.CONNECT_NETWORK_EVENT_DEREGISTER_ANY, { callbackID }),
    );
  }

  /** DOMAIN_OPEN_CONSOLE (201), then the console's bytes as STREAM packets both ways. */
  async domainOpenConsole(dom: DomainRef, devName?: string, flags = 0): Promise<Duplex> {
    const args = encodeArgs(P.DOMAIN_OPEN_CONSOLE, { dom, dev_name: devName ?? null, flags });
    return openRemoteStream(this.session, P.DOMAIN_OPEN_CONSOLE, args);
  }

  /**
   * DOMAIN_OPEN_GRAPHICS_FD (343) needs a client that receives descriptors, which this one does not;
   * libvirt's own client (virsh, libvirt-python) does, over a unix socket.
   */
  async domainOpenGraphicsFD(): Promise<number> {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      "domainOpenGraphicsFD: tsvirt's protocol client does not receive descriptors; use libvirt's client over a unix socket, or the embedded connection",
      { method: 'domainOpenGraphicsFD' },
    );
  }

  /** STORAGE_VOL_UPLOAD (208), then `source` as STREAM packets; resolves once the server confirms the finish. */
  async storageVolUpload(
    vol: VolumeRef,
    source: Readable,
    offset = 0n,
    length = 0n,
    flags = 0,
  ): Promise<void> {
    const args = encodeArgs(P.STORAGE_VOL_UPLOAD, { vol, offset, length, flags });
    await pipeline(source, await openRemoteStream(this.session, P.STORAGE_VOL_UPLOAD, args));
  }

  /** STORAGE_VOL_DOWNLOAD (209); the volume's bytes arrive as STREAM packets, the finish follows their end. */
  async storageVolDownload(vol: VolumeRef, offset = 0n, length = 0n, flags = 0): Promise<Readable> {
    const args = encodeArgs(P.STORAGE_VOL_DOWNLOAD, { vol, offset, length, flags });
    return openRemoteStream(this.session, P.STORAGE_VOL_DOWNLOAD, args, { finishOnEof: true });
  }

  /** DOMAIN_SCREENSHOT (211): the reply names the MIME type, the picture follows as STREAM packets. */
  async domainScreenshot(dom: DomainRef, screen = 0, flags = 0): Promise<{ mime: string; stream: Readable }> {
    const args = encodeArgs(P.DOMAIN_SCREENSHOT, { dom, screen, flags });
    const { stream, replyBody } = await openRemoteStreamWithReply(this.session, P.DOMAIN_SCREENSHOT, args, {
      finishOnEof: true,
    });
    const { mime } = decodeRet(P.DOMAIN_SCREENSHOT, replyBody);
    return { mime: mime ?? 'application/octet-stream', stream };
  }

  /**
   * DOMAIN_MIGRATE_PREPARE_TUNNEL3_PARAMS (304): the reply carries the cookie; the guest's state then goes
   * as STREAM packets written to the returned stream, whose end() resolves once the server confirms it.
   */
  async domainMigratePrepareTunnel3Params(
    params: TypedParam[],
    cookieIn: Buffer,
    flags = 0,
  ): Promise<{ cookieOut: Buffer; stream: Writable }> {
    const proc = P.DOMAIN_MIGRATE_PREPARE_TUNNEL3_PARAMS;
    const args = encodeArgs(proc, { params: toWireTypedParams(params), cookie_in: cookieIn, flags });
    const { stream, replyBody } = await openRemoteStreamWithReply(this.session, proc, args);
    return { cookieOut: decodeRet(proc, replyBody).cookie_out, stream };
  }
}
