import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageDriver } from '../../src/storage/index.js';
import type { PoolRef } from '../../src/connection.js';

const MiB = 1024n ** 2n;

function volXml(name: string, capacity: string, format = 'raw'): string {
  return `<volume><name>${name}</name><capacity>${capacity}</capacity><allocation>0</allocation><target><format type='${format}'/></target></volume>`;
}

/** Everything under a folder, with sizes, so a test can show that a failed call left the disk as it was. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((p) => `${p}:${statSync(join(dir, p)).size}`)
    .sort();
}

describe('storage driver bad input', () => {
  let root: string;
  let driver: StorageDriver;
  let pool: PoolRef;
  let before: string[];

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'tsvirt-storage-bad-'));
    driver = await StorageDriver.open({ root });
    pool = await driver.lookupStoragePoolByName('default');
    await driver.storageVolCreateXML(pool, volXml('taken.img', String(MiB)));
    before = snapshot(root);
  });

  afterEach(async () => {
    try {
      expect(snapshot(root)).toEqual(before);
    } finally {
      await driver.close();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it.each(['a/b', '.', '..', '', 'x\u0000y'])('refuses the volume name %j', async (name) => {
    await expect(driver.storageVolLookupByName(pool, name)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG',
      fields: { field: 'volume.name' },
    });
    const xml = `<volume><name>${name.replace('\u0000', '&#0;')}</name><capacity>1</capacity></volume>`;
    await expect(driver.storageVolCreateXML(pool, xml)).rejects.toHaveProperty('code');
  });

  it('names a missing pool in libvirt wording', async () => {
    await expect(driver.lookupStoragePoolByName('nope')).rejects.toMatchObject({
      code: 'ERR_POOL_NOT_FOUND',
      message: "Storage pool not found: no storage pool with matching name 'nope'",
    });
    await expect(
      driver.storageVolCreateXML({ name: 'nope', uuid: '' }, volXml('v', '1')),
    ).rejects.toMatchObject({ code: 'ERR_POOL_NOT_FOUND' });
    await expect(
      driver.lookupStoragePoolByUUID('00000000-0000-0000-0000-000000000000'),
    ).rejects.toMatchObject({ code: 'ERR_POOL_NOT_FOUND' });
  });

  it('refuses a duplicate volume, known or only on disk', async () => {
    await expect(driver.storageVolCreateXML(pool, volXml('taken.img', '2048'))).rejects.toMatchObject({
      code: 'ERR_VOLUME_EXISTS',
    });
    writeFileSync(join(root, 'images', 'sneaky.img'), 'x');
    before = snapshot(root);
    await expect(driver.storageVolCreateXML(pool, volXml('sneaky.img', '2048'))).rejects.toMatchObject({
      code: 'ERR_VOLUME_EXISTS',
    });
  });

  it('refuses a size that does not parse', async () => {
    await expect(driver.storageVolCreateXML(pool, volXml('v.img', '8 gigs'))).rejects.toMatchObject({
      code: 'ERR_XML_INVALID',
      fields: { field: 'volume.capacity' },
    });
    await expect(
      driver.storageVolCreateXML(pool, '<volume><name>v.img</name></volume>'),
    ).rejects.toMatchObject({ code: 'ERR_XML_INVALID' });
  });

  it('refuses a volume larger than the free space before creating anything', async () => {
    const { available } = await driver.storagePoolGetInfo(pool);
    const err = await driver
      .storageVolCreateXML(pool, volXml('huge.img', String(available + MiB)))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_NO_SPACE', fields: { pool: 'default', volume: 'huge.img' } });
    expect((err as Error).message).toMatch(
      /^storage volume 'huge.img' needs \d+ bytes but pool 'default' has \d+ free; free space/,
    );
    const vol = await driver.storageVolLookupByName(pool, 'taken.img');
    await expect(driver.storageVolResize(vol, available * 2n)).rejects.toMatchObject({
      code: 'ERR_NO_SPACE',
    });
  });

  it('refuses shrinking without the flag', async () => {
    const vol = await driver.storageVolLookupByName(pool, 'taken.img');
    await expect(driver.storageVolResize(vol, 4096n)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG',
      fields: { capacity: MiB, requested: 4096n },
    });
  });

  it('removes the file of a create that qemu-img refused', async () => {
    await expect(
      driver.storageVolCreateXML(
        pool,
        `<volume><name>bad.qcow2</name><capacity>${MiB}</capacity><target><format type='qcow2'/></target><backingStore><path>${join(root, 'no-such-base')}</path></backingStore></volume>`,
      ),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', fields: { field: 'volume.backingStore.path' } });
    await expect(
      driver.storageVolCreateXML(
        pool,
        `<volume><name>bad2.img</name><capacity>${MiB}</capacity><backingStore><path>${join(root, 'images', 'taken.img')}</path></backingStore></volume>`,
      ),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', fields: { field: 'volume.target.format' } });
  });

  it('refuses a volume whose link points outside the pool', async () => {
    symlinkSync('/etc/hostname', join(root, 'images', 'escape.img'));
    before = snapshot(root);
    await driver.storagePoolRefresh(pool);
    expect((await driver.storagePoolListAllVolumes(pool)).map((v) => v.name)).toEqual(['taken.img']);
    expect(driver.warnings.some((w) => w.includes('escape.img') && w.includes('outside its pool'))).toBe(
      true,
    );
  });

  it('refuses unsupported pool types and flags, and operations on an inactive pool', async () => {
    await expect(
      driver.storagePoolDefineXML(
        "<pool type='netfs'><name>n</name><target><path>/mnt</path></target></pool>",
      ),
    ).rejects.toMatchObject({
      code: 'ERR_NOT_SUPPORTED',
      message: expect.stringMatching(/^pool type 'netfs' is not supported/),
    });
    await expect(
      driver.storageVolDelete(await driver.storageVolLookupByName(pool, 'taken.img'), 0x80),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', fields: { field: 'flags' } });
    await driver.storagePoolDestroy(pool);
    await expect(driver.storagePoolListAllVolumes(pool)).rejects.toMatchObject({
      code: 'ERR_OPERATION_INVALID',
      message: expect.stringMatching(/^storage pool 'default' is not active/),
    });
    await expect(driver.storagePoolDelete(pool)).rejects.toMatchObject({ code: 'ERR_OPERATION_FAILED' });
    await driver.storagePoolCreate(pool);
    await expect(driver.storagePoolCreate(pool)).rejects.toMatchObject({ code: 'ERR_OPERATION_INVALID' });
  });

  it('refuses a second pool on the same folder or with the same name', async () => {
    const xml = `<pool type='dir'><name>again</name><target><path>${join(root, 'images')}</path></target></pool>`;
    await expect(driver.storagePoolDefineXML(xml)).rejects.toMatchObject({ code: 'ERR_POOL_EXISTS' });
    const same = `<pool type='dir'><name>default</name><uuid>00000000-0000-0000-0000-000000000001</uuid><target><path>/tmp</path></target></pool>`;
    await expect(driver.storagePoolDefineXML(same)).rejects.toMatchObject({ code: 'ERR_POOL_EXISTS' });
  });
});
