import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTsvirtError } from '../../src/errors.js';
import { startWsServer } from '../../src/ws/index.js';
import { RpcClient, startFixture, type WsFixture } from './helpers.js';

const RW_TOKEN = 'rw-token-0123456789abcdef';
const RO_TOKEN = 'ro-token-0123456789abcdef';

describe('ws JSON-RPC API: bad input', () => {
  let fx: WsFixture;
  beforeAll(async () => {
    fx = await startFixture({ maxMessageBytes: 4096 });
  });
  afterAll(async () => {
    expect(await fx.close()).toEqual([]);
  });

  it('answers each bad message with a JSON-RPC error and keeps the connection open', async () => {
    const c = await RpcClient.open(`${fx.url}/api`);
    c.sendRaw('not json{');
    c.sendRaw('[]');
    c.sendRaw(JSON.stringify({ jsonrpc: '1.0', id: 7, method: 'listAllDomains' }));
    c.sendRaw(JSON.stringify({ jsonrpc: '2.0', id: 8 }));
    c.sendRaw(JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'listAllDomains', params: [0] }));
    c.sendRaw(Buffer.from([1, 2, 3]));
    await c.waitFor(() => c.received.length >= 6);
    expect(c.received.map((m) => [m.id, m.error?.code])).toEqual([
      [null, -32700],
      [null, -32600],
      [7, -32600],
      [8, -32600],
      [9, -32602],
      [null, -32600],
    ]);
    const unknown = await c.call('domain.explode', { name: 'x' });
    expect(unknown.error).toMatchObject({
      code: -32601,
      data: { code: 'ERR_NOT_SUPPORTED', libvirtCode: 3 },
    });
    const badType = await c.call('listAllDomains', { flags: 'all' });
    expect(badType.error).toMatchObject({
      code: -32602,
      data: { code: 'ERR_INVALID_ARG', fields: { field: 'flags' } },
    });
    const badKey = await c.call('domain.getInfo', { name: 'x', colour: 'red' });
    expect(badKey.error).toMatchObject({ code: -32602, data: { fields: { field: 'colour' } } });
    const noTarget = await c.call('domain.getInfo', {});
    expect(noTarget.error).toMatchObject({ code: -32602, data: { code: 'ERR_INVALID_ARG' } });
    const missing = await c.call('domain.getInfo', { name: 'no-such-domain' });
    expect(missing.error).toMatchObject({
      code: -32000,
      data: { code: 'ERR_DOMAIN_NOT_FOUND', libvirtCode: 42, libvirtDomain: 10 },
    });
    expect(missing.error?.message).toContain('no-such-domain');
    expect(await c.result('listAllDomains', { flags: 0 })).toEqual([]);
    expect(c.closed).toBeUndefined();
    c.close();
  });

  it('writes bigints as decimal strings', async () => {
    const c = await RpcClient.open(`${fx.url}/api`);
    const info = await c.result<{ memoryKiB: unknown }>('getNodeInfo');
    expect(info.memoryKiB).toMatch(/^\d+$/);
    expect(await c.result('getLibVersion')).toMatch(/^\d+$/);
    c.close();
  });

  it('closes a connection that sends a message over the size limit with 1009', async () => {
    const c = await RpcClient.open(`${fx.url}/api`);
    c.sendRaw(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'domain.defineXML',
        params: { xml: 'x'.repeat(8000) },
      }),
    );
    await c.waitFor(() => false, 5_000, 'the close').catch(() => undefined);
    expect(c.closed?.code).toBe(1009);
  });

  it('refuses unknown paths and foreign browser origins before the upgrade', async () => {
    await expect(RpcClient.open(`${fx.url}/nothing`)).rejects.toThrow(/404/);
    await expect(RpcClient.open(`${fx.url}/api`, { origin: 'http://evil.example' })).rejects.toThrow(/403/);
    const same = await RpcClient.open(`${fx.url}/api`, { origin: `http://127.0.0.1:${fx.server.port}` });
    expect(await same.result('getType')).toBe('QEMU');
    same.close();
  });
});

