/**
 * Sends hostile packets over one connection in pipelined windows and checks the server's side of the
 * bargain: every CALL gets a REPLY with its serial, or the connection closes, within a deadline.
 */
import { connect, type Socket } from 'node:net';
import { PacketDecoder } from '../../src/remote/packet.js';
import { MessageType } from '../../src/remote/protocol.js';
import { buildOpenCall, buildSentinelCall, type HostilePacket } from './hostile-packets.js';

/** Counts of one or many connections. */
export interface HostileTally {
  connections: number;
  packets: number;
  replies: number;
  closedByServer: number;
  kinds: Record<string, number>;
}

/** An empty tally. */
export function newTally(): HostileTally {
  return { connections: 0, packets: 0, replies: 0, closedByServer: 0, kinds: {} };
}

/** Packets per pipelined write. */
const WINDOW = 16;

class Peer {
  readonly replies = new Map<number, number>();
  closed = false;
  private readonly decoder = new PacketDecoder();
  private wake: (() => void) | undefined;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const p of this.decoder.push(chunk)) {
        if (p.header.type !== MessageType.REPLY) continue;
        this.replies.set(p.header.serial, (this.replies.get(p.header.serial) ?? 0) + 1);
      }
      this.wake?.();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  /** Resolves once `done()` holds or the socket has closed; throws after `deadlineMs`. */
  async until(done: () => boolean, deadlineMs: number, what: () => string): Promise<void> {
    const end = Date.now() + deadlineMs;
    while (!done() && !this.closed) {
      const left = end - Date.now();
      if (left <= 0) throw new Error(`no reply and no close within ${deadlineMs} ms: ${what()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

function dial(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ path });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/**
 * One connection: maybe a valid CONNECT_OPEN first, then up to `budget` packets from `next`, then a
 * sentinel call unless the server closed or a terminal packet ended the stream. Returns packets sent.
 */
export async function runHostileConnection(
  path: string,
  next: () => HostilePacket,
  opts: { budget: number; open: boolean; deadlineMs: number; tally: HostileTally },
): Promise<number> {
  const peer = new Peer(await dial(path));
  const { tally } = opts;
  tally.connections++;
  let sent = 0;
  try {
    if (opts.open) {
      peer.socket.write(buildOpenCall(1));
      await peer.until(
        () => peer.replies.has(1),
        opts.deadlineMs,
        () => 'CONNECT_OPEN',
      );
    }
    while (sent < opts.budget && !peer.closed) {
      const batch: HostilePacket[] = [];
      while (batch.length < WINDOW && sent + batch.length < opts.budget) {
        const p = next();
        batch.push(p);
        if (p.terminal) break;
      }
      const owed = new Map<number, number>();
      for (const p of batch) {
        if (p.replySerial === undefined) continue;
        const before = owed.get(p.replySerial) ?? peer.replies.get(p.replySerial) ?? 0;
        owed.set(p.replySerial, before + 1);
      }
      peer.socket.write(Buffer.concat(batch.map((p) => p.bytes)));
      sent += batch.length;
      for (const p of batch) tally.kinds[p.kind] = (tally.kinds[p.kind] ?? 0) + 1;
      const describe = (): string =>
        batch.map((p) => `${p.kind} ${p.bytes.subarray(0, 40).toString('hex')}`).join('; ');
      const last = batch[batch.length - 1];
      if (last?.terminal) {
        // The stream is out of step: the server must close, at the latest when we end our side.
        peer.socket.end();
        await peer.until(
          () => false,
          opts.deadlineMs,
          () => `close after ${describe()}`,
        );
        break;
      }
      const answered = (): boolean => [...owed].every(([s, n]) => (peer.replies.get(s) ?? 0) >= n);
      await peer.until(answered, opts.deadlineMs, describe);
    }
    if (!peer.closed) {
      const sentinel = 0x7ffffff0;
      peer.socket.write(buildSentinelCall(sentinel));
      await peer.until(
        () => peer.replies.has(sentinel),
        opts.deadlineMs,
        () => 'the sentinel AUTH_LIST',
      );
    }
    if (peer.closed) tally.closedByServer++;
  } finally {
    tally.packets += sent;
    tally.replies += [...peer.replies.values()].reduce((a, b) => a + b, 0);
    peer.socket.destroy();
  }
  return sent;
}
