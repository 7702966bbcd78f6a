/** The libvirt RPC server the daemon hands its sockets to (src/remote/server), behind the calls it uses. */
import type { Socket } from 'node:net';
import type { Connection } from '../connection.js';
import { TsvirtError } from '../errors.js';
import type { ServerLimits } from './settings.js';

/** How a socket reached the daemon. */
export interface SocketOrigin {
  readOnly: boolean;
  transport: 'unix' | 'tcp';
  peer?: string;
}

/** The part of RpcServer the daemon calls. */
export interface ClientServer {
  handleSocket(socket: Socket, origin: SocketOrigin): void;
  close(): Promise<void>;
  readonly clientCount: number;
}

/** Builds the RPC server in front of the daemon's one connection. */
export async function createClientServer(
  conn: Connection,
  limits: ServerLimits,
  log: (line: string) => void,
): Promise<ClientServer> {
  // Until src/remote/server lands, its module is loaded by a path tsc does not follow.
  const path = '../remote/server/index.js';
  let mod: { RpcServer: new (c: Connection, o: ServerLimits & { log: (l: string) => void }) => ClientServer };
  try {
    mod = (await import(path)) as typeof mod;
  } catch (cause) {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      'tsvirtd: the RPC server (src/remote/server) is not built yet',
      {},
      {
        cause,
      },
    );
  }
  return new mod.RpcServer(conn, { ...limits, log });
}
