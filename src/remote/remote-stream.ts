/**
 * A libvirt stream as a Node.js Duplex: writes become STREAM CONTINUE packets, end() finishes the stream
 * (and waits for the server's confirmation), destroy() aborts it; the server's data is the readable side.
 */
import { Duplex } from 'node:stream';
import { Limit } from './protocol.js';
import type { RpcSession } from './rpc-session.js';
import type { RpcStream, StreamSink } from './rpc-stream.js';

/** Options of openRemoteStream. */
export interface RemoteStreamOptions {
  /** Finish the stream as soon as the server's data ends (downloads); the readable then ends after the confirm. */
  finishOnEof?: boolean;
}

/** The Duplex over one RpcStream. */
class RemoteStream extends Duplex {
  private rpc: RpcStream | undefined;
  private earlyEof = false;

  constructor(private readonly finishOnEof: boolean) {
    super({ allowHalfOpen: true });
  }

  /** The sink that feeds this Duplex; bound before the opening call goes out. */
  readonly sink: StreamSink = {
    data: (bytes) => {
      if (bytes.length > 0) return void this.push(bytes);
      if (!this.finishOnEof) return void this.push(null);
      if (!this.rpc) return void (this.earlyEof = true);
      this.rpc.finish().then(
        () => this.push(null),
        (err: Error) => this.destroy(err),
      );
    },
    error: (err) => this.destroy(err),
  };

  attach(rpc: RpcStream): void {
    this.rpc = rpc;
    if (this.earlyEof) this.sink.data(Buffer.alloc(0));
  }

  override _read(): void {
    // The server pushes; TCP is the only flow control libvirt streams have on the receiving side.
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    void this.sendAll(chunk).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (!this.rpc || this.rpc.ended) return cb();
    this.rpc.finish().then(() => cb(), cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.rpc && !this.rpc.ended) void this.rpc.abort().catch(() => undefined);
    cb(err);
  }

  private async sendAll(chunk: Buffer): Promise<void> {
    const rpc = this.rpc;
    if (!rpc) throw new Error('stream is not open yet');
    for (let at = 0; at < chunk.length; at += Limit.STREAM_CHUNK_MAX) {
      await rpc.send(chunk.subarray(at, at + Limit.STREAM_CHUNK_MAX));
    }
  }
}

/** Sends the call that opens a stream and returns the stream as a Duplex once the server accepted it. */
export async function openRemoteStream(
  session: RpcSession,
  proc: number,
  payload: Buffer,
  opts: RemoteStreamOptions = {},
): Promise<Duplex> {
  return (await openRemoteStreamWithReply(session, proc, payload, opts)).stream;
}

/** openRemoteStream, also giving the opening call's reply body (the ret to decode). */
export async function openRemoteStreamWithReply(
  session: RpcSession,
  proc: number,
  payload: Buffer,
  opts: RemoteStreamOptions = {},
): Promise<{ stream: Duplex; replyBody: Buffer }> {
  const duplex = new RemoteStream(opts.finishOnEof ?? false);
  const rpc = await session.openStream(proc, payload, duplex.sink);
  duplex.attach(rpc);
  return { stream: duplex, replyBody: rpc.replyBody };
}
