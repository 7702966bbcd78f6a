/**
 * The unix sockets through which a guest's state moves between qemu and tsvirtd: qemu never opens a
 * save image itself, so an unprivileged qemu needs no access to the folder the image lives in.
 * A save listens here and qemu connects (`migrate unix:PATH`); a restore connects to qemu's own
 * listener (`migrate-incoming unix:PATH`). Both sockets live in the domain's folder that qemu owns.
 */
import { chown } from 'node:fs/promises';
import { createConnection, createServer, type Socket } from 'node:net';
import { TsvirtError } from '../errors.js';
import type { QemuUser } from './qemu-user.js';
import { removeFile } from './runtime-files.js';

/** A listener that takes qemu's one connection. */
export interface StateListener {
  /** Settles with qemu's connection; rejects when the listener closes first. */
  accepted: Promise<Socket>;
  /** Stop listening and remove the socket; never throws. */
  close(): Promise<void>;
}

/** Listen on `path` for qemu's outgoing state; the socket is given to qemu's user so that it may connect. */
export async function listenForQemu(path: string, user: QemuUser | undefined): Promise<StateListener> {
  await removeFile(path);
  const server = createServer();
  let closed = false;
  const accepted = new Promise<Socket>((resolve, reject) => {
    server.once('connection', (sock) => {
      server.close();
      resolve(sock);
    });
    server.once('close', () =>
      reject(new TsvirtError('ERR_OPERATION_FAILED', `qemu did not connect to ${path}`, { path })),
    );
  });
  accepted.catch(() => undefined); // a failed job closes the listener before anyone awaits it
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ path, exclusive: true }, () => resolve());
  });
  if (user && user.uid !== 0) await chown(path, user.uid, user.gid);
  return {
    accepted,
    close: async () => {
      if (!closed) server.close();
      closed = true;
      await removeFile(path).catch(() => undefined);
    },
  };
}

/** Connect to qemu's incoming listener at `path`, retrying while qemu has not bound it yet. */
export async function connectToQemu(path: string, timeoutMs: number): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const sock = createConnection(path);
        sock.once('connect', () => resolve(sock));
        sock.once('error', reject);
      });
    } catch (err) {
      if (Date.now() >= deadline) {
        throw new TsvirtError(
          'ERR_OPERATION_FAILED',
          `cannot connect to qemu's incoming state socket ${path}: ${(err as Error).message}`,
          { path },
          { cause: err },
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
