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

/** libvirt's remote protocol server over one Connection. */
export class RpcServer {
  private readonly clients = new Set<ClientSession>();
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

  /** Serves one accepted socket until it closes. */
  handleSocket(socket: Duplex, info: SocketInfo): void {
    const label = `client ${this.nextClientId++} (${info.transport}${info.peer ? ` ${info.peer}` : ''}${info.readOnly ? ', ro' : ''})`;
    const maxClients = this.opts.maxClients ?? 5000;
    if (this.closed || this.clients.size >= maxClients) {
      this.log('warn', `Too many active clients (${this.clients.size}), dropping connection from ${label}`);
      socket.destroy();
      return;
    }
    const session = new ClientSession(
      socket,
      this.conn,
      {
        readOnly: info.readOnly,
        label,
        maxClientRequests: Math.max(1, this.opts.maxClientRequests ?? 5),
        keepaliveIntervalS: this.opts.keepaliveIntervalS ?? 5,
        keepaliveCount: this.opts.keepaliveCount ?? 5,
        maxQueuedBytes: MAX_QUEUED_BYTES,
        log: this.log,
      },
      (s) => this.clients.delete(s),
    );
    this.clients.add(session);
    this.log('debug', `${label}: connected`);
  }

  /** Closes every client and refuses new ones; the Connection stays open (the daemon owns it). */
  async close(): Promise<void> {
    this.closed = true;
    for (const client of [...this.clients]) client.drop('server shutting down');
    this.clients.clear();
  }
}
