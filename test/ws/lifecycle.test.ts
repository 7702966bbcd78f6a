import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainState } from '../../src/connection.js';
import { isTsvirtError } from '../../src/errors.js';
import { WsConnection } from '../../src/ws/index.js';
import { ensureGuests } from '../../scripts/guests/paths.js';
import { buildBootSectorXml, isAlive, readPidFile, waitUntil } from '../driver/helpers.js';
import { RpcClient, startFixture, type WsFixture } from './helpers.js';

const EV = { started: 2, suspended: 3, resumed: 4, stopped: 5 } as const;

describe('ws JSON-RPC API with a real guest', () => {
  let fx: WsFixture;
  let image: string;
  beforeAll(async () => {
    const guests = await ensureGuests();
    fx = await startFixture({ maxBufferedBytes: 256 * 1024 });
    image = join(fx.root, 'boot.img');
    await copyFile(guests.bootSectorImage, image);
  });
  afterAll(async () => {
    expect(await fx.close()).toEqual([]);
  });

  it('runs a guest through its lifecycle and pushes its events in order', async () => {
    const c = await RpcClient.open(`${fx.url}/api`);
    const other = await RpcClient.open(`${fx.url}/api`);
    expect(await c.result('subscribe')).toEqual({
      events: [
        'domain.lifecycle',
        'pool.lifecycle',
        'pool.refresh',
        'domain.device-added',
        'domain.device-removed',
        'domain.device-removal-failed',
        'domain.metadata-change',
        'domain.block-job',
        'domain.block-job-2',
      ],
    });
    expect(await other.result('subscribe', { events: ['domain.lifecycle'] })).toEqual({
      events: ['domain.lifecycle'],
    });
    const dom = await c.result<{ name: string; uuid: string; id: number }>('domain.defineXML', {
      xml: buildBootSectorXml('ws-life', image),
    });
    expect(dom).toMatchObject({ name: 'ws-life', id: -1 });
    expect(await c.result('domain.create', { name: 'ws-life' })).toMatchObject({ name: 'ws-life' });
    const pid = readPidFile(fx.root, 'ws-life');
    try {
      const info = await c.result<Record<string, unknown>>('domain.getInfo', { uuid: dom.uuid });
      expect(info).toMatchObject({ state: DomainState.RUNNING, maxMemKiB: '65536', nrVirtCpu: 1 });
      expect(info.cpuTimeNs).toMatch(/^\d+$/);
      await c.result('domain.suspend', { name: 'ws-life' });
      expect(await c.result('domain.getState', { name: 'ws-life' })).toMatchObject({
        state: DomainState.PAUSED,
      });
      await c.result('domain.resume', { name: 'ws-life' });
      const disk = join(fx.root, 'extra.img');
      await writeFile(disk, Buffer.alloc(1 << 20));
      const xml = `<disk type='file'><source file='${disk}'/><target dev='vdb' bus='virtio'/></disk>`;
      await c.result('domain.attachDevice', { name: 'ws-life', xml, flags: 1 });
      await waitUntil(() => c.notifications('domain.device-added').length >= 1, 5_000, 'device-added');
      expect(c.notifications('domain.device-added')).toEqual([
        { dom: { name: 'ws-life', uuid: dom.uuid, id: expect.any(Number) }, devAlias: 'virtio-disk1' },
      ]);
      expect(other.notifications('domain.device-added')).toEqual([]); // subscribed to lifecycle only
      await c.result('domain.destroy', { name: 'ws-life', uuid: dom.uuid });
      expect(isAlive(pid)).toBe(false);
      const again = await c.call('domain.destroy', { name: 'ws-life' });
      expect(again.error?.data.code).toBe('ERR_OPERATION_INVALID');
      for (const client of [c, other]) {
        await waitUntil(() => client.notifications('domain.lifecycle').length >= 5, 10_000, 'five events');
        const events = client.notifications('domain.lifecycle').map((e) => e.event);
        expect(events).toEqual([0, EV.started, EV.suspended, EV.resumed, EV.stopped]);
      }
      expect(c.notifications('domain.lifecycle')[1]).toMatchObject({
        dom: { name: 'ws-life', uuid: dom.uuid },
      });
      await c.result('unsubscribe');
      await c.result('domain.undefine', { name: 'ws-life' });
      await waitUntil(() => other.notifications('domain.lifecycle').length >= 6, 5_000, 'undefined event');
      expect(c.notifications('domain.lifecycle')).toHaveLength(5);
    } finally {
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      c.close();
      other.close();
    }
  });

  it('drops a client that stops reading while another keeps getting answers', async () => {
    const slow = new WebSocket(`${fx.url}/api`);
    await new Promise((resolve) => slow.once('open', resolve));
    let closeCode: number | undefined;
    slow.on('close', (code) => (closeCode = code));
    slow.on('error', () => undefined);
    slow.send(JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'subscribe' }));
    slow.pause(); // stops reading from its socket: the server's replies pile up
    const fast = await RpcClient.open(`${fx.url}/api`);
    // An unknown method's error reply echoes its name twice: about 8 KiB out for each 4 KiB in, at no cost.
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'x'.repeat(4096) });
    const slowest: number[] = [];
    for (let round = 0; round < 40 && !fx.logs.some((l) => l.includes('slow consumer')); round++) {
      for (let i = 0; i < 200; i++) slow.send(big);
      const t0 = performance.now();
      expect(await fast.result('getHostname')).toEqual(expect.any(String));
      slowest.push(performance.now() - t0);
    }
    expect(fx.logs.filter((l) => l.includes('client dropped (slow consumer'))).toHaveLength(1);
    expect(Math.max(...slowest)).toBeLessThan(2_000);
    slow.resume();
    await waitUntil(() => closeCode !== undefined, 10_000, 'the slow client to be closed');
    expect([4008, 1006]).toContain(closeCode);
    expect(await fast.result('listAllDomains')).toEqual(expect.any(Array));
    fast.close();
  });

  it('drives the guest through WsConnection, the Connection over WebSocket', async () => {
    const conn = await WsConnection.connect(fx.url);
    try {
      expect(conn.readOnly).toBe(false);
      const dom = await conn.domainDefineXML(buildBootSectorXml('ws-client', image));
      const events: number[] = [];
      const sub = await conn.onDomainLifecycle((ev) => events.push(ev.event), dom);
      await conn.domainCreate(dom);
      const live = await conn.lookupDomainByName('ws-client');
      expect(live.id).toBeGreaterThan(0);
      const info = await conn.domainGetInfo(live);
      expect(info.maxMemKiB).toBe(65536n);
      expect(typeof info.cpuTimeNs).toBe('bigint');
      expect(await conn.domainIsActive(live)).toBe(true);
      await conn.domainDestroy(live);
      await waitUntil(() => events.includes(EV.stopped), 10_000, 'stopped event');
      expect(events).toEqual([EV.started, EV.stopped]);
      sub.unsubscribe();
      const pools = await conn.listAllStoragePools();
      const pool = pools.find((p) => p.name === 'default');
      if (pool) expect(typeof (await conn.storagePoolGetInfo(pool)).capacity).toBe('bigint');
      const err = await conn.lookupDomainByName('nope').catch((e: unknown) => e);
      expect(isTsvirtError(err, 'ERR_DOMAIN_NOT_FOUND')).toBe(true);
      expect((err as { fields: Record<string, unknown> }).fields.libvirtCode).toBe(42);
      await conn.domainUndefine(dom);
    } finally {
      await conn.close();
    }
    await expect(conn.listAllDomains()).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
  });
});
