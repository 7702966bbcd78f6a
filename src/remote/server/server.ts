/**
 * RpcServer: serves libvirt's remote protocol on sockets that the daemon accepts, in front of one shared
 * Connection. Each socket gets its own ClientSession; the server only counts and closes them.
 */
import type { Duplex } from 'node:stream';
import type { Connection } from '../../connection.js';
import { ClientSession, type LogFn } from './client-session.js';

/** Options of RpcServer, named after their libvirtd.conf keys. */
export interface RpcServerOptions {
  /** max_clients (default 5000): a connection beyond it is closed at once. */
  maxClients?: number;
  /** max_client_requests (default 5): calls in flight per client; more wait unread. */
  maxClientRequests?: number;
  /** keepalive_interval in seconds (default 5); -1 disables server pings. */
  keepaliveIntervalS?: number;
  /** keepalive_count (default 5): unanswered pings before a client is dropped. */
  keepaliveCount?: number;
  /** Receives the server's log lines. */
  log?: (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;
  /** auth_tcp; only 'none' is implemented (the daemon refuses others at start). */
  authTcp?: 'none' | 'sasl';
  /**
   * max_anonymous_clients (default 20): clients served whose CONNECT_OPEN has not succeeded yet. A
   * connection beyond it waits unread, as in libvirtd's listen backlog, until one of them opens or goes.
   */
  maxAnonymousClients?: number;
  /** Milliseconds a client gets from connecting to a successful CONNECT_OPEN (default 30 s). */
  anonymousOpenTimeoutMs?: number;
  /** Milliseconds a client that has not opened gets to finish a packet it began (default 10 s). */
  anonymousPacketTimeoutMs?: number;
}

/** Facts about one accepted socket. */
export interface SocketInfo {
  /** The read-only socket: every mutating procedure is refused. */
  readOnly: boolean;
  transport: 'unix' | 'tcp' | 'tls';
  /** The peer address, for logs. */
  peer?: string;
}

/** Unsent bytes per client beyond which an event drops the client (it does not read). */
const MAX_QUEUED_BYTES = 32 * 1024 * 1024;

/**
 * The largest packet accepted before CONNECT_OPEN succeeds. Nothing a client sends until then needs
 * more than a few hundred bytes (AUTH_LIST, CONNECT_SUPPORTS_FEATURE, CONNECT_OPEN with a URI), and
 * libvirt's own client starts with a 64 KiB buffer (VIR_NET_MESSAGE_INITIAL), so 64 KiB leaves room for
 * any real client while an anonymous one cannot make the daemon hold 16 MiB.
 */
export const PRE_OPEN_MAX_PACKET_BYTES = 65_536;

/** Bytes an anonymous client may have held: a partial packet and the calls waiting behind it. */
const PRE_OPEN_MAX_HELD_BYTES = 2 * PRE_OPEN_MAX_PACKET_BYTES;

/** A connection accepted while max_anonymous_clients were being served: not read until one goes. */
interface WaitingSocket {
  socket: Duplex;
  info: SocketInfo;
  label: string;
  timer: NodeJS.Timeout;
  gone: () => void;
}

/** libvirt's remote protocol server over one Connection. */
export class RpcServer {
  private readonly clients = new Set<ClientSession>();
  private readonly anonymous = new Set<ClientSession>();
  private readonly waiting: WaitingSocket[] = [];
  private readonly log: LogFn;
  private nextClientId = 1;
  private closed = false;

  constructor(
    private readonly conn: Connection,
    private readonly opts: RpcServerOptions = {},
  ) {
    this.log = opts.log ?? (() => undefined);
  }

  /** Number of connected clients. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** Number of connected clients whose CONNECT_OPEN has not succeeded yet. */
  get anonymousCount(): number {
    return this.anonymous.size;
  }

  private get maxAnonymous(): number {
    return this.opts.maxAnonymousClients ?? 20;
  }
  private get openTimeoutMs(): number {
    return this.opts.anonymousOpenTimeoutMs ?? 30_000;
  }

