/**
 * The libvirt RPC server the daemon hands its sockets to (src/remote/server), with the daemon's limits.
 * Its codecs, structs and dispatch tables load with the first client, so an idle daemon holds none.
 */
import type { Duplex } from 'node:stream';
import type { Connection } from '../connection.js';
import type { RpcServer, SocketInfo } from '../remote/server/index.js';
import type { DaemonLog } from './log.js';
import type { ServerLimits } from './settings.js';

export type { SocketInfo as SocketOrigin } from '../remote/server/index.js';

/** The part of RpcServer the daemon calls. */
export type ClientServer = Pick<RpcServer, 'handleSocket' | 'close' | 'clientCount'>;

/** Builds the RPC server in front of the daemon's one connection; its log lines go to the daemon's log. */
export function createClientServer(conn: Connection, limits: ServerLimits, log: DaemonLog): ClientServer {
  const load = async (): Promise<ClientServer> => {
    const { RpcServer } = await import('../remote/server/index.js');
    return new RpcServer(conn, {
      maxClients: limits.maxClients,
      maxAnonymousClients: limits.maxAnonymousClients,
      maxClientRequests: limits.maxClientRequests,
      keepaliveIntervalS: limits.keepaliveIntervalS,
      keepaliveCount: limits.keepaliveCount,
      anonymousOpenTimeoutMs: limits.anonymousOpenTimeoutS * 1_000,
      anonymousPacketTimeoutMs: limits.anonymousPacketTimeoutS * 1_000,
      log: (level, message) => log[level](message),
    });
  };
  return new LazyClientServer(load, log);
}

/**
 * Loads the server on the first socket and hands it every socket in arrival order; the sockets that
 * come meanwhile stay unread (their bytes wait in the socket) and count as clients.
 */
class LazyClientServer implements ClientServer {
  private server: ClientServer | undefined;
  private loading: Promise<ClientServer> | undefined;
  private readonly held = new Set<Duplex>();
  private closed = false;

  constructor(
    private readonly load: () => Promise<ClientServer>,
    private readonly log: DaemonLog,
  ) {}

  get clientCount(): number {
    return (this.server?.clientCount ?? 0) + this.held.size;
  }

  handleSocket(socket: Duplex, info: SocketInfo): void {
    if (this.server) return this.server.handleSocket(socket, info);
    this.held.add(socket);
    this.loading ??= this.load().then((server) => (this.server = server));
    this.loading.then(
      (server) => {
        this.held.delete(socket);
        if (this.closed) socket.destroy();
        else if (!socket.destroyed) server.handleSocket(socket, info);
      },
      (err: unknown) => {
        this.held.delete(socket);
        this.loading = undefined; // the next client tries again
        this.log.error(`the RPC server failed to load: ${String(err)}; connection dropped`);
        socket.destroy();
      },
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const socket of this.held) socket.destroy();
    this.held.clear();
    await this.loading?.catch(() => undefined);
    await this.server?.close();
  }
}
