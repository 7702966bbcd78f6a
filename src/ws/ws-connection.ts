/**
 * The third Connection: a client of tsvirtd's WebSocket JSON-RPC API (ws://HOST:PORT/api), in Node.js
 * and in a browser. Its methods come from the one method table (methods.ts): each turns its refs and
 * arguments into named params and revives the bigints of the result. Volume upload and download go as
 * plain HTTP to /volume/POOL/NAME on the same listener (volume-client.ts, Node.js only).
 */
import type { Duplex, Readable } from 'node:stream';
import type {
  Connection,
  DomainEventKind,
  DomainEventMap,
  DomainLifecycleEvent,
  DomainRef,
  PoolLifecycleEvent,
  PoolRefreshEvent,
  PoolRef,
  Subscription,
  SnapshotRef,
  VolumeRef,
} from '../connection.js';
import { TsvirtError, type ErrorCode } from '../errors.js';
import { METHODS, NOT_IN_TABLE, replaceBigint, reviveBigints, type MethodSpec } from './methods.js';
import { isNode, openSocket, type SocketLike } from './ws-transport.js';

/** Options of WsConnection.connect. */
export interface WsConnectOptions {
  /** A token of the server's token file. */
  token?: string;
  /** How long to wait for the socket to open (default 10000 ms). */
  openTimeoutMs?: number;
}

type TableCalls = Exclude<keyof Connection, (typeof NOT_IN_TABLE)[number] | 'uri' | 'readOnly' | 'close'>;

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

// The table methods are defined on the prototype below (see defineTableMethods).
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface WsConnection extends Pick<Connection, TableCalls> {}

