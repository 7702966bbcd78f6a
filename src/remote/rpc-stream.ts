/**
 * The client side of libvirt streams (virnetclientstream.c's rules). After the opening call's reply,
 * both sides send STREAM packets with that call's proc and serial: CONTINUE carries data (empty means
 * end of data from the server); the client ends with STREAM OK ("finish") or STREAM ERROR ("abort") and
 * waits for the server's confirmation, an empty STREAM OK, or an error (STREAM or REPLY with ERROR).
 */
import { TsvirtError } from '../errors.js';
import { encodePacket, type Packet, type PacketHeader } from './packet.js';
import { MessageStatus, MessageType, Program } from './protocol.js';
import { remoteError } from './structs-common.js';
import { decodeWith } from './xdr-codec.js';
import { errorFromRemote } from './error-map.js';

/** Receives what the server sends on one stream. */
export interface StreamSink {
  /** Data; an empty buffer is the server's end of data. */
  data(bytes: Buffer): void;
  /** The server failed the stream (or the connection closed). */
  error(err: Error): void;
}

/** What a stream needs from its session. */
export interface StreamTransport {
  write(bytes: Buffer): boolean;
  /** Resolves once the socket has drained (immediately when it is not full). */
  drained(): Promise<void>;
  forget(serial: number): void;
}

/** One open stream: send data, then finish or abort. */
export class RpcStream {
  private waiter: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private over = false;
  /** The body of the opening call's reply (its ret, e.g. DOMAIN_SCREENSHOT's MIME type). */
  replyBody: Buffer = Buffer.alloc(0);

  constructor(
    private readonly transport: StreamTransport,
    readonly proc: number,
    readonly serial: number,
    private readonly sink: StreamSink,
  ) {}

  /** Whether the stream has finished, aborted or failed. */
  get ended(): boolean {
    return this.over;
  }

  /** Sends data (STREAM CONTINUE); resolves when the socket can take more. */
  async send(bytes: Buffer): Promise<void> {
    if (this.over) throw new TsvirtError('ERR_CONNECTION_CLOSED', `stream of procedure ${this.proc} is over`);
    if (bytes.length > 0 && !this.transport.write(this.packet(MessageStatus.CONTINUE, bytes))) {
      await this.transport.drained();
    }
  }

  /** STREAM OK, then waits for the server's confirmation (or its error, e.g. a failed upload). */
  finish(): Promise<void> {
    return this.close(MessageStatus.OK);
  }

  /** STREAM ERROR, then waits for the server's confirmation; a no-op once the stream is over. */
  abort(): Promise<void> {
    return this.close(MessageStatus.ERROR);
  }

  /** One STREAM packet, or a late REPLY with this serial, from the server. */
  onPacket(packet: Packet): void {
    const { status } = packet.header;
    if (status === MessageStatus.CONTINUE && packet.header.type === MessageType.STREAM) {
      return this.sink.data(packet.payload);
    }
    if (status === MessageStatus.OK) return this.settle();
    let err: Error;
    try {
      err = errorFromRemote(decodeWith(remoteError, packet.payload), { proc: this.proc });
    } catch (decodeErr) {
      err = decodeErr as Error;
    }
    this.settle(err);
  }

  /** The connection closed under the stream. */
  onClose(err: Error): void {
    this.settle(err);
  }

  private close(status: number): Promise<void> {
    if (this.over) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.transport.write(this.packet(status));
    });
  }

  private settle(err?: Error): void {
    if (this.over) return;
    this.over = true;
    this.transport.forget(this.serial);
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) return err ? waiter.reject(err) : waiter.resolve();
    if (err) this.sink.error(err);
    else this.sink.data(Buffer.alloc(0));
  }

  private packet(status: number, payload?: Buffer): Buffer {
    const header: PacketHeader = {
      prog: Program.REMOTE,
      vers: Program.REMOTE_VERSION,
      proc: this.proc,
      type: MessageType.STREAM,
      serial: this.serial,
      status,
    };
    return encodePacket(header, payload);
  }
}
