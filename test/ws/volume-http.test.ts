import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../scripts/guests/paths.js';
import type { VolumeRef } from '../../src/connection.js';
import { run } from '../../src/exec/index.js';
import { findQemuBinary } from '../../src/kvm/index.js';
import { WsConnection } from '../../src/ws/index.js';
import { downloadVolume, uploadVolume } from '../../src/ws/volume-client.js';
import { CLI, hasCli } from '../cli/cli-harness.js';
import { buildBootSectorXml, isAlive, readPidFile } from '../driver/helpers.js';
import { startFixture, type WsFixture } from './helpers.js';

const MiB = 1024 * 1024;
const RW_TOKEN = 'rw-token-0123456789abcdef';
const RO_TOKEN = 'ro-token-0123456789abcdef';
const hasQemu = findQemuBinary() !== undefined;
if (!hasQemu) console.warn('skipping the in-use upload test: qemu-system-x86_64 is absent');

/** What one plain HTTP exchange gave back. */
interface HttpReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One request with node:http; `body` is sent with a Content-Length unless `chunks` is used instead. */
function httpCall(
  port: number,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: Buffer; chunks?: Buffer[] } = {},
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const headers = { ...opts.headers, ...(opts.body ? { 'content-length': String(opts.body.length) } : {}) };
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    for (const chunk of opts.chunks ?? []) req.write(chunk);
    req.end(opts.body);
  });
}

/** The error object of a JSON error answer. */
function errorOf(reply: HttpReply): { code: string; message: string; fields: Record<string, unknown> } {
  expect(reply.headers['content-type']).toBe('application/json');
  return (JSON.parse(reply.body.toString('utf8')) as { error: never }).error;
}