/** A Connection over the WebSocket API. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class WsConnection implements Connection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly domainListeners = new Set<(ev: DomainLifecycleEvent) => void>();
  private readonly poolListeners = new Set<(ev: PoolLifecycleEvent) => void>();
  /** Listeners of the other domain.* notifications, by method. */
  private readonly kindListeners = new Map<string, Set<(ev: unknown) => void>>();
  private closedError: TsvirtError | undefined;
  private access = { readOnly: false };

  private constructor(
    readonly uri: string,
    private readonly socket: SocketLike,
    private readonly token: string | undefined,
  ) {
    this.socket.addEventListener('message', (ev: { data: unknown }) => this.onMessage(ev.data));
    this.socket.addEventListener('close', (ev: { code: number; reason: string }) =>
      this.onClose(ev.code, ev.reason),
    );
  }

  /** Whether the server gave this client read-only access (a read-only token). */
  get readOnly(): boolean {
    return this.access.readOnly;
  }

  /** Connect to `ws://HOST:PORT` or `ws://HOST:PORT/api` (wss:// alike); a `?token=` in the URI is used. */
  static async connect(uri: string, opts: WsConnectOptions = {}): Promise<WsConnection> {
    const url = new URL(uri);
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
      throw new TsvirtError('ERR_INVALID_ARG', `${uri}: not a WebSocket URI; use ws://HOST:PORT/api`, {
        uri,
      });
    }
    if (url.pathname === '/' || url.pathname === '') url.pathname = '/api';
    const token = opts.token ?? url.searchParams.get('token') ?? undefined;
    url.searchParams.delete('token');
    const socket = await openSocket(url.toString(), {
      ...(token === undefined ? {} : { token }),
      ...(opts.openTimeoutMs === undefined ? {} : { timeoutMs: opts.openTimeoutMs }),
    });
    const conn = new WsConnection(url.toString(), socket, token);
    conn.access = (await conn.call('getAccess', {})) as { readOnly: boolean };
    return conn;
  }

  /** Send one JSON-RPC request and wait for its reply. */
  call(method: string, params: Record<string, unknown>): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }, replaceBigint));
    });
  }

  async close(): Promise<void> {
    if (this.closedError) return;
    await new Promise<void>((resolve) => {
      this.socket.addEventListener('close', () => resolve());
      this.socket.close(1000, 'client closed');
    });
  }

  async onDomainLifecycle(
    listener: (ev: DomainLifecycleEvent) => void,
    dom?: DomainRef,
  ): Promise<Subscription> {
    const wrapped = dom ? (ev: DomainLifecycleEvent) => ev.dom.uuid === dom.uuid && listener(ev) : listener;
    return this.addListener(this.domainListeners, 'domain.lifecycle', wrapped as typeof listener);
  }

  /** Any domain event kind, through `subscribe` of domain.KIND (domain.device-added, ...). */
  async onDomainEvent<K extends DomainEventKind>(
    kind: K,
    listener: (ev: DomainEventMap[K]) => void,
    dom?: DomainRef,
  ): Promise<Subscription> {
    if (kind === 'lifecycle')
      return this.onDomainLifecycle(listener as (ev: DomainLifecycleEvent) => void, dom);
    const method = `domain.${kind}`;
    let set = this.kindListeners.get(method);
    if (!set) this.kindListeners.set(method, (set = new Set()));
    const wrapped = (ev: unknown): void => {
      if (!dom || (ev as DomainEventMap[K]).dom.uuid === dom.uuid) listener(ev as DomainEventMap[K]);
    };
    return this.addListener(set, method, wrapped);
  }

  async onStoragePoolLifecycle(
    listener: (ev: PoolLifecycleEvent) => void,
    pool?: PoolRef,
  ): Promise<Subscription> {
    const wrapped = pool ? (ev: PoolLifecycleEvent) => ev.pool.uuid === pool.uuid && listener(ev) : listener;
    return this.addListener(this.poolListeners, 'pool.lifecycle', wrapped as typeof listener);
  }

  async onStoragePoolRefresh(
    listener: (ev: PoolRefreshEvent) => void,
    pool?: PoolRef,
  ): Promise<Subscription> {
    let set = this.kindListeners.get('pool.refresh');
    if (!set) this.kindListeners.set('pool.refresh', (set = new Set()));
    const wrapped = (ev: unknown): void => {
      if (!pool || (ev as PoolRefreshEvent).pool.uuid === pool.uuid) listener(ev as PoolRefreshEvent);
    };
    return this.addListener(set, 'pool.refresh', wrapped);
  }

  /** Network events are not sent over the WebSocket API yet; subscribe through the libvirt RPC. */
  async onNetworkLifecycle(): Promise<Subscription> {
    throw notSupported('onNetworkLifecycle');
  }

  /** Not offered: tsvirt refuses every scheduler change (no cgroup per domain), so there is no row for it. */
  async domainSetSchedulerParameters(): Promise<void> {
    throw notSupported('domainSetSchedulerParameters (tsvirt refuses scheduler changes on every API)');
  }

  /** Migration phases pass opaque cookies between two libvirt-protocol daemons: not offered here. */
  async domainMigrateBegin3Params(): Promise<never> {
    throw notSupported('domainMigrateBegin3Params (migrate through the libvirt RPC)');
  }
  /** Not offered, as domainMigrateBegin3Params. */
  async domainMigratePrepare3Params(): Promise<never> {
    throw notSupported('domainMigratePrepare3Params (migrate through the libvirt RPC)');
  }
  /** Not offered, as domainMigrateBegin3Params. */
  async domainMigratePrepareTunnel3Params(): Promise<never> {
    throw notSupported('domainMigratePrepareTunnel3Params (migrate through the libvirt RPC)');
  }
  /** Not offered, as domainMigrateBegin3Params. */
  async domainMigratePerform3Params(): Promise<never> {
    throw notSupported('domainMigratePerform3Params (migrate through the libvirt RPC)');
  }
  /** Not offered, as domainMigrateBegin3Params. */
  async domainMigrateFinish3Params(): Promise<never> {
    throw notSupported('domainMigrateFinish3Params (migrate through the libvirt RPC)');
  }
  /** Not offered, as domainMigrateBegin3Params. */
  async domainMigrateConfirm3Params(): Promise<never> {
    throw notSupported('domainMigrateConfirm3Params (migrate through the libvirt RPC)');
  }

  /** The serial console over /console/NAME (Node.js only: it returns a stream.Duplex). */
  async domainOpenConsole(dom: DomainRef, devName?: string, flags = 0): Promise<Duplex> {
    if (!isNode()) throw notSupported('domainOpenConsole in a browser; open /console/NAME with a WebSocket');
    if (devName !== undefined && devName !== 'console0') throw notSupported(`console device ${devName}`);
    const url = new URL(this.uri);
    url.pathname = `/console/${encodeURIComponent(dom.name)}`;
    if (flags & 1) url.searchParams.set('force', '1');
    const { createWebSocketStream } = await import('ws');
    const socket = await openSocket(url.toString(), this.token === undefined ? {} : { token: this.token });
    return createWebSocketStream(socket as never);
  }

  /** Not offered: a descriptor cannot cross a WebSocket; /vnc/NAME carries the VNC stream instead. */
  async domainOpenGraphicsFD(): Promise<number> {
    throw notSupported('domainOpenGraphicsFD (open /vnc/NAME instead)');
  }

  /** virStorageVolUpload as HTTP `PUT /volume/POOL/NAME` on the same listener (Node.js only). */
  async storageVolUpload(
    vol: VolumeRef,
    source: Readable,
    offset = 0n,
    length = 0n,
    flags = 0,
  ): Promise<void> {
    if (!isNode()) throw notSupported('storageVolUpload in a browser; PUT /volume/POOL/NAME with fetch');
    const { uploadVolume } = await import('./volume-client.js');
    await uploadVolume({ uri: this.uri, token: this.token }, vol, source, { offset, length, flags });
  }

  /** virStorageVolDownload as HTTP `GET /volume/POOL/NAME` on the same listener (Node.js only). */
  async storageVolDownload(vol: VolumeRef, offset = 0n, length = 0n, flags = 0): Promise<Readable> {
    if (!isNode()) throw notSupported('storageVolDownload in a browser; GET /volume/POOL/NAME with fetch');
    const { downloadVolume } = await import('./volume-client.js');
    return downloadVolume({ uri: this.uri, token: this.token }, vol, { offset, length, flags });
  }

  /** virDomainScreenshot has no WebSocket form: JSON-RPC carries no byte streams. */
  async domainScreenshot(): Promise<{ mime: string; stream: Readable }> {
    throw notSupported('domainScreenshot over the WebSocket API; use the libvirt protocol (qemu+tcp://)');
  }

  /** Calls on one snapshot have no WebSocket form yet (no snapshot target); the libvirt protocol has them. */
  async domainSnapshotGetXMLDesc(): Promise<string> {
    throw notSupported(
      'domainSnapshotGetXMLDesc over the WebSocket API; use the libvirt protocol (qemu+tcp://)',
    );
  }
  async domainSnapshotListAllChildren(): Promise<SnapshotRef[]> {
    throw notSupported(
      'domainSnapshotListAllChildren over the WebSocket API; use the libvirt protocol (qemu+tcp://)',
    );
  }
  async domainSnapshotNumChildren(): Promise<number> {
    throw notSupported(
      'domainSnapshotNumChildren over the WebSocket API; use the libvirt protocol (qemu+tcp://)',
    );
  }
  async domainSnapshotGetParent(): Promise<SnapshotRef> {
    throw notSupported(
      'domainSnapshotGetParent over the WebSocket API; use the libvirt protocol (qemu+tcp://)',
    );
  }
  async domainSnapshotIsCurrent(): Promise<boolean> {
    throw notSupported(
      'domainSnapshotIsCurrent over the WebSocket API; use the libvirt protocol (qemu+tcp://)',
    );
  }
  async domainSnapshotHasMetadata(): Promise<boolean> {
    throw notSupported(
      'domainSnapshotHasMetadata over the WebSocket API; use the libvirt protocol (qemu+tcp://)',
    );
  }
  async domainRevertToSnapshot(): Promise<void> {
    throw notSupported(
      'domainRevertToSnapshot over the WebSocket API; use the libvirt protocol (qemu+tcp://)',
    );
  }
  async domainSnapshotDelete(): Promise<void> {
    throw notSupported('domainSnapshotDelete over the WebSocket API; use the libvirt protocol (qemu+tcp://)');
  }

  private async addListener<E>(
    set: Set<(ev: E) => void>,
    kind: string,
    listener: (ev: E) => void,
  ): Promise<Subscription> {
    if (set.size === 0) await this.call('subscribe', { events: [kind] });
    set.add(listener);
    return {
      unsubscribe: () => {
        set.delete(listener);
        if (set.size === 0 && !this.closedError)
          void this.call('unsubscribe', { events: [kind] }).catch(() => undefined);
      },
    };
  }

  private onMessage(data: unknown): void {
    const text = typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer);
    const msg = JSON.parse(text) as {
      id?: number;
      method?: string;
      params?: unknown;
      result?: unknown;
      error?: {
        message: string;
        data?: { code: ErrorCode; fields?: Record<string, unknown>; libvirtCode?: number };
      };
    };
    if (msg.method !== undefined) return this.onNotification(msg.method, msg.params);
    const pending = msg.id === undefined ? undefined : this.pending.get(msg.id);
    if (!pending) return;
    this.pending.delete(msg.id as number);
    if (msg.error) pending.reject(errorFromReply(msg.error));
    else pending.resolve(msg.result);
  }

  private onNotification(method: string, params: unknown): void {
    if (method === 'domain.lifecycle')
      for (const l of [...this.domainListeners]) l(params as DomainLifecycleEvent);
    if (method === 'pool.lifecycle') for (const l of [...this.poolListeners]) l(params as PoolLifecycleEvent);
    for (const l of [...(this.kindListeners.get(method) ?? [])]) l(params);
  }

  private onClose(code: number, reason: string): void {
    this.closedError = new TsvirtError(
      'ERR_CONNECTION_CLOSED',
      `${this.uri}: the WebSocket closed (${code} ${reason})`,
      {
        code,
        reason,
      },
    );
    for (const p of this.pending.values()) p.reject(this.closedError);
    this.pending.clear();
  }
}

