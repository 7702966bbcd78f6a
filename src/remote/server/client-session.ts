/**
 * One client of the server: framing, the call queue (at most maxClientRequests in flight; beyond that
 * the socket is not read, as libvirtd does), keepalive, events and streams. Every client runs on its
 * own: nothing here awaits another client, and a slow Connection call only holds its own client's slot.
 */
import type { Duplex } from 'node:stream';
import type { Connection } from '../../connection.js';
import { encodePacket, PacketDecoder, type Packet, type PacketHeader } from '../packet.js';
import { KeepaliveProcedure, MessageStatus, MessageType, Program } from '../protocol.js';
import { encodeMessage, remoteError, type KnownMessage, type MessageOf } from '../structs.js';
import type { RemoteError } from '../structs-common.js';
import { encodeWith } from '../xdr-codec.js';
import { runCall } from './dispatch.js';
import type { ClientContext, StreamEndpoint } from './dispatch-types.js';
import { ClientEvents } from './events.js';
import { ServerKeepalive } from './keepalive.js';
import { rpcError, unknownProgramError } from './rpc-errors.js';
import { ServerStream, type StreamHost } from './streams.js';
import { framingReplyHeader } from './framing.js';

/** A log sink with libvirt's levels. */
export type LogFn = (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;

/** Settings of one client session. */
export interface ClientSessionOptions {
  readOnly: boolean;
  label: string;
  maxClientRequests: number;
  keepaliveIntervalS: number;
  keepaliveCount: number;
  /** Unsent bytes allowed before an event makes the client count as stuck and get dropped. */
  maxQueuedBytes: number;
  log: LogFn;
}

/** The server's state for one accepted socket. */
export class ClientSession implements ClientContext, StreamHost {
  readonly events: ClientEvents;
  private readonly decoder = new PacketDecoder();
  private readonly queue: Packet[] = [];
  private readonly keepalive: ServerKeepalive;
  private readonly streams = new Map<number, ServerStream>();
  private readonly pendingStreams = new Map<number, ServerStream>();
  private readonly pauses = new Set<object>();
  private readonly queueFull = {};
  private readonly unsent = {};
  private inFlight = 0;
  private opened = false;
  private openedName: string | null = null;
  private openedReadOnly = false;
  private closing = false;
  private closed = false;
  private lastChunk: Buffer = Buffer.alloc(0);
  private framingFailed = false;

  constructor(
    private readonly socket: Duplex,
    private readonly conn: Connection,
    private readonly opts: ClientSessionOptions,
    private readonly onClosed: (session: ClientSession) => void,
  ) {
    this.events = new ClientEvents(conn, (proc, body) => this.sendEvent(proc, body));
    this.keepalive = new ServerKeepalive(
      opts.keepaliveIntervalS,
      opts.keepaliveCount,
      () => this.sendKeepalive(KeepaliveProcedure.PING),
      (idleMs) => this.drop(`no keepalive answer for ${idleMs} ms`),
    );
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: Error) => this.drop(`socket error: ${err.message}`, 'debug'));
    socket.on('end', () => this.drop('client closed the connection', 'debug'));
    socket.on('close', () => this.drop('socket closed', 'debug'));
  }

  get readOnly(): boolean {
    return this.opts.readOnly || this.openedReadOnly;
  }
  get isOpen(): boolean {
    return this.opened;
  }
  get openName(): string | null {
    return this.openedName;
  }
  markOpen(name: string | null, readOnly: boolean): void {
    this.opened = true;
    this.openedName = name;
    this.openedReadOnly = readOnly;
  }
  markNotOpen(): void {
    this.opened = false;
  }
  closeAfterReply(): void {
    this.closing = true;
  }
  startKeepalive(): void {
    this.keepalive.start();
  }
  log(level: 'debug' | 'info' | 'warn' | 'error', msg: string): void {
    this.opts.log(level, `${this.opts.label}: ${msg}`);
  }

  /** Closes the client at once; replies still being computed are dropped. */
  drop(reason: string, level: 'debug' | 'info' | 'warn' = 'info'): void {
    if (this.closed) return;
    this.closed = true;
    this.log(level, `disconnected (${reason})`);
    this.keepalive.stop();
    this.events.clear();
    for (const s of [...this.streams.values(), ...this.pendingStreams.values()]) s.destroy();
    this.streams.clear();
    this.pendingStreams.clear();
    this.queue.length = 0;
    this.socket.destroy();
    this.onClosed(this);
  }

  attachStream(header: PacketHeader, endpoint: StreamEndpoint): void {
    if (this.closed) return endpoint.close();
    this.pendingStreams.set(header.serial, new ServerStream(header, endpoint, this));
  }

  // StreamHost

  sendStream(header: PacketHeader, status: number, payload: Buffer): boolean {
    return this.write(encodePacket({ ...header, type: MessageType.STREAM, status }, payload));
  }
  sendStreamError(header: PacketHeader, error: RemoteError): void {
    this.write(
      encodePacket(
        { ...header, type: MessageType.STREAM, status: MessageStatus.ERROR },
        encodeWith(remoteError, error),
      ),
    );
  }
  onceDrained(fn: () => void): void {
    if (this.closed) return;
    this.socket.once('drain', fn);
  }
  pauseReading(reason: object): void {
    this.pauses.add(reason);
    this.socket.pause();
  }
  resumeReading(reason: object): void {
    if (!this.pauses.delete(reason) || this.pauses.size > 0 || this.closed) return;
    this.socket.resume();
  }
  release(serial: number): void {
    this.streams.delete(serial);
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.framingFailed) return;
    this.keepalive.touch();
    let packets: Packet[];
    try {
      packets = this.decoder.push(chunk);
    } catch (err) {
      return this.onFramingError(chunk, err as Error);
    }
    this.lastChunk = chunk;
    for (const packet of packets) this.onPacket(packet);
    this.pump();
  }

  /** A length word out of range: answer the call if its header arrived, then close (no resync is possible). */
  private onFramingError(chunk: Buffer, err: Error): void {
    this.framingFailed = true;
    const header = framingReplyHeader(Buffer.concat([this.lastChunk, chunk]), this.decoder.pendingBytes);
    if (header) this.writeError(header, rpcError(err.message));
    this.log('warn', err.message);
    this.closing = true;
    this.socket.end();
    setTimeout(() => this.drop('framing error'), 1000).unref();
  }

  private onPacket(packet: Packet): void {
    const { header } = packet;
    // As libvirt's virKeepAliveCheckMessage: only MESSAGE packets are keepalive; a CALL to that program
    // is answered below like a call to any program the server does not have.
    const isKeepalive = header.prog === Program.KEEPALIVE && header.vers === Program.KEEPALIVE_VERSION;
    if (isKeepalive && header.type === MessageType.MESSAGE) {
      if (header.proc === KeepaliveProcedure.PING) this.sendKeepalive(KeepaliveProcedure.PONG);
      return;
    }
    const isCall = header.type === MessageType.CALL || header.type === MessageType.CALL_WITH_FDS;
    if (header.prog !== Program.REMOTE || header.vers !== Program.REMOTE_VERSION) {
      if (isCall) this.writeError(header, unknownProgramError(header.prog, header.vers));
      else this.log('debug', `packet for program ${header.prog} version ${header.vers} ignored`);
      return;
    }
    if (header.type === MessageType.STREAM) {
      const stream = this.streams.get(header.serial);
      if (stream) stream.onPacket(packet);
      else this.log('debug', `stream packet for serial ${header.serial} ignored (no such stream)`);
      return;
    }
    if (header.type === MessageType.CALL) return void this.queue.push(packet);
    if (header.type === MessageType.CALL_WITH_FDS) {
      return this.writeError(header, rpcError('file descriptor passing is not supported by tsvirtd'));
    }
    this.log('debug', `packet of type ${header.type} for procedure ${header.proc} ignored`);
  }

  /**
   * Starts queued calls up to maxClientRequests; stops reading the socket while the queue is full, and
   * starts nothing while replies wait unsent (a client that does not read must not grow our memory).
   */
  private pump(): void {
    if (this.socket.writableNeedDrain && this.queue.length > 0 && !this.pauses.has(this.unsent)) {
      this.pauseReading(this.unsent);
      this.socket.once('drain', () => {
        this.resumeReading(this.unsent);
        this.pump();
      });
    }
    while (!this.closed && this.queue.length > 0 && this.inFlight < this.opts.maxClientRequests) {
      if (this.pauses.has(this.unsent)) break;
      const packet = this.queue.shift() as Packet;
      this.inFlight++;
      void this.serve(packet).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
    if (this.inFlight >= this.opts.maxClientRequests) this.pauseReading(this.queueFull);
    else this.resumeReading(this.queueFull);
  }

  private async serve(packet: Packet): Promise<void> {
    const result = await runCall(this.conn, this, packet);
    if (this.closed) return;
    const { header } = packet;
    if (result.ok) {
      this.write(
        encodePacket({ ...header, type: MessageType.REPLY, status: MessageStatus.OK }, result.payload),
      );
      this.startStream(header.serial);
    } else {
      this.pendingStreams.get(header.serial)?.destroy();
      this.pendingStreams.delete(header.serial);
      this.writeError(header, result.error);
      if (result.fatal) this.closing = true;
    }
    if (this.closing) {
      this.socket.end();
      setTimeout(() => this.drop('closed by the server'), 1000).unref();
    }
  }

  private startStream(serial: number): void {
    const stream = this.pendingStreams.get(serial);
    if (!stream) return;
    this.pendingStreams.delete(serial);
    this.streams.set(serial, stream);
    stream.start();
  }

  private writeError(header: PacketHeader, error: RemoteError): void {
    const body = encodeWith(remoteError, error);
    this.write(encodePacket({ ...header, type: MessageType.REPLY, status: MessageStatus.ERROR }, body));
  }

  private sendKeepalive(proc: number): void {
    const header = { prog: Program.KEEPALIVE, vers: Program.KEEPALIVE_VERSION, proc, serial: 0 };
    this.write(encodePacket({ ...header, type: MessageType.MESSAGE, status: MessageStatus.OK }));
  }

  private sendEvent<Q extends KnownMessage>(proc: Q, body: MessageOf<Q>): void {
    if (this.closed) return;
    if (this.socket.writableLength > this.opts.maxQueuedBytes) {
      return this.drop(
        `${this.socket.writableLength} bytes unsent; the client does not read its events`,
        'warn',
      );
    }
    const header = { prog: Program.REMOTE, vers: Program.REMOTE_VERSION, proc, serial: 0 };
    this.write(
      encodePacket(
        { ...header, type: MessageType.MESSAGE, status: MessageStatus.OK },
        encodeMessage(proc, body),
      ),
    );
  }

  /** Writes unless closed; false when the socket's buffer is over its high-water mark. */
  private write(bytes: Buffer): boolean {
    if (this.closed || this.socket.writableEnded) return true;
    return this.socket.write(bytes);
  }
}
