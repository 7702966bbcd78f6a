/**
 * Volume bytes over plain HTTP on the WebSocket listener, both ends: tsvirtd's handler and the client
 * WsConnection uses. `GET /volume/POOL/NAME[?offset=N&length=M]` answers 200 with the bytes of
 * storageVolDownload (length 0 or absent: to the end); `PUT /volume/POOL/NAME[?offset=N]` writes the body
 * through storageVolUpload (length: the Content-Length when sent, else the whole body) and answers 204.
 * POOL and NAME are %-encoded path segments. An error is `{"error":{"code","message","fields"}}` with 400
 * (bad request), 401/403 (token, origin, read-only), 404 (no such pool or volume), 405 (other methods),
 * 409 (volume in use, pool not active) or 500. Node.js only: the client imports it when a transfer starts.
 */
import {
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Connection, VolumeRef } from '../connection.js';
import { TsvirtError, type ErrorCode } from '../errors.js';
import { checkAccess } from './access.js';
import type { TokenAccess } from './auth.js';

/** The listener's verdict on a request: the access it grants, or the status to refuse it with. */
export type VolumeAccess = TokenAccess | { status: number; message: string };

type Transfer = 'storageVolDownload' | 'storageVolUpload';

/** The query parameters each method takes (`token` is read by the listener's auth). */
const QUERY_KEYS: Readonly<Record<Transfer, readonly string[]>> = {
  storageVolDownload: ['offset', 'length', 'token'],
  storageVolUpload: ['offset', 'token'],
};

/** HTTP status by error code; any other code is 500. */
const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  ERR_INVALID_ARG: 400,
  ERR_AUTH_FAILED: 401,
  ERR_ACCESS_DENIED: 403,
  ERR_POOL_NOT_FOUND: 404,
  ERR_VOLUME_NOT_FOUND: 404,
  ERR_VOLUME_IN_USE: 409,
  ERR_DOMAIN_BUSY: 409,
  ERR_OPERATION_INVALID: 409, // the pool is not active
};

/** Whether a request path belongs to the volume endpoint. */
export function isVolumePath(pathname: string): boolean {
  return pathname === '/volume' || pathname.startsWith('/volume/');
}

/** Answer one request on /volume: auth verdict, method, path, query, read-only check, then the transfer. */
export async function serveVolume(
  conn: Connection,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  access: VolumeAccess,
  log: (level: 'warn', msg: string) => void,
): Promise<void> {
  const what = `${req.method ?? '?'} ${url.pathname}`;
  try {
    if (typeof access !== 'string') {
      const code = access.status === 401 ? 'ERR_AUTH_FAILED' : 'ERR_ACCESS_DENIED';
      throw new TsvirtError(code, access.message, {});
    }
    const transfer =
      req.method === 'GET' ? 'storageVolDownload' : req.method === 'PUT' ? 'storageVolUpload' : undefined;
    if (transfer === undefined) {
      const err = new TsvirtError('ERR_NOT_SUPPORTED', `${what}: method not allowed; use GET or PUT`, {
        field: 'method',
        value: req.method,
        expected: 'GET or PUT',
      });
      return sendError(req, res, err, 405, { allow: 'GET, PUT' });
    }
    const { pool, name } = parseVolumePath(url.pathname);
    const range = parseRange(url, transfer);
    checkAccess(transfer, access === 'ro');
    const vol = await conn.storageVolLookupByName(await conn.lookupStoragePoolByName(pool), name);
    if (transfer === 'storageVolDownload') await sendVolume(conn, vol, range, res);
    else await receiveVolume(conn, vol, range.offset, req, res, what);
  } catch (err) {
    const status = err instanceof TsvirtError ? (STATUS_OF[err.code] ?? 500) : 500;
    if (status === 500 || res.headersSent) log('warn', `ws ${what}: ${(err as Error).message}`);
    sendError(req, res, err, status);
  }
}

