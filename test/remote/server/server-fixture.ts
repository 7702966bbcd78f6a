/**
 * Test helper: an RpcServer in front of an EmbeddedConnection on a temp root, listening on a temp unix
 * socket (read-write), a read-only unix socket, and a free TCP port on 127.0.0.1 — what tsvirtd does,
 * without the daemon.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedConnection, type EmbeddedOptions } from '../../../src/embedded/embedded-connection.js';
import { RpcServer, type RpcServerOptions } from '../../../src/remote/server/index.js';
import { findProcessesUnder, killAll } from '../../driver/helpers.js';

/** A running test server. */
export interface TestServer {
  root: string;
  conn: EmbeddedConnection;
  server: RpcServer;
  unixPath: string;
  roPath: string;
  port: number;
  /** qemu+unix:///system?socket=… on the read-write socket. */
  unixUri: string;
  /** The same on the read-only socket. */
  roUri: string;
  /** qemu+tcp://127.0.0.1:PORT/system. */
  tcpUri: string;
  logs: string[];
  /** Closes the server and the connection, kills leftover qemu under the root, removes the root. */
  stop(): Promise<number[]>;
}

function listen(srv: Server, where: string | number): Promise<void> {
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    if (typeof where === 'string') srv.listen(where, () => resolve());
    else srv.listen(where, '127.0.0.1', () => resolve());
  });
}

/** Starts a server on a new temp root. */
export async function startTestServer(
  opts: RpcServerOptions = {},
  embedded: Partial<EmbeddedOptions> = {},
): Promise<TestServer> {
  const root = await mkdtemp(join(tmpdir(), 'tsvirt-rpcsrv-'));
  const logs: string[] = [];
  const conn = await EmbeddedConnection.open({
    ...embedded,
    root,
    log: (l) => logs.push(l),
    lockTimeoutMs: 500,
  });
  const server = new RpcServer(conn, { log: (level, msg) => logs.push(`${level}: ${msg}`), ...opts });
  const sockets = new Set<Socket>();
  const make = (readOnly: boolean, transport: 'unix' | 'tcp'): Server =>
    createServer((sock) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      server.handleSocket(sock, { readOnly, transport, peer: sock.remoteAddress });
    });
  const rw = make(false, 'unix');
  const ro = make(true, 'unix');
  const tcp = make(false, 'tcp');
  const unixPath = join(root, 'libvirt-sock');
  const roPath = join(root, 'libvirt-sock-ro');
  await listen(rw, unixPath);
  await listen(ro, roPath);
  await listen(tcp, 0);
  const port = (tcp.address() as { port: number }).port;
  return {
    root,
    conn,
    server,
    unixPath,
    roPath,
    port,
    unixUri: `qemu+unix:///system?socket=${unixPath}`,
    roUri: `qemu+unix:///system?socket=${roPath}`,
    tcpUri: `qemu+tcp://127.0.0.1:${port}/system`,
    logs,
    async stop() {
      await server.close();
      for (const s of sockets) s.destroy();
      await Promise.all([rw, ro, tcp].map((s) => new Promise((r) => s.close(r))));
      await conn.close().catch(() => undefined);
      const left = await findProcessesUnder(root);
      killAll(left);
      await rm(root, { recursive: true, force: true });
      return left;
    },
  };
}