describe('ws JSON-RPC API: tokens', () => {
  let fx: WsFixture;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tsvirt-ws-tokens-'));
    const file = join(dir, 'tokens');
    await writeFile(file, `# test tokens\nrw ${RW_TOKEN}\n\nro ${RO_TOKEN}\n`, { mode: 0o600 });
    fx = await startFixture({ authTokenFile: file });
  });
  afterAll(async () => {
    expect(await fx.close()).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses clients without a token or with a wrong one (401)', async () => {
    await expect(RpcClient.open(`${fx.url}/api`)).rejects.toThrow(/401/);
    await expect(RpcClient.open(`${fx.url}/api?token=wrong-token-0123456789`)).rejects.toThrow(/401/);
    await expect(RpcClient.open(`${fx.url}/console/x`)).rejects.toThrow(/401/);
  });

  it('gives a read-only token queries and denies it every mutation', async () => {
    const ro = await RpcClient.open(`${fx.url}/api`, { authorization: `Bearer ${RO_TOKEN}` });
    expect(await ro.result('getAccess')).toEqual({ readOnly: true });
    expect(await ro.result('listAllDomains')).toEqual([]);
    expect(await ro.result('listAllStoragePools')).toEqual(expect.any(Array));
    for (const [method, params] of [
      ['domain.defineXML', { xml: '<domain/>' }],
      ['domain.create', { name: 'x' }],
      ['pool.refresh', { name: 'default' }],
      ['volume.delete', { path: '/x' }],
      ['domain.getXMLDesc', { name: 'x', flags: 1 }],
    ] as const) {
      const reply = await ro.call(method, params);
      expect(reply.error, method).toMatchObject({
        code: -32000,
        data: { code: 'ERR_ACCESS_DENIED', libvirtCode: 88 },
      });
    }
    ro.close();
  });

  it('gives an rw token in the query string full access', async () => {
    const rw = await RpcClient.open(`${fx.url}/api?token=${RW_TOKEN}`);
    expect(await rw.result('getAccess')).toEqual({ readOnly: false });
    const reply = await rw.call('domain.create', { name: 'x' });
    expect(reply.error?.data.code).toBe('ERR_DOMAIN_NOT_FOUND');
    rw.close();
  });
});

describe('ws server start', () => {
  it('refuses to listen on a non-loopback address without a token file', async () => {
    const fake = {} as never; // never touched: the check comes first
    const err = await startWsServer(fake, { port: 0, host: '0.0.0.0' }).catch((e: unknown) => e);
    expect(isTsvirtError(err, 'ERR_CONFIG_FILE')).toBe(true);
    expect((err as Error).message).toMatch(/^ws_listen_addr 0\.0\.0\.0 is not loopback.*ws_auth_token_file/);
  });

  it('refuses a token file with a bad line, naming the line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tsvirt-ws-tokens-'));
    try {
      const file = join(dir, 'tokens');
      await writeFile(file, `rw ${RW_TOKEN}\nadmin ${RO_TOKEN}\n`);
      const err = await startWsServer({} as never, { port: 0, authTokenFile: file }).catch((e: unknown) => e);
      expect(isTsvirtError(err, 'ERR_CONFIG_FILE')).toBe(true);
      expect((err as Error).message).toBe(`${file}:2: expected "rw TOKEN" or "ro TOKEN"`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('serves the page only when asked', async () => {
    const fx = await startFixture();
    try {
      const res = await fetch(`http://127.0.0.1:${fx.server.port}/`);
      expect(res.status).toBe(404);
    } finally {
      expect(await fx.close()).toEqual([]);
    }
    const withPage = await startFixture({ page: true });
    try {
      const base = `http://127.0.0.1:${withPage.server.port}`;
      const html = await fetch(`${base}/`);
      expect(html.status).toBe(200);
      expect(await html.text()).toContain('<title>tsvirt</title>');
      const xterm = await fetch(`${base}/vendor/xterm/xterm.mjs`);
      expect(xterm.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect((await fetch(`${base}/vendor/novnc/core/rfb.js`)).status).toBe(200);
      expect((await fetch(`${base}/js/..%2F..%2Fpackage.json`)).status).toBe(404);
    } finally {
      expect(await withPage.close()).toEqual([]);
    }
  });
});
