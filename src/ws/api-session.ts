/**
 * One client of ws://ADDR:PORT/api: JSON-RPC requests in, replies and event notifications out. Every
 * send checks how much the client has left unread; past the bound the client is dropped with a close
 * reason, so a slow reader costs the daemon a bounded buffer and never delays anyone else.
 */
import type { WebSocket } from 'ws';
import type { Connection } from '../connection.js';
import { TsvirtError } from '../errors.js';
import { dispatchRequest } from './dispatch.js';
import { EVENT_KINDS, type EventHub, type EventKind, type EventSink } from './event-hub.js';
import { RpcErrorCode, encodeError, encodeResult, parseMessage, type RpcRequest } from './jsonrpc.js';

/** Close codes the API uses besides the standard ones. */
export const WsCloseCode = {
  TOO_BIG: 1009, // a message over maxMessageBytes (the ws library closes with it)
  SLOW_CONSUMER: 4008, // the client left more than maxBufferedBytes unread
  SERVER_CLOSING: 1001, // the server shuts down
} as const;

/** How long a dropped client gets to receive its close frame before the socket is destroyed. */
const CLOSE_GRACE_MS = 1_000;

/** Session settings. */
export interface ApiSessionOptions {
  readOnly: boolean;
  maxBufferedBytes: number;
  log: (level: 'warn' | 'info', msg: string) => void;
}

/** One /api client. */
export class ApiSession {
  private dropped = false;
  private readonly sink: EventSink = (text) => this.send(text);

  constructor(
    private readonly ws: WebSocket,
    private readonly conn: Connection,
    private readonly hub: EventHub,
    private readonly opts: ApiSessionOptions,
  ) {
    ws.on('message', (data, isBinary) => void this.onMessage(data as Buffer, isBinary));
    ws.on('close', () => this.hub.remove(this.sink));
    ws.on('error', (err) => opts.log('warn', `ws /api: ${err.message}`));
  }

  /** Send a text frame, or drop the client when it reads too slowly. */
  send(text: string): void {
    if (this.dropped || this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > this.opts.maxBufferedBytes) {
      this.drop(`slow consumer: more than ${this.opts.maxBufferedBytes} bytes unread`);
      return;
    }
    this.ws.send(text);
  }

  private drop(reason: string): void {
    this.dropped = true;
    this.hub.remove(this.sink);
    this.opts.log('warn', `ws /api: client dropped (${reason})`);
    this.ws.close(WsCloseCode.SLOW_CONSUMER, reason);
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  private async onMessage(data: Buffer, isBinary: boolean): Promise<void> {
    if (this.dropped) return;
    if (isBinary) {
      const err = new TsvirtError(
        'ERR_INVALID_ARG',
        'ws /api: binary frames are not JSON-RPC; send text frames',
      );
      this.send(encodeError(null, RpcErrorCode.INVALID_REQUEST, err));
      return;
    }
    const parsed = parseMessage(data.toString('utf8'));
    if (!parsed.ok) {
      this.send(parsed.reply);
      return;
    }
    const { request } = parsed;
    const reply = await this.handle(request).catch((err: unknown) =>
      request.id === undefined ? undefined : encodeError(request.id, RpcErrorCode.INTERNAL_ERROR, err),
    );
    if (reply !== undefined) this.send(reply);
  }

  private async handle(request: RpcRequest): Promise<string | undefined> {
    if (request.method === 'getAccess') {
      return request.id === undefined
        ? undefined
        : encodeResult(request.id, { readOnly: this.opts.readOnly });
    }
    if (request.method === 'subscribe' || request.method === 'unsubscribe') {
      const id = request.id ?? null;
      try {
        const kinds = decodeKinds(request.params);
        if (request.method === 'subscribe') {
          for (const kind of kinds) await this.hub.add(kind, this.sink);
        } else {
          for (const kind of kinds) this.hub.remove(this.sink, kind);
        }
        return request.id === undefined ? undefined : encodeResult(id, { events: kinds });
      } catch (err) {
        return request.id === undefined ? undefined : encodeError(id, errorCodeOf(err), err);
      }
    }
    return dispatchRequest(this.conn, request, this.opts.readOnly);
  }
}

/** `{ "events": [...] }` of subscribe/unsubscribe; all kinds when absent. */
function decodeKinds(params: Record<string, unknown>): EventKind[] {
  const extra = Object.keys(params).filter((k) => k !== 'events');
  const events = params.events;
  const valid =
    events === undefined ||
    (Array.isArray(events) && events.every((e) => (EVENT_KINDS as readonly unknown[]).includes(e)));
  if (extra.length > 0 || !valid) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `subscribe: params must be { "events": [${EVENT_KINDS.join(', ')}] }`,
      {
        field: extra[0] ?? 'events',
        value: extra.length > 0 ? params[extra[0] as string] : events,
        expected: EVENT_KINDS.join(' | '),
      },
    );
  }
  return events === undefined ? [...EVENT_KINDS] : [...new Set(events as EventKind[])];
}

function errorCodeOf(err: unknown): number {
  return err instanceof TsvirtError && err.code === 'ERR_INVALID_ARG'
    ? RpcErrorCode.INVALID_PARAMS
    : RpcErrorCode.SERVER_ERROR;
}
