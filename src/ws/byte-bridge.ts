/**
 * Joins a WebSocket to a byte stream (a serial console, a VNC socket): binary frames both ways, with
 * backpressure both ways, and either side's end closing the other.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { isTsvirtError } from '../errors.js';

/** Pause the stream while the client has more than this unread. */
const HIGH_WATER_BYTES = 1 << 20;
/** How often a paused stream checks whether the client caught up. */
const DRAIN_POLL_MS = 20;

/** Application close codes for an endpoint that could not open its stream. */
export const StreamCloseCode = {
  DENIED: 4403, // read-only token, or a bad token
  NOT_FOUND: 4404, // no such domain, or it has no such device
  CONFLICT: 4409, // the domain is not running, or the console is in use (use ?force=1)
  FAILED: 4500, // anything else; the reason says what
} as const;

/** Pipe bytes between `ws` and `stream` until either ends; `what` names the stream in close reasons. */
export function bridgeStream(ws: WebSocket, stream: Duplex, what: string): void {
  let paused = false;
  stream.on('data', (chunk: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(chunk, { binary: true });
    if (!paused && ws.bufferedAmount > HIGH_WATER_BYTES) {
      paused = true;
      stream.pause();
      const timer = setInterval(() => {
        if (ws.readyState === ws.OPEN && ws.bufferedAmount > HIGH_WATER_BYTES / 2) return;
        clearInterval(timer);
        paused = false;
        stream.resume();
      }, DRAIN_POLL_MS);
    }
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const ok = stream.write(isBinary ? data : Buffer.from(data.toString('utf8'), 'utf8'));
    if (!ok) {
      ws.pause();
      stream.once('drain', () => ws.resume());
    }
  });
  const closeWs = (reason: string): void => {
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(1000, reason);
  };
  stream.on('end', () => closeWs(`${what} closed`));
  stream.on('close', () => closeWs(`${what} closed`));
  stream.on('error', (err) => {
    if (ws.readyState === ws.OPEN)
      ws.close(StreamCloseCode.FAILED, truncateReason(`${what}: ${err.message}`));
  });
  ws.on('close', () => stream.destroy());
  ws.on('error', () => stream.destroy());
}

/** Close `ws` for an error thrown while opening its stream, with a code that says what kind. */
export function closeForError(ws: WebSocket, err: unknown): void {
  const message = (err as Error)?.message ?? String(err);
  let code: number = StreamCloseCode.FAILED;
  if (isTsvirtError(err, 'ERR_DOMAIN_NOT_FOUND') || isTsvirtError(err, 'ERR_INVALID_ARG')) {
    code = StreamCloseCode.NOT_FOUND;
  } else if (isTsvirtError(err, 'ERR_ACCESS_DENIED')) {
    code = StreamCloseCode.DENIED;
  } else if (isTsvirtError(err, 'ERR_OPERATION_INVALID') || /Active console session/.test(message)) {
    code = StreamCloseCode.CONFLICT;
  }
  ws.close(code, truncateReason(message));
}

/** A close reason may hold at most 123 bytes of UTF-8. */
export function truncateReason(reason: string): string {
  let out = reason;
  while (Buffer.byteLength(out, 'utf8') > 123) out = out.slice(0, -2) + '…';
  return out;
}