/** POOL and NAME of `/volume/POOL/NAME`. */
function parseVolumePath(pathname: string): { pool: string; name: string } {
  const m = /^\/volume\/([^/]+)\/([^/]+)$/.exec(pathname);
  const fields = { field: 'path', value: pathname, expected: '/volume/POOL/NAME' };
  if (!m)
    throw new TsvirtError('ERR_INVALID_ARG', `${pathname}: not a volume path; use /volume/POOL/NAME`, fields);
  try {
    return { pool: decodeURIComponent(m[1] as string), name: decodeURIComponent(m[2] as string) };
  } catch {
    throw new TsvirtError('ERR_INVALID_ARG', `${pathname}: bad %-escape; encode the names with %XX`, fields);
  }
}

/** offset and length of the query (0 when absent); unknown parameters are refused, not ignored. */
function parseRange(url: URL, transfer: Transfer): { offset: bigint; length: bigint } {
  const allowed = QUERY_KEYS[transfer];
  for (const key of new Set(url.searchParams.keys())) {
    if (allowed.includes(key)) continue;
    const hint = key === 'length' ? '; the upload length is the Content-Length' : '';
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `${key}: not a parameter of this request; use ${allowed.join(', ')}${hint}`,
      {
        field: key,
        value: url.searchParams.get(key),
        expected: allowed.join(', '),
      },
    );
  }
  return { offset: parseByteCount(url, 'offset'), length: parseByteCount(url, 'length') };
}

function parseByteCount(url: URL, field: string): bigint {
  const values = url.searchParams.getAll(field);
  if (values.length === 0) return 0n;
  const value = values.join(',');
  if (values.length > 1 || !/^\d{1,20}$/.test(value)) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `${field} '${value}' is not a byte count; give one whole number >= 0`,
      {
        field,
        value,
        expected: 'a whole number of bytes >= 0',
      },
    );
  }
  return BigInt(value);
}

async function sendVolume(
  conn: Connection,
  vol: VolumeRef,
  range: { offset: bigint; length: bigint },
  res: ServerResponse,
): Promise<void> {
  const source = await conn.storageVolDownload(vol, range.offset, range.length, 0);
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  await pipeline(source, res);
}

async function receiveVolume(
  conn: Connection,
  vol: VolumeRef,
  offset: bigint,
  req: IncomingMessage,
  res: ServerResponse,
  what: string,
): Promise<void> {
  const declared = req.headers['content-length'];
  // The storage layer destroys its source when it stops reading; destroying `req` itself would abort the
  // socket the answer goes out on, so it reads a PassThrough that `req` is piped into.
  const body = new PassThrough();
  body.on('error', () => undefined); // the upload sees it through its reads
  req.on('close', () => {
    if (!req.complete && !body.destroyed) {
      body.destroy(new TsvirtError('ERR_IO', `${what}: the client closed the connection mid-upload`, {}));
    }
  });
  req.pipe(body);
  try {
    await conn.storageVolUpload(vol, body, offset, declared === undefined ? 0n : BigInt(declared), 0);
  } finally {
    req.unpipe(body);
    body.destroy();
    req.resume(); // drain what was not read, so the answer is read on a clean connection
  }
  res.writeHead(204).end();
}

