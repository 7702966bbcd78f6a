/** The libvirt-protocol client: connectRemote(uri) and the pieces a server reuses. */
import { connect as netConnect, type Socket } from 'node:net';
import { TsvirtError } from '../errors.js';
import { RemoteConnection } from './remote-connection.js';
import { DEFAULT_CALL_TIMEOUT_MS, RpcSession } from './rpc-session.js';
import { parseRemoteUri, type RemoteTarget } from './uri.js';

export { RemoteConnection } from './remote-connection.js';
export { RpcSession, DEFAULT_CALL_TIMEOUT_MS } from './rpc-session.js';
export { parseRemoteUri, DEFAULT_TCP_PORT, DEFAULT_UNIX_SOCKET } from './uri.js';
export type { RemoteTarget } from './uri.js';

/** Options of connectRemote. */
export interface ConnectRemoteOptions {
  /** Time for the socket to connect and for each call to get its reply. */
  timeoutMs?: number;
  /** Open with VIR_CONNECT_RO (and the read-only default socket). */
  readOnly?: boolean;
}

/** Opens a socket to the target, failing after timeoutMs. */
function dial(target: RemoteTarget, uri: string, timeoutMs: number): Promise<Socket> {
  const where = target.transport === 'tcp' ? `${target.host}:${target.port}` : target.socketPath;
  return new Promise((resolve, reject) => {
    const socket =
      target.transport === 'tcp'
        ? netConnect({ host: target.host, port: target.port })
        : netConnect({ path: target.socketPath });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new TsvirtError('ERR_RPC_TIMEOUT', `${uri}: ${where} did not accept within ${timeoutMs} ms`, { uri }),
      );
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (cause: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new TsvirtError(
          'ERR_CONNECTION_CLOSED',
          `${uri}: cannot connect to ${where} (${cause.code ?? cause.message}); check that libvirtd or tsvirtd listens there`,
          { uri, errno: cause.code },
          { cause },
        ),
      );
    });
  });
}

/** Connects to a libvirt-protocol server (libvirtd or tsvirtd) and runs virsh's handshake. */
export async function connectRemote(uri: string, opts: ConnectRemoteOptions = {}): Promise<RemoteConnection> {
  const target = parseRemoteUri(uri, opts.readOnly ?? false);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const socket = await dial(target, uri, timeoutMs);
  const session = new RpcSession(socket, { timeoutMs });
  return RemoteConnection.open(session, { uri, name: target.name, readOnly: opts.readOnly ?? false });
}
