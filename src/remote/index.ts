/** The libvirt-protocol client: connectRemote(uri) and the pieces a server reuses. */
import { dial } from './dial.js';
import { RemoteConnection } from './remote-connection.js';
import { DEFAULT_CALL_TIMEOUT_MS, RpcSession } from './rpc-session.js';
import { parseRemoteUri } from './uri.js';

export { RemoteConnection } from './remote-connection.js';
export { RpcSession, DEFAULT_CALL_TIMEOUT_MS } from './rpc-session.js';
export { parseRemoteUri, DEFAULT_TCP_PORT, DEFAULT_TLS_PORT, DEFAULT_UNIX_SOCKET } from './uri.js';
export type { RemoteTarget } from './uri.js';

/** Options of connectRemote. */
export interface ConnectRemoteOptions {
  /** Time for the socket to connect and for each call to get its reply. */
  timeoutMs?: number;
  /** Open with VIR_CONNECT_RO (and the read-only default socket). */
  readOnly?: boolean;
}

/** Connects to a libvirt-protocol server (libvirtd or tsvirtd) and runs virsh's handshake. */
export async function connectRemote(uri: string, opts: ConnectRemoteOptions = {}): Promise<RemoteConnection> {
  const target = parseRemoteUri(uri, opts.readOnly ?? false);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const socket = await dial(target, uri, timeoutMs);
  const session = new RpcSession(socket, { timeoutMs });
  return RemoteConnection.open(session, { uri, name: target.name, readOnly: opts.readOnly ?? false });
}
