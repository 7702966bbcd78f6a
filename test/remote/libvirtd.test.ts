/**
 * RemoteConnection against a real libvirtd (its built-in test driver), over TCP and the unix socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRemote, type RemoteConnection } from '../../src/remote/index.js';
import type { DomainLifecycleEvent, PoolLifecycleEvent } from '../../src/connection.js';
import { isAlive, LIBVIRTD, startLibvirtd, type Libvirtd } from './libvirtd-fixture.js';

const missing = LIBVIRTD === undefined || process.getuid?.() !== 0;
if (missing)
  console.warn('skipping libvirtd tests: needs /usr/sbin/libvirtd (Debian libvirt-daemon) and root');

let daemon: Libvirtd;
let conn: RemoteConnection;

const TEST_UUID = '6695eb01-f6a4-8304-79aa-97f2502e193f';

async function until<T>(get: () => T[], n: number): Promise<T[]> {
  await expect.poll(() => get().length, { timeout: 3000 }).toBeGreaterThanOrEqual(n);
  return get();
}

describe.skipIf(missing)('RemoteConnection against libvirtd', () => {
  beforeAll(async () => {
    daemon = await startLibvirtd();
    conn = await connectRemote(`test+tcp://127.0.0.1:${daemon.port}/default`, { timeoutMs: 5000 });
  });

  afterAll(async () => {
    await conn?.close();
    if (daemon) {
      await daemon.stop();
      expect(isAlive(daemon.pid)).toBe(false);
    }
  });

  it('reports the test driver host: type, versions, hostname, node info, capabilities', async () => {
    expect(await conn.getType()).toBe('TEST');
    expect(await conn.getLibVersion()).toBeGreaterThanOrEqual(9_000_000n);
    expect(typeof (await conn.getVersion())).toBe('bigint');
    expect((await conn.getHostname()).length).toBeGreaterThan(0);
    expect(await conn.getNodeInfo()).toEqual({
      model: 'i686',
      memoryKiB: 3145728n,
      cpus: 16,
      mhz: 1400,
      nodes: 2,
      sockets: 2,
      cores: 2,
      threads: 2,
    });
    expect(await conn.getCapabilities()).toContain('<capabilities>');
    expect(await conn.getMaxVcpus()).toBeGreaterThan(0);
  });

  it('lists the running domain "test" and finds it by name, id and uuid', async () => {
    const doms = await conn.listAllDomains();
    expect(doms).toEqual([{ name: 'test', uuid: TEST_UUID, id: 1 }]);
    expect(await conn.lookupDomainByName('test')).toEqual(doms[0]);
    expect(await conn.lookupDomainByID(1)).toEqual(doms[0]);
    expect(await conn.lookupDomainByUUID(TEST_UUID)).toEqual(doms[0]);
  });

  it('reads info, state, xml, os type, flags and vCPUs of "test"', async () => {
    const dom = await conn.lookupDomainByName('test');
    const info = await conn.domainGetInfo(dom);
    expect(info).toMatchObject({ state: 1, maxMemKiB: 8388608n, memoryKiB: 2097152n, nrVirtCpu: 2 });
    expect(await conn.domainGetState(dom)).toEqual({ state: 1, reason: expect.any(Number) });
    expect(await conn.domainGetXMLDesc(dom)).toContain('<name>test</name>');
    expect(await conn.domainGetOSType(dom)).toBe('linux');
    expect(await conn.domainIsActive(dom)).toBe(true);
    expect(await conn.domainIsPersistent(dom)).toBe(true);
    expect(await conn.domainGetAutostart(dom)).toBe(false);
    const vcpus = await conn.domainGetVcpus(dom);
    expect(vcpus.map((v) => v.number)).toEqual([0, 1]);
    expect(vcpus[0]?.affinity.length).toBeGreaterThan(0);
    expect((await conn.domainGetVcpuPinInfo(dom)).length).toBe(2);
    const stats = await conn.domainMemoryStats(dom);
    expect(stats.find((s) => s.tag === 6)?.val).toBe(2097152n);
  });

  it('delivers lifecycle events for suspend and resume in order, until unsubscribed', async () => {
    const dom = await conn.lookupDomainByName('test');
    const events: DomainLifecycleEvent[] = [];
    const sub = await conn.onDomainLifecycle((ev) => events.push(ev));
    await conn.domainSuspend(dom);
    expect((await conn.domainGetState(dom)).state).toBe(3);
    await conn.domainResume(dom);
    const got = await until(() => events, 2);
    expect(got.map((e) => [e.dom.name, e.event, e.detail])).toEqual([
      ['test', 3, 0],
      ['test', 4, 0],
    ]);
    sub.unsubscribe();
    await conn.domainSuspend(dom);
    await conn.domainResume(dom);
    await conn.getType(); // a round trip, so any late event would have arrived
    expect(events).toHaveLength(2);
  });

  it('destroys and starts a domain; the restarted domain carries its new id', async () => {
    const dom = await conn.lookupDomainByName('test');
    const events: DomainLifecycleEvent[] = [];
    const sub = await conn.onDomainLifecycle((ev) => events.push(ev), dom);
    await conn.domainDestroy(dom);
    const off = await conn.lookupDomainByName('test');
    expect(off.id).toBe(-1);
    expect(await conn.domainGetState(off)).toEqual({ state: 5, reason: 2 });
    const started = await conn.domainCreate(off);
    expect(started.id).toBeGreaterThan(0);
    expect(await conn.domainIsActive(started)).toBe(true);
    const got = await until(() => events, 2);
    expect(got.map((e) => [e.event, e.detail])).toEqual([
      [5, 1],
      [2, 0],
    ]);
    expect(got[0]?.dom.id).toBe(-1);
    sub.unsubscribe();
  });

  it('defines, starts, destroys and undefines a new domain', async () => {
    const xml = `<domain type='test'><name>tsvirt-t1</name><memory>1024</memory><os><type>hvm</type></os></domain>`;
    const dom = await conn.domainDefineXML(xml);
    expect(dom).toMatchObject({ name: 'tsvirt-t1', id: -1 });
    expect(await conn.domainIsPersistent(dom)).toBe(true);
    const running = await conn.domainCreate(dom);
    expect(running.id).toBeGreaterThan(0);
    await conn.domainDestroy(running);
    await conn.domainUndefine(dom);
    await expect(conn.lookupDomainByName('tsvirt-t1')).rejects.toMatchObject({
      code: 'ERR_DOMAIN_NOT_FOUND',
    });
  });

  it('changes autostart, memory and vCPU pinning, and reads them back', async () => {
    const dom = await conn.lookupDomainByName('test');
    await conn.domainSetAutostart(dom, true);
    expect(await conn.domainGetAutostart(dom)).toBe(true);
    await conn.domainSetAutostart(dom, false);
    await conn.domainSetMemory(dom, 1048576n);
    expect((await conn.domainGetInfo(dom)).memoryKiB).toBe(1048576n);
    await conn.domainSetMemory(dom, 1048000n, 1);
    expect((await conn.domainGetInfo(dom)).memoryKiB).toBe(1048000n);
    await conn.domainPinVcpu(dom, 0, [1, 3]);
    await conn.domainPinVcpu(dom, 1, [2], 0);
    expect((await conn.domainGetVcpus(dom)).map((v) => v.affinity)).toEqual([[1, 3], [2]]);
    expect(await conn.domainGetVcpuPinInfo(dom)).toEqual([[1, 3], [2]]);
  });

  it('reboots, resets, shuts down and restarts a domain; createXML makes a transient one', async () => {
    const dom = await conn.lookupDomainByName('test');
    await conn.domainReboot(dom);
    await conn.domainReset(dom);
    await conn.domainShutdown(dom);
    expect(await conn.domainGetState(dom)).toEqual({ state: 5, reason: 1 });
    const again = await conn.domainCreate(dom);
    await conn.domainShutdown(again, 0);
    await conn.domainCreate(dom);
    const xml = `<domain type='test'><name>tsvirt-tr</name><memory>1024</memory><os><type>hvm</type></os></domain>`;
    const transient = await conn.domainCreateXML(xml);
    expect(transient.id).toBeGreaterThan(0);
    expect(await conn.domainIsPersistent(transient)).toBe(false);
    await conn.domainDestroy(transient, 0);
    await expect(conn.lookupDomainByName('tsvirt-tr')).rejects.toMatchObject({
      code: 'ERR_DOMAIN_NOT_FOUND',
    });
  });

  it('maps a missing domain to ERR_DOMAIN_NOT_FOUND with libvirt numbers and message', async () => {
    const err = await conn.lookupDomainByName('no-such-domain').catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ERR_DOMAIN_NOT_FOUND',
      fields: { libvirtCode: 42, libvirtDomain: 12 },
    });
    expect((err as Error).message).toMatch(/not found/i);
  });

  it('maps an operation on a stopped domain to ERR_OPERATION_INVALID', async () => {
    const dom = await conn.domainDefineXML(
      `<domain type='test'><name>tsvirt-t2</name><memory>1024</memory><os><type>hvm</type></os></domain>`,
    );
    await expect(conn.domainDestroy(dom)).rejects.toMatchObject({ code: 'ERR_OPERATION_INVALID' });
    await conn.domainUndefine(dom, 0);
  });

  it('lists default-pool and reads its info, xml and flags', async () => {
    const pools = await conn.listAllStoragePools();
    expect(pools.map((p) => p.name)).toContain('default-pool');
    const pool = await conn.lookupStoragePoolByName('default-pool');
    expect(await conn.lookupStoragePoolByUUID(pool.uuid)).toEqual(pool);
    const info = await conn.storagePoolGetInfo(pool);
    expect(info.state).toBe(2);
    expect(info.capacity).toBeGreaterThan(0n);
    expect(await conn.storagePoolGetXMLDesc(pool)).toContain('<name>default-pool</name>');
    expect(await conn.storagePoolIsActive(pool)).toBe(true);
    expect(await conn.storagePoolIsPersistent(pool)).toBe(true);
    expect(typeof (await conn.storagePoolGetAutostart(pool))).toBe('boolean');
    await conn.storagePoolRefresh(pool);
  });

  it('creates, inspects, finds and deletes a volume', async () => {
    const pool = await conn.lookupStoragePoolByName('default-pool');
    const xml = '<volume><name>tsv-v1</name><capacity>10485760</capacity></volume>';
    const vol = await conn.storageVolCreateXML(pool, xml);
    expect(vol).toMatchObject({ pool: 'default-pool', name: 'tsv-v1' });
    expect(await conn.storageVolGetInfo(vol)).toMatchObject({ capacity: 10485760n });
    const path = await conn.storageVolGetPath(vol);
    expect(path).toContain('tsv-v1');
    expect(await conn.storageVolLookupByName(pool, 'tsv-v1')).toEqual(vol);
    expect(await conn.storageVolLookupByKey(vol.key)).toEqual(vol);
    expect(await conn.storageVolLookupByPath(path)).toEqual(vol);
    expect(await conn.lookupStoragePoolByVolume(vol)).toEqual(pool);
    expect(await conn.storageVolGetXMLDesc(vol)).toContain('<name>tsv-v1</name>');
    expect((await conn.storagePoolListAllVolumes(pool)).map((v) => v.name)).toContain('tsv-v1');
    await conn.storageVolDelete(vol);
    await expect(conn.storageVolLookupByName(pool, 'tsv-v1')).rejects.toMatchObject({
      code: 'ERR_VOLUME_NOT_FOUND',
    });
  });

  it('clones a volume, sets pool autostart, and reports what the test driver lacks as ERR_NOT_SUPPORTED', async () => {
    const pool = await conn.lookupStoragePoolByName('default-pool');
    await conn.storagePoolSetAutostart(pool, true);
    expect(await conn.storagePoolGetAutostart(pool)).toBe(true);
    await conn.storagePoolSetAutostart(pool, false);
    const src = await conn.storageVolCreateXML(
      pool,
      '<volume><name>tsv-a</name><capacity>1048576</capacity></volume>',
    );
    const copy = await conn.storageVolCreateXMLFrom(
      pool,
      '<volume><name>tsv-b</name><capacity>1048576</capacity></volume>',
      src,
    );
    expect(copy).toMatchObject({ pool: 'default-pool', name: 'tsv-b' });
    await expect(conn.storageVolResize(src, 2097152n)).rejects.toMatchObject({
      code: 'ERR_NOT_SUPPORTED',
      fields: { libvirtCode: 3 },
    });
    await expect(conn.storageVolWipe(src)).rejects.toMatchObject({ code: 'ERR_NOT_SUPPORTED' });
    await conn.storageVolDelete(copy);
    await conn.storageVolDelete(src);
  });

  it('creates a transient pool, and builds and deletes a defined one', async () => {
    const transient = await conn.storagePoolCreateXML(
      `<pool type='dir'><name>tsv-px</name><target><path>/tsvirt-test-x</path></target></pool>`,
    );
    expect(await conn.storagePoolIsPersistent(transient)).toBe(false);
    await conn.storagePoolDestroy(transient);
    const pool = await conn.storagePoolDefineXML(
      `<pool type='dir'><name>tsv-py</name><target><path>/tsvirt-test-y</path></target></pool>`,
    );
    await conn.storagePoolBuild(pool);
    await conn.storagePoolDelete(pool);
    await conn.storagePoolUndefine(pool);
    await expect(conn.lookupStoragePoolByName('tsv-py')).rejects.toMatchObject({
      code: 'ERR_POOL_NOT_FOUND',
    });
  });

  it('delivers storage pool lifecycle events for define, start, stop and undefine', async () => {
    const events: PoolLifecycleEvent[] = [];
    const sub = await conn.onStoragePoolLifecycle((ev) => events.push(ev));
    const pool = await conn.storagePoolDefineXML(
      `<pool type='dir'><name>tsv-p1</name><target><path>/tsvirt-test-nonexistent</path></target></pool>`,
    );
    await conn.storagePoolCreate(pool);
    await conn.storagePoolDestroy(pool);
    await conn.storagePoolUndefine(pool);
    const got = await until(() => events, 4);
    expect(got.map((e) => [e.pool.name, e.event])).toEqual([
      ['tsv-p1', 0],
      ['tsv-p1', 2],
      ['tsv-p1', 3],
      ['tsv-p1', 1],
    ]);
    sub.unsubscribe();
    await expect(conn.lookupStoragePoolByName('tsv-p1')).rejects.toMatchObject({
      code: 'ERR_POOL_NOT_FOUND',
    });
  });

  it('speaks the same protocol over the unix socket', async () => {
    const unix = await connectRemote(`test+unix:///default?socket=${daemon.sockDir}/libvirt-sock`);
    try {
      expect(await unix.getType()).toBe('TEST');
      expect((await unix.listAllDomains()).map((d) => d.name)).toContain('test');
    } finally {
      await unix.close();
    }
  });

  it('opens read-only over the read-only socket, where changes are refused', async () => {
    const ro = await connectRemote(`test+unix:///default?socket=${daemon.sockDir}/libvirt-sock-ro`, {
      readOnly: true,
    });
    try {
      const dom = await ro.lookupDomainByName('test');
      await expect(ro.domainSuspend(dom)).rejects.toMatchObject({ code: 'ERR_ACCESS_DENIED' });
    } finally {
      await ro.close();
    }
  });

  it('fails calls after close with ERR_CONNECTION_CLOSED', async () => {
    const c = await connectRemote(`test+tcp://127.0.0.1:${daemon.port}/default`);
    await c.close();
    await expect(c.getType()).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
  });

  it('reports a refused port as ERR_CONNECTION_CLOSED naming the address', async () => {
    await expect(connectRemote('test+tcp://127.0.0.1:1/default', { timeoutMs: 2000 })).rejects.toMatchObject({
      code: 'ERR_CONNECTION_CLOSED',
      message: expect.stringContaining('127.0.0.1:1'),
    });
  });
});