function volXml(name: string, bytes: number): string {
  return `<volume><name>${name}</name><capacity>${bytes}</capacity><allocation>0</allocation><target><format type='raw'/></target></volume>`;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

describe('ws /volume/POOL/NAME without tokens', () => {
  let fx: WsFixture;
  let ws: WsConnection;
  let vol: VolumeRef;
  const data = randomBytes(3 * MiB);
  beforeAll(async () => {
    fx = await startFixture({ page: true });
    ws = await WsConnection.connect(`${fx.url}/api`);
    vol = await ws.storageVolCreateXML(
      await ws.lookupStoragePoolByName('default'),
      volXml('up.img', 3 * MiB),
    );
  });
  afterAll(async () => {
    await ws.close();
    expect(await fx.close()).toEqual([]);
  });

  it('uploads 3 MiB through WsConnection and downloads it whole and by offset and length', async () => {
    await ws.storageVolUpload(vol, Readable.from([data.subarray(0, MiB), data.subarray(MiB)]));
    expect((await readFile(await fx.conn.storageVolGetPath(vol))).equals(data)).toBe(true);
    expect((await readAll(await ws.storageVolDownload(vol))).equals(data)).toBe(true);
    const part = await readAll(await ws.storageVolDownload(vol, BigInt(MiB + 7), 12_345n));
    expect(part.equals(data.subarray(MiB + 7, MiB + 7 + 12_345))).toBe(true);
    const tail = await readAll(await ws.storageVolDownload(vol, BigInt(3 * MiB - 10)));
    expect(tail.equals(data.subarray(3 * MiB - 10))).toBe(true);
  });

  it('writes at most length bytes at the offset through WsConnection and closes the source', async () => {
    const source = Readable.from([Buffer.alloc(64 * 1024, 0xee), Buffer.alloc(64 * 1024, 0xee)]);
    await ws.storageVolUpload(vol, source, 100n, 70_000n);
    expect(source.destroyed).toBe(true);
    const bytes = await readFile(await fx.conn.storageVolGetPath(vol));
    expect(bytes.length).toBe(3 * MiB);
    expect(bytes.subarray(100, 70_100).every((b) => b === 0xee)).toBe(true);
    expect(bytes.subarray(0, 100).equals(data.subarray(0, 100))).toBe(true);
    expect(bytes.subarray(70_100).equals(data.subarray(70_100))).toBe(true);
    await ws.storageVolUpload(vol, Readable.from([data]));
  });

  it('takes a plain PUT, with a Content-Length or chunked, and answers GET with the bytes', async () => {
    const port = fx.server.port;
    const other = randomBytes(3 * MiB);
    const put = await httpCall(port, 'PUT', '/volume/default/up.img', { body: other });
    expect([put.status, put.body.length]).toEqual([204, 0]);
    const got = await httpCall(port, 'GET', '/volume/default/up.img');
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toBe('application/octet-stream');
    expect(got.body.equals(other)).toBe(true);
    const chunked = await httpCall(port, 'PUT', '/volume/default/up.img?offset=5', {
      chunks: [Buffer.from('hello '), Buffer.from('world')],
    });
    expect(chunked.status).toBe(204);
    const range = await httpCall(port, 'GET', '/volume/default/up.img?offset=0&length=20');
    expect(range.body.toString('latin1')).toBe(
      other.subarray(0, 5).toString('latin1') + 'hello world' + other.subarray(16, 20).toString('latin1'),
    );
    await ws.storageVolUpload(vol, Readable.from([data]));
  });

  it('answers a missing pool or volume with 404 and its code, in WsConnection as a TsvirtError', async () => {
    const port = fx.server.port;
    const noPool = await httpCall(port, 'GET', '/volume/no-such-pool/up.img');
    expect(noPool.status).toBe(404);
    expect(errorOf(noPool)).toMatchObject({
      code: 'ERR_POOL_NOT_FOUND',
      message: expect.stringContaining('no-such-pool'),
    });
    const noVol = await httpCall(port, 'PUT', '/volume/default/no%20such.img', { body: Buffer.alloc(10) });
    expect(noVol.status).toBe(404);
    expect(errorOf(noVol)).toMatchObject({
      code: 'ERR_VOLUME_NOT_FOUND',
      message: expect.stringContaining('no such.img'),
    });
    const ghost = { pool: 'default', name: 'ghost.img', key: '/nowhere' };
    await expect(ws.storageVolDownload(ghost)).rejects.toMatchObject({
      name: 'TsvirtError',
      code: 'ERR_VOLUME_NOT_FOUND',
    });
    await expect(ws.storageVolUpload(ghost, Readable.from([data]))).rejects.toMatchObject({
      code: 'ERR_VOLUME_NOT_FOUND',
    });
  });

  it('answers bad offsets, parameters and paths with 400 naming the field, and other methods with 405', async () => {
    const port = fx.server.port;
    const bad = await httpCall(port, 'GET', '/volume/default/up.img?offset=-1');
    expect(bad.status).toBe(400);
    expect(errorOf(bad)).toEqual({
      code: 'ERR_INVALID_ARG',
      message: "offset '-1' is not a byte count; give one whole number >= 0",
      fields: { field: 'offset', value: '-1', expected: 'a whole number of bytes >= 0' },
    });
    const badLength = errorOf(await httpCall(port, 'GET', '/volume/default/up.img?length=1k'));
    expect(badLength.fields).toMatchObject({ field: 'length', value: '1k' });
    const lengthOnPut = await httpCall(port, 'PUT', '/volume/default/up.img?length=4', {
      body: Buffer.alloc(4),
    });
    expect([lengthOnPut.status, errorOf(lengthOnPut).fields.field]).toEqual([400, 'length']);
    const past = await httpCall(port, 'GET', `/volume/default/up.img?offset=${4 * MiB}`);
    expect([past.status, errorOf(past).message]).toEqual([
      400,
      expect.stringMatching(/^offset 4194304 is past the end/),
    ]);
    const escape = await httpCall(port, 'GET', '/volume/default/bad%zz');
    expect([escape.status, errorOf(escape).message]).toEqual([400, expect.stringContaining('bad %-escape')]);
    const short = await httpCall(port, 'GET', '/volume/default');
    expect([short.status, errorOf(short).fields.expected]).toEqual([400, '/volume/POOL/NAME']);
    const post = await httpCall(port, 'POST', '/volume/default/up.img', { body: Buffer.alloc(1) });
    expect([post.status, post.headers.allow, errorOf(post).code]).toEqual([
      405,
      'GET, PUT',
      'ERR_NOT_SUPPORTED',
    ]);
    await expect(ws.storageVolDownload(vol, 0n, 0n, 1)).rejects.toMatchObject({
      code: 'ERR_NOT_SUPPORTED',
      fields: { field: 'flags', value: 1 },
    });
    expect((await readFile(await fx.conn.storageVolGetPath(vol))).equals(data)).toBe(true);
  });

  it('refuses a foreign browser origin with 403 and still serves the page', async () => {
    const port = fx.server.port;
    const foreign = await httpCall(port, 'PUT', '/volume/default/up.img', {
      headers: { origin: 'http://evil.example' },
      body: Buffer.alloc(8),
    });
    expect([foreign.status, errorOf(foreign).code]).toEqual([403, 'ERR_ACCESS_DENIED']);
    const own = await httpCall(port, 'GET', '/volume/default/up.img?length=8', {
      headers: { origin: `http://127.0.0.1:${port}` },
    });
    expect(own.body.equals(data.subarray(0, 8))).toBe(true);
    const page = await httpCall(port, 'GET', '/');
    expect([page.status, page.body.toString()]).toEqual([
      200,
      expect.stringContaining('<title>tsvirt</title>'),
    ]);
  });

  it('releases the pool when a client cuts an upload short, so the next upload goes through', async () => {
    await new Promise<void>((resolve) => {
      const req = request({
        host: '127.0.0.1',
        port: fx.server.port,
        method: 'PUT',
        path: '/volume/default/up.img',
        headers: { 'content-length': String(3 * MiB) },
        agent: false,
      });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(MiB, 0x11), () => setTimeout(() => req.destroy(), 200));
    });
    await ws.storageVolUpload(vol, Readable.from([data]));
    expect((await readAll(await ws.storageVolDownload(vol))).equals(data)).toBe(true);
  });

  it('answers a request target it cannot parse with 400 and keeps listening', async () => {
    for (const extra of ['', 'Upgrade: websocket\r\nConnection: Upgrade\r\n']) {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(fx.server.port, '127.0.0.1', () =>
          socket.write(`GET http://[ HTTP/1.1\r\nHost: x\r\n${extra}\r\n`),
        );
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    }
    expect((await httpCall(fx.server.port, 'GET', '/volume/default/up.img?length=4')).status).toBe(200);
  });

  it.skipIf(!hasCli)(
    'carries tsvirt -c ws:// vol-upload and vol-download',
    async () => {
      const cli = (...args: string[]) =>
        run(['node', CLI, '-c', `${fx.url}/api`, ...args, '--pool', 'default'], { timeoutMs: 60_000 });
      const [src, dst, part] = ['cli-in.bin', 'cli-out.bin', 'cli-part.bin'].map((f) => join(fx.root, f));
      const bytes = randomBytes(3 * MiB);
      await writeFile(src as string, bytes);
      expect((await cli('vol-upload', 'up.img', src as string)).exitCode).toBe(0);
      expect((await cli('vol-download', 'up.img', dst as string)).exitCode).toBe(0);
      expect((await readFile(dst as string)).equals(bytes)).toBe(true);
      await cli('vol-download', 'up.img', part as string, '--offset', '1M', '--length', '100');
      expect((await readFile(part as string)).equals(bytes.subarray(MiB, MiB + 100))).toBe(true);
    },
    90_000,
  );
});