function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  err: unknown,
  status: number,
  headers: Record<string, string> = {},
): void {
  req.resume();
  // After the 200 head the only signal left is a cut connection: the client sees a truncated body.
  if (res.headersSent) return void res.destroy();
  const e = err instanceof TsvirtError ? err : new TsvirtError('ERR_INTERNAL', (err as Error).message, {});
  const body = `${JSON.stringify({ error: e.toJSON() }, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}\n`;
  res.writeHead(status, {
    ...headers,
    ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}),
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Where the client reaches the listener: the WsConnection's ws:// URI (token removed) and its token. */
export interface VolumeEndpoint {
  uri: string;
  token: string | undefined;
}

/** storageVolUpload as `PUT /volume/POOL/NAME`; at most `length` bytes of `source` are sent (0: all). */
export async function uploadVolume(
  endpoint: VolumeEndpoint,
  vol: VolumeRef,
  source: Readable,
  range: { offset: bigint; length: bigint; flags: number },
): Promise<void> {
  checkNoFlags('storageVolUpload', range.flags);
  const url = buildVolumeUrl(endpoint, vol, { offset: range.offset });
  const req = openRequest(url, 'PUT', endpoint.token);
  let sourceError: unknown;
  source.once('error', (err) => (sourceError = err));
  const sent = pipeline(takeBytes(source, range.length), req).then(
    () => undefined,
    (err: unknown) => err,
  );
  let res: IncomingMessage;
  try {
    res = await waitResponse(req, url);
  } catch (err) {
    await sent;
    throw sourceError ?? err;
  }
  if (res.statusCode !== 204) {
    const err = await readError(res, url);
    req.destroy(); // stop sending: the server has answered
    throw err;
  }
  res.resume();
  const sendError = await sent;
  if (sendError !== undefined) throw sourceError ?? sendError;
}

/** storageVolDownload as `GET /volume/POOL/NAME`; the stream errors if the server cuts the body short. */
export async function downloadVolume(
  endpoint: VolumeEndpoint,
  vol: VolumeRef,
  range: { offset: bigint; length: bigint; flags: number },
): Promise<Readable> {
  checkNoFlags('storageVolDownload', range.flags);
  const url = buildVolumeUrl(endpoint, vol, { offset: range.offset, length: range.length });
  const req = openRequest(url, 'GET', endpoint.token);
  req.end();
  const res = await waitResponse(req, url);
  if (res.statusCode !== 200) throw await readError(res, url);
  return res;
}

function checkNoFlags(method: Transfer, flags: number): void {
  if (flags === 0) return;
  throw new TsvirtError(
    'ERR_NOT_SUPPORTED',
    `${method}: flags ${flags} are not offered over /volume; pass 0`,
    {
      field: 'flags',
      value: flags,
      expected: '0',
    },
  );
}

function buildVolumeUrl(endpoint: VolumeEndpoint, vol: VolumeRef, query: Record<string, bigint>): URL {
  const url = new URL(endpoint.uri);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = `/volume/${encodeURIComponent(vol.pool)}/${encodeURIComponent(vol.name)}`;
  url.search = '';
  for (const [key, value] of Object.entries(query))
    if (value !== 0n) url.searchParams.set(key, String(value));
  return url;
}

function openRequest(url: URL, method: 'GET' | 'PUT', token: string | undefined): ClientRequest {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return request(url, {
    method,
    agent: false, // one connection per transfer, closed after it: no idle socket keeps the process alive
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(method === 'PUT' ? { 'content-type': 'application/octet-stream' } : {}),
    },
  });
}

/** The source's bytes, stopping after `length` of them (0n: all); the source is destroyed once done. */
async function* takeBytes(source: Readable, length: bigint): AsyncGenerator<Buffer> {
  let left = length;
  try {
    for await (const chunk of source) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      if (length === 0n) {
        yield buf;
        continue;
      }
      const take = left < BigInt(buf.length) ? Number(left) : buf.length;
      yield buf.subarray(0, take);
      left -= BigInt(take);
      if (left === 0n) return;
    }
  } finally {
    if (!source.destroyed) source.destroy();
  }
}

function waitResponse(req: ClientRequest, url: URL): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    req.once('response', resolve);
    // `on`, not `once`: a write may still fail after the answer came (the server stopped reading).
    req.on('error', (err) =>
      reject(
        new TsvirtError(
          'ERR_CONNECTION_CLOSED',
          `${url.origin}${url.pathname}: ${err.message}; check the address and that tsvirtd listens there`,
          { url: `${url.origin}${url.pathname}` },
          { cause: err },
        ),
      ),
    );
  });
}

/** The TsvirtError of an error answer: the server's code and fields, or ERR_RPC for a body not of ours. */
async function readError(res: IncomingMessage, url: URL): Promise<TsvirtError> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    const { error } = JSON.parse(text) as { error?: { code?: string; message?: string; fields?: object } };
    if (typeof error?.code === 'string' && typeof error.message === 'string') {
      return new TsvirtError(error.code as ErrorCode, error.message, { ...error.fields });
    }
  } catch {
    // not JSON: a listener without /volume, or a proxy in between
  }
  return new TsvirtError(
    'ERR_RPC',
    `${url.origin}${url.pathname}: HTTP ${res.statusCode} ${text.trim().slice(0, 200)}; is it a tsvirtd with /volume?`,
    { status: res.statusCode },
  );
}
