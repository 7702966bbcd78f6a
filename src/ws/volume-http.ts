/**
 * Volume bytes over plain HTTP on the WebSocket listener, tsvirtd's end (the client's is
 * volume-client.ts). `GET /volume/POOL/NAME[?offset=N&length=M]` answers 200 with the bytes of
 * storageVolDownload (length 0 or absent: to the end); `PUT /volume/POOL/NAME[?offset=N]` writes the body
 * through storageVolUpload (length: the Content-Length when sent, else the whole body) and answers 204.
 * POOL and NAME are %-encoded path segments. An error is `{"error":{"code","message","fields"}}` with 400
 * (bad request), 401/403 (token, origin, read-only), 404 (no such pool or volume), 405 (other methods),
 * 409 (volume in use, pool not active) or 500.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Connection, VolumeRef } from '../connection.js';
import { TsvirtError, type ErrorCode } from '../errors.js';
import { checkAccess } from './access.js';
import { replaceBigint } from './methods.js';
import type { TokenAccess } from './auth.js';

/** The listener's verdict on a request: the access it grants, or the status to refuse it with. */
export type VolumeAccess = TokenAccess | { status: number; message: string };

/** The two Connection methods /volume carries. */
export type Transfer = 'storageVolDownload' | 'storageVolUpload';

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
  const body = `${JSON.stringify({ error: e.toJSON() }, replaceBigint)}\n`;
  res.writeHead(status, {
    ...headers,
    ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}),
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
