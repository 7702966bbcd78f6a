/**
 * The WebSocket listener of tsvirtd: one HTTP server whose upgrades lead to /api (JSON-RPC),
 * /console/NAME and /vnc/NAME, whose plain GET and PUT on /volume/POOL/NAME move a volume's bytes
 * (volume-http.ts), and whose other GETs serve the page when it is enabled. Auth happens before the
 * upgrade or the transfer, so a refused client gets an HTTP status and never a WebSocket.
 */
import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Connection } from '../connection.js';
import { TsvirtError } from '../errors.js';
import { ApiSession, WsCloseCode } from './api-session.js';
import { checkToken, readTokenFile, tokenOfRequest, type TokenAccess, type TokenTable } from './auth.js';
import { checkBrowserRequest, type Refusal } from './browser-guard.js';
import { EventHub } from './event-hub.js';
import { buildPageRoutes, serveStatic, type StaticRoutes } from './static-files.js';
import { serveConsole, serveVnc } from './stream-endpoints.js';
import { isVolumePath, serveVolume } from './volume-http.js';

/** Log levels of the listener. */
export type WsLogLevel = 'error' | 'warn' | 'info';

/** Options of startWsServer. */
export interface WsServerOptions {
  port: number;
  /** Listen address; default 127.0.0.1. Any other than loopback needs authTokenFile. */
  host?: string;
  /** The token file (see auth.ts for its format); when given, every client needs a token. */
  authTokenFile?: string;
  /** Serve the web page at / (default false). */
  page?: boolean;
  /** Largest message a client may send; a larger one closes it with 1009 (default 1 MiB). */
  maxMessageBytes?: number;
  /** Unread bytes past which an /api client is dropped as too slow (default 4 MiB). */
  maxBufferedBytes?: number;
  log?: (level: WsLogLevel, msg: string) => void;
}

/** A running listener. */
export interface WsServerHandle {
  port: number;
  close(): Promise<void>;
}

const DEFAULT_MAX_MESSAGE_BYTES = 1 << 20;
const DEFAULT_MAX_BUFFERED_BYTES = 4 << 20;

/** Whether an address is loopback only (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Start the listener; refuses (ERR_CONFIG_FILE) a non-loopback address without a token file. */
export async function startWsServer(conn: Connection, opts: WsServerOptions): Promise<WsServerHandle> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopbackHost(host) && opts.authTokenFile === undefined) {
    throw new TsvirtError(
      'ERR_CONFIG_FILE',
      `ws_listen_addr ${host} is not loopback and no ws_auth_token_file is set; set one, or listen on 127.0.0.1`,
      {
        field: 'ws_auth_token_file',
        value: undefined,
        expected: 'a token file when ws_listen_addr is not loopback',
      },
    );
  }
  const tokens = opts.authTokenFile === undefined ? undefined : await readTokenFile(opts.authTokenFile);
  const log = opts.log ?? (() => undefined);
  const hub = new EventHub(conn, log);
  const routes = opts.page ? buildPageRoutes() : [];
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    // noVNC (like websockify) may offer 'binary'; take it when offered.
    handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false),
  });
  const ctx: UpgradeContext = {
    conn,
    wss,
    hub,
    tokens,
    log,
    maxBufferedBytes: opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
  };
  const http = createServer((req, res) => handleRequest(ctx, routes, req, res));
  http.on('upgrade', (req, socket, head) => handleUpgrade(ctx, req, socket, head));
  await listen(http, opts.port, host);
  const port = (http.address() as AddressInfo).port;
  log('info', `ws: listening on ws://${host.includes(':') ? `[${host}]` : host}:${port}/api`);
  return { port, close: () => closeAll(http, wss, hub) };
}

interface UpgradeContext {
  conn: Connection;
  wss: WebSocketServer;
  hub: EventHub;
  tokens: TokenTable | undefined;
  log: (level: WsLogLevel, msg: string) => void;
  maxBufferedBytes: number;
}

