import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackHostHeader } from '../../src/ws/browser-guard.js';
import { RpcClient, startFixture, type WsFixture } from './helpers.js';

const RW_TOKEN = 'rw-token-0123456789abcdef';
const DOMAIN_XML =
  "<domain type='qemu'><name>rebound</name><memory unit='MiB'>16</memory><vcpu>1</vcpu>" +
  "<os><type arch='x86_64' machine='pc'>hvm</type></os></domain>";

/** One plain HTTP request to 127.0.0.1 with the given headers; resolves to the status and body. */
function httpCall(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The headers a browser sends from a page at http://rebind.example:PORT once the name points at us. */
function rebound(port: number): Record<string, string> {
  return { host: `rebind.example:${port}`, origin: `http://rebind.example:${port}` };
}

describe('ws listener without a token file: DNS rebinding', () => {
  let fx: WsFixture;
  beforeAll(async () => {
    fx = await startFixture({ page: true });
  });
  afterAll(async () => {
    expect(await fx.close()).toEqual([]);
  });

  it('refuses a rebound page on /api, /console, /vnc, /volume and the page with 403', async () => {
    const port = fx.server.port;
    for (const path of ['/api', '/console/rebound', '/vnc/rebound']) {
      await expect(RpcClient.open(`${fx.url}${path}`, rebound(port)), path).rejects.toThrow(/403/);
    }
    const put = await httpCall(port, 'PUT', '/volume/default/x.img', rebound(port), Buffer.alloc(8));
    expect([put.status, put.body]).toEqual([403, expect.stringContaining('ERR_ACCESS_DENIED')]);
    const page = await httpCall(port, 'GET', '/', rebound(port));
    expect([page.status, page.body]).toEqual([
      403,
      expect.stringMatching(/^Host "rebind\.example:\d+" is not a loopback address/),
    ]);
    expect(await fx.conn.listAllDomains()).toEqual([]);
  });

  it('refuses a rebound client that sends no Origin, as a script outside a browser might', async () => {
    const port = fx.server.port;
    await expect(RpcClient.open(`${fx.url}/api`, { host: `rebind.example:${port}` })).rejects.toThrow(/403/);
  });

  it('serves 127.0.0.1, [::1] and localhost with the listener port, with or without a same-host Origin', async () => {
    const port = fx.server.port;
    for (const host of [`127.0.0.1:${port}`, `[::1]:${port}`, `localhost:${port}`]) {
      const c = await RpcClient.open(`${fx.url}/api`, { host, origin: `http://${host}` });
      expect(await c.result('domain.defineXML', { xml: DOMAIN_XML })).toMatchObject({ name: 'rebound' });
      expect(await c.result('domain.undefine', { name: 'rebound' })).toBeNull();
      c.close();
      expect((await httpCall(port, 'GET', '/', { host })).status).toBe(200);
    }
  });

  it('accepts only loopback literals with the listening port as the Host header', () => {
    expect(isLoopbackHostHeader('127.0.0.1:8080', 8080)).toBe(true);
    expect(isLoopbackHostHeader('[::1]:8080', 8080)).toBe(true);
    expect(isLoopbackHostHeader('LOCALHOST:8080', 8080)).toBe(true);
    expect(isLoopbackHostHeader('127.0.0.1', 80)).toBe(true);
    expect(isLoopbackHostHeader('127.0.0.1', 8080)).toBe(false);
    expect(isLoopbackHostHeader('127.0.0.1:8081', 8080)).toBe(false);
    expect(isLoopbackHostHeader('rebind.example:8080', 8080)).toBe(false);
    expect(isLoopbackHostHeader('localhost.rebind.example:8080', 8080)).toBe(false);
    expect(isLoopbackHostHeader('127.0.0.1.nip.io:8080', 8080)).toBe(false);
    expect(isLoopbackHostHeader('::1:8080', 8080)).toBe(false);
    expect(isLoopbackHostHeader(undefined, 8080)).toBe(false);
  });
});

describe('ws listener with a token file: any Host', () => {
  let fx: WsFixture;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tsvirt-ws-guard-'));
    const file = join(dir, 'tokens');
    await writeFile(file, `rw ${RW_TOKEN}\n`, { mode: 0o600 });
    fx = await startFixture({ authTokenFile: file });
  });
  afterAll(async () => {
    expect(await fx.close()).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  });

  it('serves a named Host when the client holds a token, and refuses it without one (401)', async () => {
    const host = { host: `tsvirt.example:${fx.server.port}` };
    await expect(RpcClient.open(`${fx.url}/api`, host)).rejects.toThrow(/401/);
    const c = await RpcClient.open(`${fx.url}/api`, { ...host, authorization: `Bearer ${RW_TOKEN}` });
    expect(await c.result('getAccess')).toEqual({ readOnly: false });
    c.close();
  });
});
