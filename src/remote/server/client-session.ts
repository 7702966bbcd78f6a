/**
 * One client of the server: framing, the call queue (at most maxClientRequests in flight; beyond that
 * the socket is not read, as libvirtd does), keepalive, events and streams. Every client runs on its
 * own: nothing here awaits another client, and a slow Connection call only holds its own client's slot.
 */
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { Connection } from '../../connection.js';
import { encodePacket, PacketDecoder, type Packet, type PacketHeader } from '../packet.js';
import { KeepaliveProcedure, MAX_PACKET_BYTES, MessageStatus, MessageType, Program } from '../protocol.js';
import { encodeMessage, type KnownMessage, type MessageOf } from '../structs.js';
import type { RemoteError } from '../structs-common.js';
import { runCall, type CallResult } from './dispatch.js';
import type { ClientContext, StreamEndpoint } from './dispatch-types.js';
import { ClientEvents } from './events.js';
import { ServerKeepalive } from './keepalive.js';
import { PreOpenGuard, type PreOpenLimits } from './pre-open-guard.js';
import { encodeErrorPacket, encodeOkPacket } from './replies.js';
import { remoteErrorFrom, rpcError, unknownProgramError } from './rpc-errors.js';
import { ServerStream, type StreamHost } from './streams.js';
import { framingReplyHeader } from './framing.js';
import { FdReplies } from './fd-replies.js';