  /** Serves one accepted socket until it closes. */
  handleSocket(socket: Duplex, info: SocketInfo): void {
    const label = `client ${this.nextClientId++} (${info.transport}${info.peer ? ` ${info.peer}` : ''}${info.readOnly ? ', ro' : ''})`;
    const maxClients = this.opts.maxClients ?? 5000;
    const count = this.clients.size + this.waiting.length;
    if (this.closed || count >= maxClients) {
      this.log('warn', `Too many active clients (${count}), dropping connection from ${label}`);
      socket.destroy();
      return;
    }
    if (this.anonymous.size >= this.maxAnonymous) return this.park(socket, info, label);
    this.serve(socket, info, label);
  }

  private serve(socket: Duplex, info: SocketInfo, label: string): void {
    const session: ClientSession = new ClientSession(
      socket,
      this.conn,
      {
        readOnly: info.readOnly,
        passFds: info.transport === 'unix',
        label,
        maxClientRequests: Math.max(1, this.opts.maxClientRequests ?? 5),
        keepaliveIntervalS: this.opts.keepaliveIntervalS ?? 5,
        keepaliveCount: this.opts.keepaliveCount ?? 5,
        maxQueuedBytes: MAX_QUEUED_BYTES,
        preOpen: {
          maxPacketBytes: PRE_OPEN_MAX_PACKET_BYTES,
          maxHeldBytes: PRE_OPEN_MAX_HELD_BYTES,
          openTimeoutMs: this.openTimeoutMs,
          packetTimeoutMs: this.opts.anonymousPacketTimeoutMs ?? 10_000,
        },
        onOpened: () => this.leaveAnonymous(session),
        log: this.log,
      },
      (s) => {
        this.clients.delete(s);
        this.leaveAnonymous(s);
      },
    );
    this.clients.add(session);
    if (session.isAnonymous) this.anonymous.add(session);
    this.log('debug', `${label}: connected`);
  }

  /** Holds a socket unread until an anonymous slot frees, at most the open deadline. */
  private park(socket: Duplex, info: SocketInfo, label: string): void {
    if (this.waiting.length === 0) {
      this.log(
        'warn',
        `${this.anonymous.size} clients have not opened (max_anonymous_clients ${this.maxAnonymous}); new connections wait, from ${label} on`,
      );
    }
    socket.pause();
    // A socket error while waiting is followed by 'close'; unheard, the error would end the daemon.
    socket.on('error', () => undefined);
    const entry: WaitingSocket = {
      socket,
      info,
      label,
      timer: setTimeout(() => {
        this.unpark(entry);
        this.log('warn', `${label}: waited ${this.openTimeoutMs} ms for max_anonymous_clients; closed`);
        socket.destroy();
      }, this.openTimeoutMs),
      gone: () => this.unpark(entry),
    };
    entry.timer.unref();
    socket.once('close', entry.gone);
    this.waiting.push(entry);
  }

  private unpark(entry: WaitingSocket): void {
    const at = this.waiting.indexOf(entry);
    if (at >= 0) this.waiting.splice(at, 1);
    clearTimeout(entry.timer);
    entry.socket.off('close', entry.gone);
  }

  /** A client opened or went: a waiting connection may be served. */
  private leaveAnonymous(session: ClientSession): void {
    this.anonymous.delete(session);
    while (!this.closed && this.waiting.length > 0 && this.anonymous.size < this.maxAnonymous) {
      const entry = this.waiting[0] as WaitingSocket;
      this.unpark(entry);
      if (entry.socket.destroyed) continue;
      this.serve(entry.socket, entry.info, entry.label);
      entry.socket.resume();
      if (this.waiting.length === 0)
        this.log('info', 'no connection waits for max_anonymous_clients any more');
    }
  }

  /** Closes every client and refuses new ones; the Connection stays open (the daemon owns it). */
  async close(): Promise<void> {
    this.closed = true;
    for (const entry of [...this.waiting]) {
      this.unpark(entry);
      entry.socket.destroy();
    }
    for (const client of [...this.clients]) client.drop('server shutting down');
    this.clients.clear();
    this.anonymous.clear();
  }
}
