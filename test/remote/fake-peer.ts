/** Test helper: a fake libvirt server on a real unix socket that records packets and answers by script. */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePacket, PacketDecoder, type Packet, type PacketHeader } from '../../src/remote/packet.js';

/** One accepted client connection of the fake server. */
export interface PeerConn {
  socket: Socket;
  received: Packet[];
  /** Resolves with the next packet received (or one already waiting). */
  next(): Promise<Packet>;
  send(header: PacketHeader, payload?: Buffer): void;
}

/** The fake server: its socket path and the connections it accepted. */
export interface FakePeer {
  path: string;
  accepted(): Promise<PeerConn>;
  /** Dials the fake server and returns both ends. */
  dial(): Promise<{ client: Socket; peer: PeerConn }>;
  stop(): Promise<void>;
}

function wrap(socket: Socket): PeerConn {
  const decoder = new PacketDecoder();
  const received: Packet[] = [];
  let cursor = 0;
  const waiters: (() => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    received.push(...decoder.push(chunk));
    for (const w of waiters.splice(0)) w();
  });
  socket.on('error', () => undefined);
  const next = async (): Promise<Packet> => {
    while (cursor >= received.length) await new Promise<void>((r) => waiters.push(r));
    return received[cursor++] as Packet;
  };
  return { socket, received, next, send: (h, p) => socket.write(encodePacket(h, p)) };
}

/** Starts a fake server in a fresh temp folder. */
export async function startFakePeer(): Promise<FakePeer> {
  const dir = await mkdtemp(join(tmpdir(), 'tsvirt-fake-peer-'));
  const path = join(dir, 'sock');
  const queue: PeerConn[] = [];
  const waiters: ((c: PeerConn) => void)[] = [];
  const server: Server = createServer((s) => {
    const conn = wrap(s);
    const w = waiters.shift();
    if (w) w(conn);
    else queue.push(conn);
  });
  await new Promise<void>((r) => server.listen(path, r));
  const accepted = (): Promise<PeerConn> => {
    const c = queue.shift();
    return c ? Promise.resolve(c) : new Promise((r) => waiters.push(r));
  };
  return {
    path,
    accepted,
    async dial() {
      const client = connect({ path });
      await new Promise<void>((r, j) => client.once('connect', r).once('error', j));
      return { client, peer: await accepted() };
    },
    async stop() {
      await new Promise<void>((r) => server.close(() => r()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A REPLY header answering `call`. */
export function replyTo(call: PacketHeader, status = 0): PacketHeader {
  return { ...call, type: 1, status };
}