/** A log sink with libvirt's levels. */
export type LogFn = (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;

/** Settings of one client session. */
export interface ClientSessionOptions {
  readOnly: boolean;
  /** Whether the socket is a unix socket, where descriptors can travel (FD_PASSING). */
  passFds?: boolean;
  label: string;
  maxClientRequests: number;
  keepaliveIntervalS: number;
  keepaliveCount: number;
  /** Unsent bytes allowed before an event makes the client count as stuck and get dropped. */
  maxQueuedBytes: number;
  /** The bounds before CONNECT_OPEN succeeds, and the largest packet accepted until then. */
  preOpen: PreOpenLimits & { maxPacketBytes: number };
  /** Called once, when the client's first CONNECT_OPEN succeeds. */
  onOpened?: () => void;
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
  private readonly goneController = new AbortController();
  private lastChunk: Buffer = Buffer.alloc(0);
  private framingFailed = false;
  private readonly preOpen: PreOpenGuard;
  private readonly fdReplies: FdReplies;

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
    this.decoder.setMaxPacketBytes(opts.preOpen.maxPacketBytes, 'the limit before CONNECT_OPEN');
    this.preOpen = new PreOpenGuard(opts.preOpen, (reason) => this.drop(reason, 'warn'));
    this.fdReplies = new FdReplies(socket, (reason) => this.drop(reason, 'warn'));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: Error) => this.drop(`socket error: ${err.message}`, 'debug'));
    socket.on('end', () => this.drop('client closed the connection', 'debug'));
    socket.on('close', () => this.drop('socket closed', 'debug'));
  }

  get gone(): AbortSignal {
    return this.goneController.signal;
  }
  get readOnly(): boolean {
    return this.opts.readOnly || this.openedReadOnly;
  }
  get canPassFds(): boolean {
    return (this.opts.passFds ?? false) && this.fdReplies.usable;
  }
  get localAddress(): string | undefined {
    const local = (this.socket as Partial<Socket>).localAddress;
    return typeof local === 'string' && local !== '' ? local.replace(/^::ffff:/, '') : undefined;
  }
  attachFds(header: PacketHeader, fds: number[]): void {
    this.fdReplies.attach(header.serial, fds);
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
    if (!this.preOpen.active || this.closed) return;
    // Opened: the client may now send what libvirt allows, at its own pace.
    this.preOpen.stop();
    this.decoder.setMaxPacketBytes(MAX_PACKET_BYTES, "libvirt's limit");
    this.opts.onOpened?.();
  }
  /** Whether no CONNECT_OPEN of this client has succeeded yet (libvirtd's "anonymous" client). */
  get isAnonymous(): boolean {
    return this.preOpen.active;
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
    this.goneController.abort(new Error(`client disconnected (${reason})`));
    this.preOpen.stop();
    this.decoder.discard();
    this.lastChunk = Buffer.alloc(0);
    this.keepalive.stop();
    this.events.clear();
    for (const s of [...this.streams.values(), ...this.pendingStreams.values()]) s.destroy();
    this.streams.clear();
    this.pendingStreams.clear();
    this.queue.length = 0;
    this.fdReplies.discard();
    this.socket.destroy();
    this.onClosed(this);
  }

  attachStream(header: PacketHeader, endpoint: StreamEndpoint): void {
    if (this.closed) return endpoint.close();
    this.pendingStreams.set(header.serial, new ServerStream(header, endpoint, this));
  }

  // StreamHost

  sendStream(header: PacketHeader, status: number, payload: Buffer): boolean {
    return this.writeBuilt(`stream data of procedure ${header.proc}`, () =>
      encodePacket({ ...header, type: MessageType.STREAM, status }, payload),
    );
  }
  sendStreamError(header: PacketHeader, error: RemoteError): void {
    this.write(encodeErrorPacket(header, error, MessageType.STREAM));
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
    if (this.preOpen.active) {
      const pending = this.decoder.pendingBytes;
      const queued = this.queue.reduce((n, p) => n + p.payload.length, 0);
      this.preOpen.onReceived(pending, packets.length, pending + queued);
    }
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
      const message = `procedure ${header.proc}: receiving descriptors is not supported by tsvirtd (they were closed); virDomainOpenGraphicsFD works`;
      return this.writeError(header, rpcError(message));
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
      this.serve(packet)
        .catch((err: unknown) => this.log('error', `serving procedure ${packet.header.proc}: ${String(err)}`))
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
    if (this.inFlight >= this.opts.maxClientRequests) this.pauseReading(this.queueFull);
    else this.resumeReading(this.queueFull);
  }

  private async serve(packet: Packet): Promise<void> {
    let result: CallResult;
    try {
      result = await runCall(this.conn, this, packet);
    } catch (err) {
      result = { ok: false, error: remoteErrorFrom(err), fatal: false };
    }
    if (this.closed) return;
    const { header } = packet;
    const fds = this.fdReplies.take(header.serial);
    if (result.ok && fds) {
      // The reply, then one byte per descriptor; nothing else goes out in between.
      this.write(encodeOkPacket(header, result.payload, fds.length));
      this.fdReplies.send(fds);
    } else if (result.ok) {
      this.write(encodeOkPacket(header, result.payload));
      this.startStream(header.serial);
    } else {
      if (fds) this.fdReplies.close(fds);
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
    this.write(encodeErrorPacket(header, error));
  }

  private sendKeepalive(proc: number): void {
    const header = { prog: Program.KEEPALIVE, vers: Program.KEEPALIVE_VERSION, proc, serial: 0 };
    this.write(encodePacket({ ...header, type: MessageType.MESSAGE, status: MessageStatus.OK }));
  }

  /** Writes what `build` makes; a packet that cannot be built is logged and not sent. */
  private writeBuilt(what: string, build: () => Buffer): boolean {
    let bytes: Buffer;
    try {
      bytes = build();
    } catch (err) {
      this.log('error', `${what} not sent: ${(err as Error).message}`);
      return true;
    }
    return this.write(bytes);
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
    this.writeBuilt(`event ${proc}`, () =>
      encodePacket(
        { ...header, type: MessageType.MESSAGE, status: MessageStatus.OK },
        encodeMessage(proc, body),
      ),
    );
  }

  /** Writes unless closed; false when the socket's buffer is over its high-water mark. */
  private write(bytes: Buffer): boolean {
    if (this.closed || this.socket.writableEnded) return true;
    if (this.fdReplies.holds(bytes)) return true;
    return this.socket.write(bytes);
  }
}
