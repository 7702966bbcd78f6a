/** Shared pieces of the WebSocket tests: an embedded connection on a temp root, a server, a JSON-RPC client. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { EmbeddedConnection } from '../../src/embedded/embedded-connection.js';
import { startWsServer, type WsServerHandle, type WsServerOptions } from '../../src/ws/index.js';
import { cleanupRoot, waitUntil } from '../driver/helpers.js';

/** A temp root with an embedded connection and a ws server on it. */
export interface WsFixture {
  root: string;
  conn: EmbeddedConnection;
  server: WsServerHandle;
  url: string;
  logs: string[];
  close(): Promise<number[]>;
}

/** Open an EmbeddedConnection on a new temp root and start a ws server on port 0. */
export async function startFixture(opts: Partial<WsServerOptions> = {}): Promise<WsFixture> {
  const root = await mkdtemp(join(tmpdir(), 'tsvirt-ws-'));
  const conn = await EmbeddedConnection.open({ root, lockTimeoutMs: 500 });
  const logs: string[] = [];
  const server = await startWsServer(conn, {
    port: 0,
    log: (level, msg) => logs.push(`${level}: ${msg}`),
    ...opts,
  });
  return {
    root,
    conn,
    server,
    url: `ws://127.0.0.1:${server.port}`,
    logs,
    close: async () => {
      await server.close();
      await conn.close();
      return cleanupRoot(root, []);
    },
  };
}

/** A JSON-RPC reply or notification as received. */
export interface RpcMessage {
  jsonrpc: string;
  id?: number | string | null;
  result?: unknown;
  error?: {
    code: number;
    message: string;
    data: { code: string; fields: Record<string, unknown>; libvirtCode: number };
  };
  method?: string;
  params?: Record<string, unknown>;
}

/** A raw `ws` client that speaks JSON-RPC by hand and records everything it receives. */
export class RpcClient {
  readonly received: RpcMessage[] = [];
  closed: { code: number; reason: string } | undefined;
  private nextId = 1000;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.received.push(JSON.parse(String(data)) as RpcMessage));
    ws.on('close', (code, reason) => (this.closed = { code, reason: String(reason) }));
    ws.on('error', () => undefined);
  }

  /** Connect to `url` (a path such as /api included), with optional headers. */
  static async open(url: string, headers: Record<string, string> = {}): Promise<RpcClient> {
    const ws = new WebSocket(url, { headers });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new RpcClient(ws);
  }

  /** Send a raw text message. */
  sendRaw(text: string | Buffer): void {
    this.ws.send(text);
  }

  /** Send a request and wait for the reply with its id. */
  async call(method: string, params?: unknown, timeoutMs = 30_000): Promise<RpcMessage> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }));
    return this.waitFor((m) => m.id === id, timeoutMs, `reply to ${method}`);
  }

  /** Call and return the result, failing on an error reply. */
  async result<T = unknown>(method: string, params?: unknown): Promise<T> {
    const reply = await this.call(method, params);
    if (reply.error) throw new Error(`${method}: ${JSON.stringify(reply.error)}`);
    return reply.result as T;
  }

  /** Wait for a received message matching `pred`. */
  async waitFor(
    pred: (m: RpcMessage) => boolean,
    timeoutMs = 15_000,
    what = 'a message',
  ): Promise<RpcMessage> {
    await waitUntil(() => this.received.some(pred) || this.closed !== undefined, timeoutMs, what);
    const found = this.received.find(pred);
    if (!found) throw new Error(`closed (${JSON.stringify(this.closed)}) while waiting for ${what}`);
    return found;
  }

  /** The notifications of one method, in arrival order. */
  notifications(method: string): Array<Record<string, unknown>> {
    return this.received.filter((m) => m.method === method).map((m) => m.params ?? {});
  }

  close(): void {
    this.ws.close();
  }
}