describe('ws /volume/POOL/NAME with tokens', () => {
  let fx: WsFixture;
  let dir: string;
  let vol: VolumeRef;
  const data = randomBytes(64 * 1024);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tsvirt-ws-tokens-'));
    const file = join(dir, 'tokens');
    await writeFile(file, `rw ${RW_TOKEN}\nro ${RO_TOKEN}\n`, { mode: 0o600 });
    fx = await startFixture({ authTokenFile: file });
    const pool = await fx.conn.lookupStoragePoolByName('default');
    vol = await fx.conn.storageVolCreateXML(pool, volXml('tok.img', data.length));
  });
  afterAll(async () => {
    expect(await fx.close()).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  });

  it('answers a request without a token, or with a wrong one, with 401', async () => {
    const port = fx.server.port;
    const none = await httpCall(port, 'GET', '/volume/default/tok.img');
    expect([none.status, none.headers['www-authenticate']]).toEqual([401, 'Bearer']);
    expect(errorOf(none)).toMatchObject({
      code: 'ERR_AUTH_FAILED',
      message: expect.stringMatching(/^a token is required/),
    });
    const wrong = await httpCall(port, 'PUT', '/volume/default/tok.img?token=wrong-token-0123456789', {
      body: data,
    });
    expect([wrong.status, errorOf(wrong).message]).toEqual([401, 'the token is not valid']);
  });

  it('refuses both transfers to a read-only token with 403, as libvirt refuses them on a read-only connection', async () => {
    const port = fx.server.port;
    const auth = { authorization: `Bearer ${RO_TOKEN}` };
    const get = await httpCall(port, 'GET', '/volume/default/tok.img', { headers: auth });
    expect([get.status, errorOf(get)]).toEqual([
      403,
      {
        code: 'ERR_ACCESS_DENIED',
        message:
          'storageVolDownload: operation forbidden for a read-only connection; use a token with rw access',
        fields: { method: 'storageVolDownload', readOnly: true },
      },
    ]);
    const put = await httpCall(port, 'PUT', '/volume/default/tok.img', { headers: auth, body: data });
    expect([put.status, errorOf(put).message]).toEqual([
      403,
      'storageVolUpload: operation forbidden for a read-only connection; use a token with rw access',
    ]);
    const ro = await WsConnection.connect(`${fx.url}/api`, { token: RO_TOKEN });
    try {
      await expect(ro.storageVolUpload(vol, Readable.from([data]))).rejects.toMatchObject({
        code: 'ERR_ACCESS_DENIED',
      });
      await expect(ro.storageVolDownload(vol)).rejects.toMatchObject({ code: 'ERR_ACCESS_DENIED' });
    } finally {
      await ro.close();
    }
    expect((await readFile(await fx.conn.storageVolGetPath(vol))).every((b) => b === 0)).toBe(true);
  });

  it('moves the bytes for an rw token, given as an option or as ?token= in the URI', async () => {
    const byOption = await WsConnection.connect(`${fx.url}/api`, { token: RW_TOKEN });
    const byQuery = await WsConnection.connect(`${fx.url}/api?token=${RW_TOKEN}`);
    try {
      await byOption.storageVolUpload(vol, Readable.from([data]));
      expect((await readAll(await byQuery.storageVolDownload(vol))).equals(data)).toBe(true);
    } finally {
      await byOption.close();
      await byQuery.close();
    }
    const port = fx.server.port;
    const plain = await httpCall(port, 'GET', `/volume/default/tok.img?token=${RW_TOKEN}&length=16`);
    expect(plain.body.equals(data.subarray(0, 16))).toBe(true);
  });
});

