/** The daemon's listening sockets: unix sockets with their group and modes, and TCP (TLS: tls-listener.ts). */
import { chmod, chown, lstat, mkdir, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { TsvirtError } from '../errors.js';

/** A TCP or TLS client's address and port, for logs. */
export function peerOf(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
}

/** What a listener does with each accepted socket. */
export type AcceptSocket = (socket: Socket) => void;

/** Whether something accepts connections on the unix socket at `path`. */
export function isSocketLive(path: string, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ path });
    const done = (live: boolean): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(live);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/**
 * Makes `path` free for a new socket: a stale socket of a dead daemon is removed; a live one, or a file
 * that is not a socket, is an error naming the path.
 */
export async function clearSocketPath(path: string): Promise<void> {
  const stat = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!stat) return;
  if (!stat.isSocket()) {
    throw new TsvirtError(
      'ERR_IO',
      `${path}: exists and is not a socket; move it away or change unix_sock_dir`,
      {
        path,
      },
    );
  }
  if (await isSocketLive(path)) {
    throw new TsvirtError(
      'ERR_ROOT_LOCKED',
      `another daemon listens on ${path}; stop it first or use another unix_sock_dir`,
      { path },
    );
  }
  await rm(path, { force: true });
}

/** Options of a unix listener. */
export interface UnixListenOptions {
  /** The socket file's mode (unix_sock_rw_perms / unix_sock_ro_perms). */
  mode: number;
  /** The socket file's group (unix_sock_group); undefined keeps ours. */
  gid?: number;
}

/** Listens on a unix socket at `path` with the given mode and group, replacing a stale socket file. */
export async function listenUnix(
  path: string,
  opts: UnixListenOptions,
  accept: AcceptSocket,
): Promise<Server> {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  await clearSocketPath(path);
  const server = createServer({ pauseOnConnect: false }, accept);
  // Bind under a tight umask, so the socket is never wider than asked between bind and chmod.
  const oldMask = process.umask(0o077);
  try {
    await listenOn(server, { path }, path);
  } finally {
    process.umask(oldMask);
  }
  try {
    await chmod(path, opts.mode);
    if (opts.gid !== undefined) await chown(path, -1, opts.gid);
  } catch (cause) {
    await closeServer(server);
    throw new TsvirtError(
      'ERR_IO',
      `${path}: cannot set the socket's mode or group (${(cause as Error).message}); run tsvirtd as root or drop unix_sock_group`,
      { path, gid: opts.gid, mode: opts.mode },
      { cause },
    );
  }
  return server;
}

/** Listens on TCP; a port in use is an error naming it. An undefined host means every address. */
export async function listenTcp(
  host: string | undefined,
  port: number,
  accept: AcceptSocket,
): Promise<Server> {
  const server = createServer(accept);
  const where = `${host ?? '*'}:${port}`;
  await listenOn(server, host === undefined ? { port } : { host, port }, where);
  return server;
}

/** Listens with `options`; a port in use or another failure is a TsvirtError naming `where`. */
export function listenOn(
  server: Server,
  options: { path?: string; host?: string; port?: number },
  where: string,
  portKey = 'tcp_port',
) {
  return new Promise<void>((resolve, reject) => {
    const onError = (cause: NodeJS.ErrnoException): void => {
      const inUse = cause.code === 'EADDRINUSE';
      reject(
        new TsvirtError(
          inUse ? 'ERR_ROOT_LOCKED' : 'ERR_IO',
          inUse
            ? `${where}: address already in use; stop the other daemon (libvirtd?) or change ${portKey}`
            : `${where}: cannot listen (${cause.code ?? cause.message})`,
          { where, errno: cause.code },
          { cause },
        ),
      );
    };
    server.once('error', onError);
    server.listen({ ...options, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Stops accepting; resolves once the listener is closed (open client sockets are not touched). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
