/**
 * Our own RemoteConnection against the server, through the whole Connection interface: every codec is
 * exercised in both directions (client encodes args, server decodes; server encodes rets, client decodes).
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../../scripts/guests/paths.js';
import type { DomainLifecycleEvent, PoolLifecycleEvent } from '../../../src/connection.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { connectRemote, type RemoteConnection } from '../../../src/remote/index.js';
import { buildBootSectorXml, isAlive, readPidFile, waitUntil } from '../../driver/helpers.js';
import { startTestServer, type TestServer } from './server-fixture.js';

const hasQemu = findQemuBinary() !== undefined;
if (!hasQemu) console.warn('skipping RemoteConnection-against-server tests: qemu-system-x86_64 is absent');

let srv: TestServer;
let c: RemoteConnection;
const pids: number[] = [];

beforeAll(async () => {
  srv = await startTestServer();
  c = await connectRemote(srv.unixUri);
});

afterAll(async () => {
  await c.close();
  expect(await srv.stop()).toEqual([]);
  for (const pid of pids) expect(isAlive(pid)).toBe(false);
});

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('host', () => {
  it('reports type, versions, hostname, capabilities, node info and max vCPUs', async () => {
    expect(await c.getType()).toBe('QEMU');
    expect(await c.getVersion()).toBe(await srv.conn.getVersion());
    expect(await c.getLibVersion()).toBe(await srv.conn.getLibVersion());
    expect(await c.getHostname()).toBe(hostname());
    expect(await c.getCapabilities()).toBe(await srv.conn.getCapabilities());
    expect(await c.getNodeInfo()).toEqual(await srv.conn.getNodeInfo());
    expect(await c.getMaxVcpus()).toBe(255);
  });
});

describe.skipIf(!hasQemu)('domains', () => {
  it('runs a boot-sector guest through its life, with events in order', async () => {
    const guests = await ensureGuests();
    const image = join(srv.root, 'boot.img');
    await copyFile(guests.bootSectorImage, image);
    const events: DomainLifecycleEvent[] = [];
    const sub = await c.onDomainLifecycle((ev) => events.push(ev));
    const dom = await c.domainDefineXML(buildBootSectorXml('rc1', image, { vcpus: 2 }));
    expect(dom.id).toBe(-1);
    expect(await c.lookupDomainByName('rc1')).toEqual(dom);
    expect(await c.lookupDomainByUUID(dom.uuid)).toEqual(dom);
    expect((await c.listAllDomains(2)).map((d) => d.name)).toEqual(['rc1']);
    expect(await c.domainIsPersistent(dom)).toBe(true);
    expect(await c.domainGetOSType(dom)).toBe('hvm');
    await c.domainSetAutostart(dom, true);
    expect(await c.domainGetAutostart(dom)).toBe(true);
    const running = await c.domainCreate(dom);
    pids.push(readPidFile(srv.root, 'rc1'));
    expect(running.id).toBeGreaterThan(0);
    expect(await c.lookupDomainByID(running.id)).toEqual(running);
    expect(await c.domainIsActive(dom)).toBe(true);
    expect(await c.domainGetState(dom)).toEqual({ state: 1, reason: 1 });
    const info = await c.domainGetInfo(dom);
    expect([info.state, info.maxMemKiB, info.nrVirtCpu]).toEqual([1, 65536n, 2]);
    expect(await c.domainGetXMLDesc(dom)).toBe(await srv.conn.domainGetXMLDesc(dom));
    const vcpus = await c.domainGetVcpus(dom);
    expect(vcpus.map((v) => v.number)).toEqual([0, 1]);
    await c.domainPinVcpu(dom, 1, [0], 1);
    expect((await c.domainGetVcpus(dom))[1]?.affinity).toEqual([0]);
    expect((await c.domainGetVcpuPinInfo(dom, 0)).length).toBe(2);
    await c.domainSetMemory(dom, 32768n, 1);
    expect((await c.domainMemoryStats(dom)).length).toBeGreaterThan(0);
    await c.domainSuspend(dom);
    expect((await c.domainGetState(dom)).state).toBe(3);
    await c.domainResume(dom);
    await c.domainReset(dom);
    await c.domainDestroy(dom);
    expect((await c.domainGetState(dom)).state).toBe(5);
    await c.domainUndefine(dom);
    await expect(c.lookupDomainByName('rc1')).rejects.toMatchObject({
      code: 'ERR_DOMAIN_NOT_FOUND',
      message: "Domain not found: no domain with matching name 'rc1'",
    });
    await waitUntil(() => events.length >= 6, 5_000, 'six lifecycle events');
    sub.unsubscribe();
    expect(events.map((e) => [e.event, e.detail])).toEqual([
      [0, 0], // defined added
      [2, 0], // started booted
      [3, 0], // suspended paused
      [4, 0], // resumed unpaused
      [5, 1], // stopped destroyed
      [1, 0], // undefined removed
    ]);
  });

  it('starts and destroys a transient guest from XML', async () => {
    const guests = await ensureGuests();
    const image = join(srv.root, 'boot2.img');
    await copyFile(guests.bootSectorImage, image);
    const dom = await c.domainCreateXML(buildBootSectorXml('rc2', image));
    pids.push(readPidFile(srv.root, 'rc2'));
    expect(dom.id).toBeGreaterThan(0);
    expect(await c.domainIsPersistent(dom)).toBe(false);
    await c.domainDestroy(dom, 0);
    await expect(c.lookupDomainByName('rc2')).rejects.toMatchObject({ code: 'ERR_DOMAIN_NOT_FOUND' });
  });
});

describe('storage', () => {
  it('defines, builds, starts and fills a dir pool, with pool events', async () => {
    const events: PoolLifecycleEvent[] = [];
    const sub = await c.onStoragePoolLifecycle((ev) => events.push(ev));
    const dir = join(srv.root, 'p1dir');
    const pool = await c.storagePoolDefineXML(
      `<pool type='dir'><name>p1</name><target><path>${dir}</path></target></pool>`,
    );
    expect(await c.lookupStoragePoolByUUID(pool.uuid)).toEqual(pool);
    await c.storagePoolBuild(pool);
    await c.storagePoolCreate(pool);
    expect(await c.storagePoolIsActive(pool)).toBe(true);
    expect(await c.storagePoolIsPersistent(pool)).toBe(true);
    await c.storagePoolSetAutostart(pool, true);
    expect(await c.storagePoolGetAutostart(pool)).toBe(true);
    expect((await c.storagePoolGetInfo(pool)).state).toBe(2);
    expect(await c.storagePoolGetXMLDesc(pool)).toContain('<name>p1</name>');
    const vol = await c.storageVolCreateXML(
      pool,
      '<volume><name>a.img</name><capacity>1048576</capacity></volume>',
    );
    expect(vol).toEqual({ pool: 'p1', name: 'a.img', key: join(dir, 'a.img') });
    const clone = await c.storageVolCreateXMLFrom(
      pool,
      '<volume><name>b.img</name><capacity>1048576</capacity></volume>',
      vol,
    );
    expect(await c.storageVolLookupByName(pool, 'b.img')).toEqual(clone);
    expect(await c.storageVolLookupByKey(vol.key)).toEqual(vol);
    expect(await c.storageVolLookupByPath(join(dir, 'a.img'))).toEqual(vol);
    expect(await c.lookupStoragePoolByVolume(vol)).toEqual(pool);
    expect(await c.storageVolGetPath(vol)).toBe(join(dir, 'a.img'));
    await c.storageVolResize(vol, 2n * 1048576n);
    expect(await c.storageVolGetInfo(vol)).toMatchObject({ type: 0, capacity: 2097152n });
    expect(await c.storageVolGetXMLDesc(vol)).toContain('<name>a.img</name>');
    await c.storageVolWipe(clone);
    expect((await c.storagePoolListAllVolumes(pool)).map((v) => v.name).sort()).toEqual(['a.img', 'b.img']);
    await c.storagePoolRefresh(pool);

    const data = randomBytes(700_000);
    await c.storageVolUpload(vol, Readable.from([data.subarray(0, 300_000), data.subarray(300_000)]));
    expect((await collect(await c.storageVolDownload(vol, 0n, BigInt(data.length)))).equals(data)).toBe(true);
    expect(
      (await collect(await c.storageVolDownload(vol, 1000n, 5000n))).equals(data.subarray(1000, 6000)),
    ).toBe(true);
    await c.storageVolUpload(vol, Readable.from([Buffer.from('XYZ')]), 10n, 3n);
    expect((await collect(await c.storageVolDownload(vol, 8n, 7n))).toString('latin1')).toBe(
      Buffer.concat([data.subarray(8, 10), Buffer.from('XYZ'), data.subarray(13, 15)]).toString('latin1'),
    );

    for (const v of [vol, clone]) await c.storageVolDelete(v);
    await c.storagePoolDestroy(pool);
    await c.storagePoolDelete(pool);
    await c.storagePoolUndefine(pool);
    await expect(c.lookupStoragePoolByName('p1')).rejects.toMatchObject({ code: 'ERR_POOL_NOT_FOUND' });
    await waitUntil(() => events.length >= 6, 5_000, 'pool events');
    sub.unsubscribe();
    expect(events.map((e) => [e.pool.name, e.event])).toEqual([
      ['p1', 0], // defined
      ['p1', 4], // created (built)
      ['p1', 2], // started
      ['p1', 3], // stopped
      ['p1', 5], // deleted
      ['p1', 1], // undefined
    ]);
  });

  it('creates a transient pool from XML and reports a failed download as the call error', async () => {
    const dir = join(srv.root, 'tdir');
    await mkdir(dir);
    const pool = await c.storagePoolCreateXML(
      `<pool type='dir'><name>t1</name><target><path>${dir}</path></target></pool>`,
    );
    expect(await c.storagePoolIsPersistent(pool)).toBe(false);
    expect((await c.listAllStoragePools()).map((p) => p.name)).toContain('t1');
    await expect(
      c.storageVolDownload({ pool: 't1', name: 'none', key: join(dir, 'none') }),
    ).rejects.toMatchObject({
      code: 'ERR_VOLUME_NOT_FOUND',
    });
    expect(await c.getType()).toBe('QEMU');
    await c.storagePoolDestroy(pool);
  });
});
