/**
 * The client's end of /volume/POOL/NAME (see volume-http.ts for the server's): WsConnection's
 * storageVolUpload and storageVolDownload as HTTP PUT and GET on the listener of its ws:// URI, with
 * its token as a Bearer header. Node.js only: WsConnection imports it when a transfer starts.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { VolumeRef } from '../connection.js';
import { TsvirtError, type ErrorCode } from '../errors.js';
import type { Transfer } from './volume-http.js';

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