describe('the /volume client against a faulty peer', () => {
  /** A real HTTP server on a loopback port that answers every request with `answer`. */
  async function withPeer(
    answer: (res: ServerResponse) => void,
    body: (endpoint: { uri: string; token: string }) => Promise<void>,
  ): Promise<string[]> {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      req.resume();
      answer(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      await body({ uri: `ws://127.0.0.1:${port}/api`, token: RW_TOKEN });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    return seen;
  }
  const vol = { pool: 'p o', name: 'a/b.img', key: '/k' };

  it('fails the download stream when the server cuts the body short', async () => {
    const seen = await withPeer(
      (res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(Buffer.alloc(1000), () => res.destroy());
      },
      async (endpoint) => {
        const stream = await downloadVolume(endpoint, vol, { offset: 5n, length: 0n, flags: 0 });
        await expect(readAll(stream)).rejects.toThrow(/aborted/);
      },
    );
    expect(seen).toEqual([`GET /volume/p%20o/a%2Fb.img?offset=5 Bearer ${RW_TOKEN}`]);
  });

  it('turns an answer that is not a /volume error into ERR_RPC naming the status', async () => {
    await withPeer(
      (res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('/volume/x: not found\n'),
      async (endpoint) => {
        const err = await uploadVolume(endpoint, vol, Readable.from([Buffer.alloc(10)]), {
          offset: 0n,
          length: 0n,
          flags: 0,
        }).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'ERR_RPC', fields: { status: 404 } });
        expect((err as Error).message).toMatch(
          /HTTP 404 \/volume\/x: not found; is it a tsvirtd with \/volume\?$/,
        );
      },
    );
  });

  it('names the address when nothing listens there', async () => {
    const endpoint = { uri: 'ws://127.0.0.1:1/api', token: undefined };
    await expect(downloadVolume(endpoint, vol, { offset: 0n, length: 0n, flags: 0 })).rejects.toMatchObject({
      code: 'ERR_CONNECTION_CLOSED',
      message: expect.stringMatching(
        /^http:\/\/127\.0\.0\.1:1\/volume\/p%20o\/a%2Fb\.img: connect ECONNREFUSED/,
      ),
    });
  });
});

