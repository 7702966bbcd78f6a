/**
 * Tunnelled migration (VIR_MIGRATE_TUNNELLED): the guest's state travels inside the libvirt connection
 * between the two daemons instead of on a port of its own. The source qemu migrates to a unix socket
 * of tsvirtd, which pumps the bytes into the libvirt stream; the destination tsvirtd writes the stream
 * into the incoming qemu's unix socket. Both sockets live in the domain's folder that qemu owns.
 */
import { join } from 'node:path';
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { migrateIncoming, type QmpClient } from '../../qmp/index.js';
import type { DriverContext } from '../context.js';
import type { DomainObject } from '../domain-object.js';
import { connectToQemu, listenForQemu } from '../state-socket.js';

/** How long the incoming qemu may take to bind its socket after migrate-incoming. */
const INCOMING_CONNECT_MS = 10_000;

/** The source's end of a tunnel: the URI qemu migrates to, and the pump into the stream. */
export interface OutgoingTunnel {
  /** `unix:PATH` for qemu's `migrate`. */
  uri: string;
  /** Settles once qemu closed its end and the destination confirmed every byte. */
  done: Promise<void>;
  /** Stops the pump and aborts the stream; never throws. */
  close(): Promise<void>;
}

/** Listen for the source qemu's state and pump what it sends into `stream`, ending it with qemu's end. */
export async function openOutgoingTunnel(
  ctx: DriverContext,
  dom: DomainObject,
  stream: Writable,
): Promise<OutgoingTunnel> {
  const path = join(dom.paths.chanDir, 'migrate-out.sock');
  const listener = await listenForQemu(path, ctx.confinement.user);
  let sock: Socket | undefined;
  const done = listener.accepted
    .then((s) => {
      sock = s;
      return pipeline(s, stream);
    })
    .finally(() => listener.close());
  done.catch(() => undefined); // awaited by the caller once qemu reports the migration done
  return {
    uri: `unix:${path}`,
    done,
    close: async () => {
      sock?.destroy();
      stream.destroy();
      await listener.close();
    },
  };
}

/**
 * Have the incoming qemu listen on a unix socket (`migrate-incoming`) and connect to it; the returned
 * socket takes the stream's bytes. What qemu might write back is read and dropped.
 */
export async function openIncomingTunnel(dom: DomainObject, qmp: QmpClient): Promise<Socket> {
  const path = join(dom.paths.chanDir, 'migrate-in.sock');
  await migrateIncoming(qmp, `unix:${path}`);
  const sock = await connectToQemu(path, INCOMING_CONNECT_MS);
  sock.resume();
  return sock;
}
