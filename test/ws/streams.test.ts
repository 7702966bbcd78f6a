import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests, type GuestPaths } from '../../scripts/guests/paths.js';
import { findVncTarget } from '../../src/ws/stream-endpoints.js';
import { buildBootSectorXml, isAlive, buildLinuxXml, readPidFile, waitUntil } from '../driver/helpers.js';
import { startFixture, type WsFixture } from './helpers.js';

/** A binary WebSocket client that collects what it receives as latin1 text. */
class ByteClient {
  text = '';
  closed: { code: number; reason: string } | undefined;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => (this.text += data.toString('latin1')));
    ws.on('close', (code, reason) => (this.closed = { code, reason: String(reason) }));
    ws.on('error', () => undefined);
  }
  static async open(url: string, protocols?: string[]): Promise<ByteClient> {
    const ws = new WebSocket(url, protocols);
    const client = new ByteClient(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return client;
  }
  async waitText(text: string, timeoutMs: number, poke?: () => void): Promise<void> {
    let last = 0;
    await waitUntil(
      () => {
        if (poke && Date.now() - last > 1_000) {
          last = Date.now();
          poke();
        }
        return this.text.includes(text) || this.closed !== undefined;
      },
      timeoutMs,
      `'${text}' on the stream`,
    );
    expect(this.text, `closed ${JSON.stringify(this.closed)}`).toContain(text);
  }
}

describe('ws console and VNC endpoints', () => {
  let fx: WsFixture;
  let guests: GuestPaths;
  const pids: number[] = [];
  beforeAll(async () => {
    guests = await ensureGuests();
    fx = await startFixture();
  });
  afterAll(async () => {
    expect(await fx.close()).toEqual([]);
    for (const pid of pids) expect(isAlive(pid), `qemu ${pid}`).toBe(false);
  });

  it('carries the Linux guest shell on /console/NAME, one user at a time', async () => {
    const dom = await fx.conn.domainDefineXML(
      buildLinuxXml('ws-shell', guests, { append: 'tsvirt.shell=1' }),
    );
    await fx.conn.domainCreate(dom);
    pids.push(readPidFile(fx.root, 'ws-shell'));
    try {
      const first = await ByteClient.open(`${fx.url}/console/ws-shell`);
      await first.waitText('#', 30_000, () => first.ws.send(Buffer.from('\n')));
      first.ws.send(Buffer.from('echo hello-$((6*7))\n'));
      await first.waitText('hello-42', 10_000);
      const second = await ByteClient.open(`${fx.url}/console/ws-shell`);
      await waitUntil(() => second.closed !== undefined, 5_000, 'the second console to be refused');
      expect(second.closed).toMatchObject({
        code: 4409,
        reason: expect.stringMatching(/Active console session/),
      });
      const forced = await ByteClient.open(`${fx.url}/console/ws-shell?force=1`);
      await waitUntil(() => first.closed !== undefined, 5_000, 'the first console to be taken over');
      forced.ws.send(Buffer.from('echo again-$((7*6))\n'));
      await forced.waitText('again-42', 10_000);
      forced.ws.close();
    } finally {
      await fx.conn.domainDestroy(dom).catch(() => undefined);
    }
  });

  it('closes /console/NAME with 4404 for an unknown domain', async () => {
    const c = await ByteClient.open(`${fx.url}/console/no-such-guest`);
    await waitUntil(() => c.closed !== undefined, 5_000, 'the close');
    expect(c.closed).toMatchObject({ code: 4404, reason: expect.stringContaining('no-such-guest') });
  });

  it('answers the RFB handshake on /vnc/NAME for a TCP and a unix-socket VNC server', async () => {
    const graphics = [
      "<graphics type='vnc' autoport='yes' listen='127.0.0.1'/>",
      "<graphics type='vnc'><listen type='socket'/></graphics>",
    ];
    for (const [i, g] of graphics.entries()) {
      const name = `ws-vnc${i}`;
      const image = join(fx.root, `${name}.img`);
      await copyFile(guests.bootSectorImage, image);
      const xml = buildBootSectorXml(name, image).replace('<devices>', `<devices>\n    ${g}`);
      const dom = await fx.conn.domainDefineXML(xml);
      await fx.conn.domainCreate(dom);
      pids.push(readPidFile(fx.root, name));
      try {
        const vnc = await ByteClient.open(`${fx.url}/vnc/${name}`, ['binary']);
        expect(vnc.ws.protocol).toBe('binary');
        await vnc.waitText('RFB 003.008\n', 5_000);
        expect(vnc.text.slice(0, 12)).toBe('RFB 003.008\n');
        vnc.ws.close();
      } finally {
        await fx.conn.domainDestroy(dom);
      }
    }
  });

  it('finds the VNC server in live domain XML', () => {
    expect(
      findVncTarget('a', "<domain><graphics type='vnc' port='5901' autoport='yes' listen='127.0.0.1'>"),
    ).toEqual({
      host: '127.0.0.1',
      port: 5901,
    });
    expect(findVncTarget('a', `<graphics type="vnc" socket="/run/a&amp;b.vnc"/>`)).toEqual({
      path: '/run/a&b.vnc',
    });
    expect(() => findVncTarget('a', "<graphics type='vnc' port='-1' autoport='yes'/>")).toThrow(
      /no port yet/,
    );
    expect(() => findVncTarget('a', '<domain/>')).toThrow(/has no VNC graphics/);
  });
});
