/** Test helper: a byte-level libvirt client on a real socket, to send exact packets and read exact replies. */
import { connect, type Socket } from 'node:net';
import {
  callHeader,
  encodePacket,
  PacketDecoder,
  type Packet,
  type PacketHeader,
} from '../../../src/remote/packet.js';
import { MessageStatus, MessageType } from '../../../src/remote/protocol.js';
import { remoteError, type RemoteError } from '../../../src/remote/structs.js';
import { decodeWith } from '../../../src/remote/xdr-codec.js';

/** A raw client: every packet received is kept; `closed` resolves when the server closes. */
export class RawClient {
  readonly packets: Packet[] = [];
  readonly raw: Buffer[] = [];
  readonly closed: Promise<void>;
  private readonly decoder = new PacketDecoder();
  private serial = 0;

  private constructor(readonly socket: Socket) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      this.raw.push(chunk);
      this.packets.push(...this.decoder.push(chunk));
    });
  }

  /** Connects to a unix socket path or a TCP port on 127.0.0.1. */
  static async open(where: string | number): Promise<RawClient> {
    const socket =
      typeof where === 'string' ? connect({ path: where }) : connect({ port: where, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /** Sends a CALL to REMOTE_PROGRAM and returns its serial. */
  send(proc: number, payload: Buffer = Buffer.alloc(0), header: Partial<PacketHeader> = {}): number {
    const serial = header.serial ?? this.serial++;
    this.socket.write(encodePacket({ ...callHeader(proc, serial), ...header }, payload));
    return serial;
  }

  /** Waits for a packet matching `pred`. */
  async waitFor(pred: (p: Packet) => boolean, timeoutMs = 5_000): Promise<Packet> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = this.packets.find(pred);
      if (found) return found;
      if (Date.now() > end) throw new Error(`no matching packet within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Waits for the REPLY of `serial`. */
  reply(serial: number, timeoutMs = 5_000): Promise<Packet> {
    return this.waitFor((p) => p.header.type === MessageType.REPLY && p.header.serial === serial, timeoutMs);
  }

  /** Sends a call and returns its reply. */
  async call(proc: number, payload?: Buffer, header?: Partial<PacketHeader>): Promise<Packet> {
    return this.reply(this.send(proc, payload, header));
  }

  /** Whether the server closed the socket within `ms`. */
  async closesWithin(ms: number): Promise<boolean> {
    return Promise.race([
      this.closed.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), ms)),
    ]);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Decodes the remote_error of an error reply. */
export function errorOf(packet: Packet): RemoteError {
  if (packet.header.status !== MessageStatus.ERROR)
    throw new Error(`status ${packet.header.status}, not ERROR`);
  return decodeWith(remoteError, packet.payload);
}
