/**
 * The server side of one libvirt stream (daemon/stream.c's rules): data both ways as STREAM packets with
 * status CONTINUE and the opening call's proc and serial; the server's end of data is an empty CONTINUE;
 * the client's STREAM OK means "finish" and its STREAM ERROR means "abort", and each gets an empty
 * STREAM OK back once handled; a failure on the server side is a STREAM ERROR carrying remote_error.
 */
import type { Packet, PacketHeader } from '../packet.js';
import { Limit, MessageStatus } from '../protocol.js';
import type { RemoteError } from '../structs-common.js';
import type { StreamEndpoint } from './dispatch-types.js';
import { remoteErrorFrom } from './rpc-errors.js';

/** What a stream needs from its client session. */
export interface StreamHost {
  /** Writes one STREAM packet for this stream; returns false when the socket's buffer is full. */
  sendStream(header: PacketHeader, status: number, payload: Buffer): boolean;
  /** Sends a STREAM packet with status ERROR. */
  sendStreamError(header: PacketHeader, error: RemoteError): void;
  /** Calls `fn` once the socket has drained its write buffer. */
  onceDrained(fn: () => void): void;
  /** Stops / restarts reading the client's socket (the sink is full). */
  pauseReading(reason: object): void;
  resumeReading(reason: object): void;
  /** The stream is over; forget it. */
  release(serial: number): void;
  /** The daemon's log. */
  log(level: 'debug' | 'info' | 'warn' | 'error', msg: string): void;
}

/** One open stream of one client. */
export class ServerStream {
  private over = false;

  constructor(
    private readonly header: PacketHeader,
    private readonly endpoint: StreamEndpoint,
    private readonly host: StreamHost,
  ) {
    endpoint.done?.catch((err: unknown) => this.failWith(err));
    endpoint.sink?.on('error', (err) => this.failWith(err));
  }

  /** Starts sending the source's bytes (called once the call's reply is written). */
  start(): void {
    const source = this.endpoint.source;
    if (!source || this.over) return;
    source.on('data', (chunk: Buffer) => this.sendData(chunk));
    source.once('end', () => {
      if (!this.over) this.host.sendStream(this.header, MessageStatus.CONTINUE, Buffer.alloc(0));
    });
    source.once('error', (err) => this.failWith(err));
  }

  /** One STREAM packet from the client. */
  onPacket(packet: Packet): void {
    if (this.over) return;
    const { status } = packet.header;
    if (status === MessageStatus.CONTINUE) return this.receive(packet.payload);
    if (status === MessageStatus.OK) {
      this.finish().catch((err: unknown) =>
        this.host.log('error', `finishing the stream of serial ${this.header.serial}: ${String(err)}`),
      );
      return;
    }
    this.abort();
  }

  /** The client went away: release everything without a word. */
  destroy(): void {
    if (this.over) return;
    this.over = true;
    this.host.resumeReading(this);
    this.endpoint.close();
  }

  private sendData(chunk: Buffer): void {
    if (this.over) return;
    let full = false;
    for (let at = 0; at < chunk.length; at += Limit.STREAM_CHUNK_MAX) {
      const part = chunk.subarray(at, at + Limit.STREAM_CHUNK_MAX);
      full = !this.host.sendStream(this.header, MessageStatus.CONTINUE, part) || full;
    }
    const source = this.endpoint.source;
    if (full && source) {
      // A slow client must not make the daemon buffer a whole volume: wait for the socket to drain.
      source.pause();
      this.host.onceDrained(() => source.resume());
    }
  }

  private receive(data: Buffer): void {
    const sink = this.endpoint.sink;
    if (!sink || data.length === 0) return;
    if (!sink.write(data)) {
      this.host.pauseReading(this);
      sink.once('drain', () => this.host.resumeReading(this));
    }
  }

  private async finish(): Promise<void> {
    this.over = true;
    this.host.resumeReading(this);
    try {
      this.endpoint.sink?.end();
      await this.endpoint.done;
      this.host.sendStream(this.header, MessageStatus.OK, Buffer.alloc(0));
    } catch (err) {
      this.host.sendStreamError(this.header, remoteErrorFrom(err));
    } finally {
      this.endpoint.close();
      this.host.release(this.header.serial);
    }
  }

  private abort(): void {
    this.destroy();
    this.host.sendStream(this.header, MessageStatus.OK, Buffer.alloc(0));
    this.host.release(this.header.serial);
  }

  private failWith(err: unknown): void {
    if (this.over) return;
    this.destroy();
    this.host.sendStreamError(this.header, remoteErrorFrom(err));
    this.host.release(this.header.serial);
  }
}
