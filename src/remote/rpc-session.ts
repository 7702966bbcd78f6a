/**
 * The client side of one libvirt RPC stream: serial numbers, a pending map keyed by serial, per-call
 * timeouts, MESSAGE routing to listeners, keepalive answers, and failing every pending call on close.
 * The transport is any Duplex (a TCP or unix socket, or a socket to a fake peer in tests).
 */
import type { Duplex } from 'node:stream';
import { TsvirtError } from '../errors.js';
import { callHeader, encodePacket, PacketDecoder, type Packet, type PacketHeader } from './packet.js';
import { KeepaliveProcedure, MessageStatus, MessageType, Program } from './protocol.js';
import { remoteError } from './structs-common.js';
import { decodeWith } from './xdr-codec.js';
import { errorFromRemote } from './error-map.js';
import { RpcStream, type StreamSink, type StreamTransport } from './rpc-stream.js';

/** Options of an RpcSession. */
export interface RpcSessionOptions {
  /** Default per-call timeout; 0 disables it. */
  timeoutMs?: number;
  /** Receives anything unexpected that is not an error of a call (stray replies, unknown messages). */
  onWarning?: (message: string, fields: Record<string, unknown>) => void;
}

/** A listener for one MESSAGE procedure. */
export type MessageListener = (payload: Buffer, header: PacketHeader) => void;

interface PendingCall {
  proc: number;
  resolve: (payload: Buffer) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/** Default time a call waits for its reply. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/** One client session over a Duplex stream. */
export class RpcSession {
  private nextSerial = 0;
  private readonly pending = new Map<number, PendingCall>();
  private readonly streams = new Map<number, RpcStream>();
  private readonly listeners = new Map<number, Set<MessageListener>>();
  private readonly closeListeners = new Set<(err: Error) => void>();
  private readonly decoder = new PacketDecoder();
  private closeError: TsvirtError | undefined;
  private readonly timeoutMs: number;
  private readonly warn: (message: string, fields: Record<string, unknown>) => void;

  constructor(
    private readonly stream: Duplex,
    options: RpcSessionOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.warn = options.onWarning ?? ((message) => process.emitWarning(message, 'TsvirtRpcWarning'));
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('error', (err: Error) => this.shutdown(err));
    stream.on('close', () => this.shutdown());
    stream.on('end', () => this.shutdown());
    // A TLS socket arrives paused, after the server's accept byte was read off it (dial.ts).
    stream.resume();
  }

  /** Whether the stream has closed; every call then fails with ERR_CONNECTION_CLOSED. */
  get closed(): boolean {
    return this.closeError !== undefined;
  }

  /** Sends a CALL to REMOTE_PROGRAM and resolves with the reply's payload, or rejects with its error. */
  call(proc: number, payload: Buffer, options: { timeoutMs?: number } = {}): Promise<Buffer> {
    return this.send(proc, payload, options).reply;
  }

  /**
   * Sends a CALL that opens a stream (DOMAIN_OPEN_CONSOLE, STORAGE_VOL_UPLOAD/DOWNLOAD); once its reply
   * arrives, the STREAM packets of that serial go to `sink`.
   */
  async openStream(proc: number, payload: Buffer, sink: StreamSink): Promise<RpcStream> {
    const { serial, reply } = this.send(proc, payload, {});
    const stream = new RpcStream(this.streamTransport, proc, serial, sink);
    this.streams.set(serial, stream);
    try {
      stream.replyBody = await reply;
    } catch (err) {
      this.streams.delete(serial);
      throw err;
    }
    return stream;
  }

  private readonly streamTransport: StreamTransport = {
    write: (bytes) => (this.closeError ? true : this.stream.write(bytes)),
    drained: () =>
      this.closeError || !this.stream.writableNeedDrain
        ? Promise.resolve()
        : new Promise((resolve) => {
            const done = (): void => {
              this.stream.off('drain', done);
              this.stream.off('close', done);
              resolve();
            };
            this.stream.once('drain', done);
            this.stream.once('close', done);
          }),
    forget: (serial) => this.streams.delete(serial),
  };

  private send(
    proc: number,
    payload: Buffer,
    options: { timeoutMs?: number },
  ): { serial: number; reply: Promise<Buffer> } {
    if (this.closeError) return { serial: -1, reply: Promise.reject(this.closeError) };
    const serial = this.nextSerial;
    this.nextSerial = (this.nextSerial + 1) >>> 0;
    const bytes = encodePacket(callHeader(proc, serial), payload);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const reply = new Promise<Buffer>((resolve, reject) => {
      const timer =
        timeoutMs > 0 ? setTimeout(() => this.expire(serial, proc, timeoutMs), timeoutMs) : undefined;
      this.pending.set(serial, { proc, resolve, reject, timer });
      this.stream.write(bytes);
    });
    return { serial, reply };
  }

