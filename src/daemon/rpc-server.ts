/** The libvirt RPC server the daemon hands its sockets to (src/remote/server), with the daemon's limits. */
import type { Connection } from '../connection.js';
import { RpcServer } from '../remote/server/index.js';
import type { DaemonLog } from './log.js';
import type { ServerLimits } from './settings.js';

export type { SocketInfo as SocketOrigin } from '../remote/server/index.js';

/** The part of RpcServer the daemon calls. */
export type ClientServer = Pick<RpcServer, 'handleSocket' | 'close' | 'clientCount'>;

/** Builds the RPC server in front of the daemon's one connection; its log lines go to the daemon's log. */
export function createClientServer(conn: Connection, limits: ServerLimits, log: DaemonLog): ClientServer {
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
}