/** A plain HTTP request: /volume transfers after auth, anything else the page's files. */
function handleRequest(
  ctx: UpgradeContext,
  routes: StaticRoutes,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const url = parseRequestUrl(req);
  if (url === undefined) return void res.writeHead(400, { connection: 'close' }).end();
  if (!isVolumePath(url.pathname)) {
    const refusal = ctx.tokens === undefined ? checkBrowserRequest(req) : undefined;
    if (refusal === undefined) return void serveStatic(routes, req, res);
    ctx.log('warn', `ws: ${req.method ?? '?'} ${url.pathname} refused: ${refusal.message}`);
    return void res
      .writeHead(refusal.status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' })
      .end(`${refusal.message}\n`);
  }
  void serveVolume(ctx.conn, req, res, url, authorize(ctx.tokens, req, url), ctx.log);
}

function handleUpgrade(ctx: UpgradeContext, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.on('error', () => undefined);
  const url = parseRequestUrl(req);
  if (url === undefined) return refuse(socket, 400, `${req.url}: not a request target`);
  const route = /^\/(api)$|^\/(console|vnc)\/([^/]+)$/.exec(url.pathname);
  if (!route)
    return refuse(socket, 404, `${url.pathname}: no such endpoint; use /api, /console/NAME or /vnc/NAME`);
  const auth = authorize(ctx.tokens, req, url);
  if (typeof auth !== 'string') return refuse(socket, auth.status, auth.message);
  const readOnly = auth === 'ro';
  ctx.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
    if (route[1] === 'api') {
      new ApiSession(ws, ctx.conn, ctx.hub, {
        readOnly,
        maxBufferedBytes: ctx.maxBufferedBytes,
        log: ctx.log,
      });
      return;
    }
    let name: string;
    try {
      name = decodeURIComponent(route[3] as string);
    } catch {
      ws.close(4404, 'bad %-escape in the domain name');
      return;
    }
    ws.on('error', (err) => ctx.log('warn', `ws /${route[2]}/${name}: ${err.message}`));
    if (route[2] === 'console') {
      void serveConsole(ws, ctx.conn, name, { force: url.searchParams.get('force') === '1', readOnly });
    } else {
      void serveVnc(ws, ctx.conn, name, { readOnly });
    }
  });
}

/** The URL of a request; undefined for a target URL cannot parse (`GET http://[`), which would throw. */
function parseRequestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

/** The access of a request, or the HTTP status to refuse it with. */
function authorize(tokens: TokenTable | undefined, req: IncomingMessage, url: URL): TokenAccess | Refusal {
  if (tokens !== undefined) {
    const token = tokenOfRequest(req, url);
    if (token === undefined) {
      return {
        status: 401,
        message: 'a token is required: send Authorization: Bearer TOKEN or ?token=TOKEN',
      };
    }
    return checkToken(tokens, token) ?? { status: 401, message: 'the token is not valid' };
  }
  // Without tokens, a page of another site in the user's browser must not reach a loopback listener.
  return checkBrowserRequest(req) ?? 'rw';
}

function refuse(socket: Duplex, status: number, message: string): void {
  const reason = STATUS_CODES[status] ?? 'Error';
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function listen(http: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http.once('error', (err) =>
      reject(
        new TsvirtError(
          'ERR_IO',
          `ws: cannot listen on ${host}:${port} (${err.message}); pick another ws_port`,
          {
            host,
            port,
          },
        ),
      ),
    );
    http.listen(port, host, () => resolve());
  });
}

async function closeAll(http: Server, wss: WebSocketServer, hub: EventHub): Promise<void> {
  for (const ws of wss.clients) {
    ws.close(WsCloseCode.SERVER_CLOSING, 'server shutting down');
    setTimeout(() => ws.terminate(), 500).unref();
  }
  await hub.close();
  await new Promise<void>((resolve) => {
    wss.close(() => resolve());
  });
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
}