describe.skipIf(!hasQemu)('ws /volume/POOL/NAME and a running domain', () => {
  let fx: WsFixture;
  const pids: number[] = [];
  beforeAll(async () => {
    fx = await startFixture();
  });
  afterAll(async () => {
    expect(await fx.close()).toEqual([]);
    for (const pid of pids) expect(isAlive(pid), `qemu ${pid}`).toBe(false);
  });

  it('refuses an upload to the disk of a running domain with 409 and still serves its bytes', async () => {
    const guests = await ensureGuests();
    const image = await readFile(guests.bootSectorImage);
    const ws = await WsConnection.connect(`${fx.url}/api`);
    try {
      const pool = await ws.lookupStoragePoolByName('default');
      const vol = await ws.storageVolCreateXML(pool, volXml('boot.img', image.length));
      await ws.storageVolUpload(vol, Readable.from([image]));
      const path = await ws.storageVolGetPath(vol);
      const dom = await ws.domainDefineXML(buildBootSectorXml('ws-vol-busy', path));
      await ws.domainCreate(dom);
      pids.push(readPidFile(fx.root, 'ws-vol-busy'));
      try {
        const refused = await httpCall(fx.server.port, 'PUT', '/volume/default/boot.img', {
          body: Buffer.alloc(512),
        });
        expect(refused.status).toBe(409);
        expect(errorOf(refused)).toMatchObject({
          code: 'ERR_VOLUME_IN_USE',
          fields: { volume: 'boot.img', domain: 'ws-vol-busy' },
        });
        await expect(ws.storageVolUpload(vol, Readable.from([Buffer.alloc(512)]))).rejects.toMatchObject({
          code: 'ERR_VOLUME_IN_USE',
          message: expect.stringMatching(/in use by running domain 'ws-vol-busy'.*stop the domain first$/),
        });
        expect((await readAll(await ws.storageVolDownload(vol))).equals(image)).toBe(true);
      } finally {
        await ws.domainDestroy(dom);
      }
    } finally {
      await ws.close();
    }
  }, 60_000);
});
