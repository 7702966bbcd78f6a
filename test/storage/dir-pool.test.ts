import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, unlinkSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { StorageDriver } from '../../src/storage/index.js';
import { ListPoolsFlags, VolResizeFlags, VolCreateFlags } from '../../src/api/storage-enums.js';
import { readImageInfo } from '../../src/storage/qemu-img.js';
import type { PoolRef } from '../../src/connection.js';

const GiB = 1024n ** 3n;
const MiB = 1024n ** 2n;

/** Volume XML as virsh vol-create-as writes it. */
function volXml(name: string, capacity: bigint, format = 'raw', extra = ''): string {
  return `<volume><name>${name}</name><capacity>${capacity}</capacity><allocation>0</allocation><target><format type='${format}'/></target>${extra}</volume>`;
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('dir pool, with the real qemu-img', () => {
  let root: string;
  let driver: StorageDriver;
  let pool: PoolRef;
  let images: string;
  const busy = new Map<string, string>();

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'tsvirt-storage-'));
    images = join(root, 'images');
    driver = await StorageDriver.open({ root, isVolumeInUse: (path) => busy.get(path) });
    pool = await driver.lookupStoragePoolByName('default');
  });

  afterEach(async () => {
    await driver.close();
    busy.clear();
    rmSync(root, { recursive: true, force: true });
  });

  it('defines, builds, starts and autostarts the default pool at ROOT/images on a fresh root', async () => {
    expect(await driver.listAllStoragePools(ListPoolsFlags.ACTIVE)).toEqual([pool]);
    expect(await driver.storagePoolIsActive(pool)).toBe(true);
    expect(await driver.storagePoolGetAutostart(pool)).toBe(true);
    expect(statSync(images).isDirectory()).toBe(true);
    expect(readFileSync(join(root, 'etc/storage/default.xml'), 'utf8')).toContain(`<path>${images}</path>`);
    const info = await driver.storagePoolGetInfo(pool);
    expect(info.state).toBe(2);
    expect(info.capacity).toBeGreaterThan(info.available);
    expect(await driver.storagePoolGetXMLDesc(pool)).toMatch(
      /<pool type='dir'>[\s\S]*<capacity unit='bytes'>\d+<\/capacity>/,
    );
  });

  it('creates kvm1.img as an 8 GiB sparse raw file that ls shows as 8589934592 bytes', async () => {
    const vol = await driver.storageVolCreateXML(pool, volXml('kvm1.img', 8n * GiB));
    expect(vol).toEqual({ pool: 'default', name: 'kvm1.img', key: join(images, 'kvm1.img') });
    const st = statSync(join(images, 'kvm1.img'));
    expect(st.size).toBe(8589934592);
    expect(st.blocks * 512).toBeLessThan(1024 * 1024);
    expect(await driver.storageVolGetInfo(vol)).toEqual({
      type: 0,
      capacity: 8n * GiB,
      allocation: BigInt(st.blocks * 512),
    });
    expect(await driver.storageVolGetPath(vol)).toBe(join(images, 'kvm1.img'));
    expect(await driver.resolveVolume('default', 'kvm1.img')).toEqual({
      path: join(images, 'kvm1.img'),
      kind: 'file',
      format: 'raw',
    });
    expect(await driver.storageVolLookupByPath(join(images, 'kvm1.img'))).toEqual(vol);
    expect(await driver.storageVolLookupByKey(vol.key)).toEqual(vol);
    expect(await driver.lookupStoragePoolByVolume(vol)).toEqual(pool);
  });

  it('preallocates a raw volume whose XML gives no allocation, as libvirt does', async () => {
    await driver.storageVolCreateXML(
      pool,
      `<volume><name>full.img</name><capacity unit='M'>4</capacity></volume>`,
    );
    expect(statSync(join(images, 'full.img')).blocks * 512).toBeGreaterThanOrEqual(4 * 1024 * 1024);
  });

  it('makes qcow2 and vmdk volumes that qemu-img reports in their format', async () => {
    await driver.storageVolCreateXML(pool, volXml('a.qcow2', 8n * GiB, 'qcow2'));
    await driver.storageVolCreateXML(pool, volXml('b.vmdk', GiB, 'vmdk'));
    await driver.storageVolCreateXML(pool, volXml('c.qcow2', GiB, 'qcow2'), VolCreateFlags.PREALLOC_METADATA);
    expect(await readImageInfo(join(images, 'a.qcow2'))).toMatchObject({
      format: 'qcow2',
      virtualSizeBytes: 8n * GiB,
    });
    expect(await readImageInfo(join(images, 'b.vmdk'))).toMatchObject({
      format: 'vmdk',
      virtualSizeBytes: GiB,
    });
    expect(statSync(join(images, 'c.qcow2')).size).toBeGreaterThan(statSync(join(images, 'a.qcow2')).size);
    const xml = await driver.storageVolGetXMLDesc(await driver.storageVolLookupByName(pool, 'a.qcow2'));
    expect(xml).toContain("<format type='qcow2'/>");
    const names = (await driver.storagePoolListAllVolumes(pool)).map((v) => v.name).sort();
    expect(names).toEqual(['a.qcow2', 'b.vmdk', 'c.qcow2']);
  });

  it('makes a qcow2 overlay on a backing volume', async () => {
    const base = await driver.storageVolCreateXML(pool, volXml('base.img', 64n * MiB));
    const backing = `<backingStore><path>${base.key}</path><format type='raw'/></backingStore>`;
    const overlay = await driver.storageVolCreateXML(
      pool,
      volXml('overlay.qcow2', 64n * MiB, 'qcow2', backing),
    );
    const info = await readImageInfo(overlay.key);
    expect(info).toMatchObject({ format: 'qcow2', backingFilename: base.key, backingFormat: 'raw' });
    expect(await driver.storageVolGetXMLDesc(overlay)).toContain(
      `<backingStore>\n    <path>${base.key}</path>`,
    );
  });

  it('clones a volume into another format with its data', async () => {
    const src = await driver.storageVolCreateXML(pool, volXml('src.img', 4n * MiB));
    await driver.uploadVolume(src, Readable.from([Buffer.from('hello clone')]), { offset: 4096 });
    const clone = await driver.storageVolCreateXMLFrom(pool, volXml('clone.qcow2', 0n, 'qcow2'), src);
    expect(await readImageInfo(clone.key)).toMatchObject({ format: 'qcow2', virtualSizeBytes: 4n * MiB });
    const back = await driver.storageVolCreateXMLFrom(pool, volXml('back.img', 0n, 'raw'), clone);
    expect(readFileSync(back.key).subarray(4096, 4107).toString()).toBe('hello clone');
  });

  it('grows a volume, and shrinks it only with the shrink flag', async () => {
    const vol = await driver.storageVolCreateXML(pool, volXml('r.img', 8n * MiB));
    await driver.storageVolResize(vol, 16n * MiB);
    expect(statSync(vol.key).size).toBe(16 * 1024 * 1024);
    await driver.storageVolResize(vol, 4n * MiB, VolResizeFlags.DELTA);
    expect((await driver.storageVolGetInfo(vol)).capacity).toBe(20n * MiB);
    const err = await driver.storageVolResize(vol, 2n * MiB).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ERR_INVALID_ARG',
      message: expect.stringMatching(/would shrink .* pass the shrink flag/),
    });
    expect(statSync(vol.key).size).toBe(20 * 1024 * 1024);
    await driver.storageVolResize(vol, 2n * MiB, VolResizeFlags.SHRINK);
    expect(statSync(vol.key).size).toBe(2 * 1024 * 1024);
  });

  it('wipes a raw volume to zeros and a qcow2 volume to an empty image of the same size', async () => {
    const raw = await driver.storageVolCreateXML(pool, volXml('w.img', MiB));
    await driver.uploadVolume(raw, Readable.from([Buffer.alloc(4096, 0xab)]));
    await driver.storageVolWipe(raw);
    const bytes = readFileSync(raw.key);
    expect(bytes.length).toBe(1024 * 1024);
    expect(bytes.every((b) => b === 0)).toBe(true);
    const q = await driver.storageVolCreateXML(pool, volXml('w.qcow2', GiB, 'qcow2'));
    await driver.storageVolWipe(q);
    expect(await readImageInfo(q.key)).toMatchObject({ format: 'qcow2', virtualSizeBytes: GiB });
  });

  it('deletes a volume, but not one a running domain uses', async () => {
    const vol = await driver.storageVolCreateXML(pool, volXml('d.img', MiB));
    busy.set(vol.key, 'kvm1');
    for (const act of [
      () => driver.storageVolDelete(vol),
      () => driver.storageVolWipe(vol),
      () => driver.storageVolResize(vol, 1n, VolResizeFlags.SHRINK),
    ]) {
      await expect(act()).rejects.toMatchObject({ code: 'ERR_VOLUME_IN_USE', fields: { domain: 'kvm1' } });
    }
    expect(statSync(vol.key).size).toBe(1024 * 1024);
    busy.clear();
    await driver.storageVolDelete(vol);
    expect(readdirSync(images)).toEqual([]);
    await expect(driver.storageVolGetInfo(vol)).rejects.toMatchObject({
      code: 'ERR_VOLUME_NOT_FOUND',
      message: "Storage volume not found: no storage vol with matching name 'd.img'",
    });
  });

  it('lets only one of two concurrent creates of the same name succeed', async () => {
    const results = await Promise.allSettled([
      driver.storageVolCreateXML(pool, volXml('race.img', MiB)),
      driver.storageVolCreateXML(pool, volXml('race.img', MiB)),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({
      reason: { code: 'ERR_VOLUME_EXISTS' },
    });
    expect(readdirSync(images)).toEqual(['race.img']);
  });

  it('picks up on refresh a file added behind its back and drops a removed one', async () => {
    const gone = await driver.storageVolCreateXML(pool, volXml('gone.img', MiB));
    writeFileSync(join(images, 'added.img'), Buffer.alloc(65536));
    unlinkSync(gone.key);
    await expect(driver.storageVolLookupByName(pool, 'added.img')).rejects.toMatchObject({
      code: 'ERR_VOLUME_NOT_FOUND',
    });
    await driver.storagePoolRefresh(pool);
    expect((await driver.storagePoolListAllVolumes(pool)).map((v) => v.name)).toEqual(['added.img']);
    expect(
      await driver.storageVolGetInfo(await driver.storageVolLookupByName(pool, 'added.img')),
    ).toMatchObject({ capacity: 65536n });
  });

  it('uploads and downloads with offset and length', async () => {
    const vol = await driver.storageVolCreateXML(pool, volXml('io.img', MiB));
    const written = await driver.uploadVolume(
      vol,
      Readable.from([Buffer.from('0123456789'), Buffer.from('abcdef')]),
      { offset: 100, length: 12 },
    );
    expect(written).toBe(12);
    const file = readFileSync(vol.key);
    expect(file.subarray(100, 112).toString()).toBe('0123456789ab');
    expect(file[112]).toBe(0);
    expect(file.length).toBe(1024 * 1024);
    expect((await collect(await driver.downloadVolume(vol, { offset: 102, length: 5 }))).toString()).toBe(
      '23456',
    );
    expect((await collect(await driver.downloadVolume(vol))).length).toBe(1024 * 1024);
    await expect(driver.downloadVolume(vol, { offset: 2 * 1024 * 1024 })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG',
      fields: { field: 'offset' },
    });
  });
});