function errorFromReply(error: {
  message: string;
  data?: { code: ErrorCode; fields?: Record<string, unknown>; libvirtCode?: number; libvirtDomain?: number };
}): TsvirtError {
  const d = error.data;
  return new TsvirtError(d?.code ?? 'ERR_RPC', error.message, {
    ...(d?.fields ?? {}),
    ...(d?.libvirtCode === undefined ? {} : { libvirtCode: d.libvirtCode, libvirtDomain: d.libvirtDomain }),
  });
}

function notSupported(what: string): TsvirtError {
  return new TsvirtError('ERR_NOT_SUPPORTED', `${what} is not offered over the WebSocket API`, {
    method: what,
  });
}

/** The named params of a table call from the Connection method's positional arguments. */
export function buildParams(spec: MethodSpec, args: unknown[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  let rest = args;
  if (spec.target !== 'none') {
    const [target, ...others] = args;
    rest = others;
    if (spec.target === 'poolOf') {
      const pool = target as PoolRef;
      params.pool = { name: pool.name, uuid: pool.uuid };
    } else {
      Object.assign(params, target as object);
    }
  }
  spec.params.forEach((p, i) => {
    if (rest[i] !== undefined) params[p.name] = rest[i];
  });
  return params;
}

function defineTableMethods(): void {
  for (const [rpcName, spec] of Object.entries(METHODS)) {
    const method = async function (this: WsConnection, ...args: unknown[]): Promise<unknown> {
      return reviveBigints(await this.call(rpcName, buildParams(spec, args)), spec.bigints);
    };
    Object.defineProperty(WsConnection.prototype, spec.call, {
      value: method,
      enumerable: false,
      writable: true,
    });
  }
}
defineTableMethods();