  /** Routes MESSAGE packets of REMOTE_PROGRAM procedure `proc` to `listener`; returns the remover. */
  onMessage(proc: number, listener: MessageListener): () => void {
    let set = this.listeners.get(proc);
    if (!set) this.listeners.set(proc, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Calls `listener` once when the session closes, with the reason. */
  onClose(listener: (err: Error) => void): void {
    if (this.closeError) listener(this.closeError);
    else this.closeListeners.add(listener);
  }

  /** Ends the stream and fails whatever is still pending. */
  close(): void {
    this.shutdown();
    this.stream.end();
    this.stream.destroy();
  }

  private expire(serial: number, proc: number, timeoutMs: number): void {
    const call = this.pending.get(serial);
    if (!call) return;
    this.pending.delete(serial);
    call.reject(
      new TsvirtError(
        'ERR_RPC_TIMEOUT',
        `libvirt procedure ${proc} got no reply within ${timeoutMs} ms; check that the server is alive or raise timeoutMs`,
        { proc, serial, timeoutMs },
      ),
    );
  }

  private onData(chunk: Buffer): void {
    let packets: Packet[];
    try {
      packets = this.decoder.push(chunk);
    } catch (err) {
      this.shutdown(err as Error);
      this.stream.destroy();
      return;
    }
    for (const packet of packets) this.dispatch(packet);
  }

  private dispatch(packet: Packet): void {
    const { header } = packet;
    if (header.prog === Program.KEEPALIVE) return this.onKeepalive(header);
    if (header.prog !== Program.REMOTE) {
      return this.warn(`libvirt packet for unknown program ${header.prog} ignored`, { ...header });
    }
    if (
      header.type === MessageType.STREAM ||
      (header.type === MessageType.REPLY && !this.pending.has(header.serial))
    ) {
      const stream = this.streams.get(header.serial);
      if (stream) return stream.onPacket(packet);
      if (header.type === MessageType.STREAM) {
        return this.warn(`libvirt stream packet for serial ${header.serial} matches no open stream`, {
          ...header,
        });
      }
    }
    if (header.type === MessageType.REPLY) return this.onReply(packet);
    if (header.type === MessageType.MESSAGE) {
      const set = this.listeners.get(header.proc);
      if (!set || set.size === 0) {
        return this.warn(`libvirt message for procedure ${header.proc} has no listener`, { ...header });
      }
      for (const listener of [...set]) {
        try {
          listener(packet.payload, header);
        } catch (err) {
          this.warn(`libvirt message for procedure ${header.proc} failed: ${(err as Error).message}`, {
            ...header,
          });
        }
      }
      return;
    }
    this.warn(`libvirt packet of type ${header.type} ignored`, { ...header });
  }

  private onKeepalive(header: PacketHeader): void {
    if (header.type !== MessageType.MESSAGE || header.proc !== KeepaliveProcedure.PING) return;
    const pong: PacketHeader = {
      prog: Program.KEEPALIVE,
      vers: Program.KEEPALIVE_VERSION,
      proc: KeepaliveProcedure.PONG,
      type: MessageType.MESSAGE,
      serial: 0,
      status: MessageStatus.OK,
    };
    if (!this.closeError) this.stream.write(encodePacket(pong));
  }

  private onReply(packet: Packet): void {
    const { header } = packet;
    const call = this.pending.get(header.serial);
    if (!call) {
      return this.warn(`libvirt reply with serial ${header.serial} matches no pending call`, { ...header });
    }
    this.pending.delete(header.serial);
    if (call.timer) clearTimeout(call.timer);
    if (header.proc !== call.proc) {
      const message = `libvirt reply for procedure ${header.proc} carries the serial of a call to ${call.proc}`;
      return call.reject(new TsvirtError('ERR_RPC', message, { ...header, expected: call.proc }));
    }
    if (header.status === MessageStatus.OK) return call.resolve(packet.payload);
    try {
      call.reject(errorFromRemote(decodeWith(remoteError, packet.payload), { proc: call.proc }));
    } catch (err) {
      call.reject(err as Error);
    }
  }

  private shutdown(cause?: Error): void {
    if (this.closeError) return;
    const reason = cause ? `: ${cause.message}` : '';
    this.closeError =
      cause instanceof TsvirtError && cause.code === 'ERR_RPC_FRAMING'
        ? cause
        : new TsvirtError('ERR_CONNECTION_CLOSED', `libvirt connection closed${reason}`, {}, { cause });
    for (const [serial, call] of this.pending) {
      if (call.timer) clearTimeout(call.timer);
      call.reject(this.closeError);
      this.pending.delete(serial);
    }
    for (const stream of [...this.streams.values()]) stream.onClose(this.closeError);
    this.streams.clear();
    for (const listener of this.closeListeners) listener(this.closeError);
    this.closeListeners.clear();
  }
}
