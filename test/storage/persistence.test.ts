import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  lstatSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  existsSync,
  writeFileSync,
  mkdirSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageDriver } from '../../src/storage/index.js';
import { ListPoolsFlags, PoolEvent, StorageXmlFlags } from '../../src/api/storage-enums.js';
import type { PoolLifecycleEvent } from '../../src/connection.js';

describe('storage state across driver restarts', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tsvirt-storage-persist-'));
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  function dirPoolXml(name: string): string {
    return `<pool type='dir'><name>${name}</name><target><path>${join(root, name)}</path></target></pool>`;
  }

  it('sees the same pools, states and autostart marks after a reopen', async () => {
    const first = await StorageDriver.open({ root });
    const events: PoolLifecycleEvent[] = [];
    await first.onStoragePoolLifecycle((ev) => events.push(ev));
    const running = await first.storagePoolDefineXML(dirPoolXml('running'));
    await first.storagePoolBuild(running);
    await first.storagePoolCreate(running);
    const stopped = await first.storagePoolDefineXML(dirPoolXml('stopped'));
    await first.storagePoolSetAutostart(stopped, false);
    const auto = await first.storagePoolDefineXML(dirPoolXml('auto'));
    await first.storagePoolBuild(auto);
    await first.storagePoolSetAutostart(auto, true);
    const transient = await first.storagePoolCreateXML(dirPoolXml('transient'), 1);
    await first.storageVolCreateXML(
      running,
      '<volume><name>v.img</name><capacity>4096</capacity><allocation>0</allocation></volume>',
    );
    expect(events.map((e) => `${e.pool.name}:${e.event}`)).toEqual([
      `running:${PoolEvent.DEFINED}`,
      `running:${PoolEvent.CREATED}`,
      `running:${PoolEvent.STARTED}`,
      `stopped:${PoolEvent.DEFINED}`,
      `auto:${PoolEvent.DEFINED}`,
      `auto:${PoolEvent.CREATED}`,
      `transient:${PoolEvent.CREATED}`,
      `transient:${PoolEvent.STARTED}`,
    ]);
    await first.close();
    expect(readlinkSync(join(root, 'etc/storage/autostart/auto.xml'))).toBe('../auto.xml');
    expect(lstatSync(join(root, 'etc/storage/autostart/default.xml')).isSymbolicLink()).toBe(true);

    const second = await StorageDriver.open({ root });
    const names = async (flags: number): Promise<string[]> =>
      (await second.listAllStoragePools(flags)).map((p) => p.name);
    expect(await names(0)).toEqual(['auto', 'default', 'running', 'stopped', 'transient']);
    expect(await names(ListPoolsFlags.ACTIVE)).toEqual(['auto', 'default', 'running', 'transient']);
    expect(await names(ListPoolsFlags.INACTIVE)).toEqual(['stopped']);
    expect(await names(ListPoolsFlags.AUTOSTART)).toEqual(['auto', 'default']);
    expect(await names(ListPoolsFlags.TRANSIENT)).toEqual(['transient']);
    expect(await names(ListPoolsFlags.LOGICAL)).toEqual([]);
    expect(await second.lookupStoragePoolByUUID(running.uuid)).toEqual(running);
    expect((await second.storagePoolListAllVolumes(running)).map((v) => v.name)).toEqual(['v.img']);
    expect(await second.storagePoolIsPersistent(transient)).toBe(false);
    expect(second.warnings).toEqual([]);
    await second.storagePoolDestroy(transient);
    await expect(second.lookupStoragePoolByName('transient')).rejects.toMatchObject({
      code: 'ERR_POOL_NOT_FOUND',
    });
    await second.close();
  });

  it('does not make the default pool again once it was undefined', async () => {
    const first = await StorageDriver.open({ root });
    const pool = await first.lookupStoragePoolByName('default');
    await first.storagePoolDestroy(pool);
    await first.storagePoolUndefine(pool);
    expect(existsSync(join(root, 'etc/storage/default.xml'))).toBe(false);
    const second = await StorageDriver.open({ root });
    expect(await second.listAllStoragePools()).toEqual([]);
  });

  it('marks inactive a running pool whose folder vanished, with a warning', async () => {
    const first = await StorageDriver.open({ root });
    const pool = await first.storagePoolDefineXML(dirPoolXml('gone'));
    await first.storagePoolCreate(pool, 1);
    rmSync(join(root, 'gone'), { recursive: true });
    const second = await StorageDriver.open({ root });
    expect(await second.storagePoolIsActive(pool)).toBe(false);
    expect(existsSync(join(root, 'run/storage/gone.xml'))).toBe(false);
    expect(second.warnings.join('\n')).toMatch(/storage pool 'gone' was running but is no longer usable/);
  });

  it('keeps a new definition of a running pool for its next start, and undefines and deletes it', async () => {
    const driver = await StorageDriver.open({ root });
    const pool = await driver.storagePoolDefineXML(dirPoolXml('p'));
    await driver.storagePoolCreate(pool, 1);
    const moved = `<pool type='dir'><name>p</name><uuid>${pool.uuid}</uuid><target><path>${join(root, 'p2')}</path></target></pool>`;
    await driver.storagePoolDefineXML(moved);
    expect(await driver.storagePoolGetXMLDesc(pool)).toContain(`<path>${join(root, 'p')}</path>`);
    expect(await driver.storagePoolGetXMLDesc(pool, StorageXmlFlags.INACTIVE)).toContain(
      `<path>${join(root, 'p2')}</path>`,
    );
    await driver.storagePoolDestroy(pool);
    expect(await driver.storagePoolGetXMLDesc(pool)).toContain(`<path>${join(root, 'p2')}</path>`);
    expect(readFileSync(join(root, 'etc/storage/p.xml'), 'utf8')).toContain('p2');
    await driver.storagePoolUndefine(pool);
    await expect(driver.lookupStoragePoolByName('p')).rejects.toMatchObject({ code: 'ERR_POOL_NOT_FOUND' });
  });

  it('reports a pool file that does not parse and loads the others', async () => {
    mkdirSync(join(root, 'etc/storage/autostart'), { recursive: true });
    writeFileSync(join(root, 'etc/storage/broken.xml'), '<pool type=');
    const driver = await StorageDriver.open({ root });
    expect(await driver.listAllStoragePools()).toEqual([]);
    expect(driver.warnings.join('\n')).toMatch(/broken\.xml: ignored: pool XML is not well-formed/);
  });
  it('reads etc/storage again on reload: new pools, changed definitions, autostart marks', async () => {
    const driver = await StorageDriver.open({ root });
    const events: PoolLifecycleEvent[] = [];
    await driver.onStoragePoolLifecycle((ev) => events.push(ev));
    const running = await driver.storagePoolDefineXML(dirPoolXml('running'));
    await driver.storagePoolCreate(running, 1);
    const idle = await driver.storagePoolDefineXML(dirPoolXml('idle'));
    expect(await driver.reload()).toEqual({ added: [], updated: [] });
    const before = events.length;
    const etc = join(root, 'etc/storage');
    const uuidOf = (ref: { uuid: string }) => `<uuid>${ref.uuid}</uuid>`;
    writeFileSync(
      join(etc, 'extra.xml'),
      dirPoolXml('extra').replace(
        '<name>extra</name>',
        '<name>extra</name><uuid>0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9</uuid>',
      ),
    );
    writeFileSync(
      join(etc, 'running.xml'),
      `<pool type='dir'><name>running</name>${uuidOf(running)}<target><path>${join(root, 'moved')}</path></target></pool>`,
    );
    writeFileSync(
      join(etc, 'idle.xml'),
      `<pool type='dir'><name>idle</name>${uuidOf(idle)}<target><path>${join(root, 'idle2')}</path></target></pool>`,
    );
    writeFileSync(
      join(etc, 'clash.xml'),
      dirPoolXml('clash').replace(join(root, 'clash'), join(root, 'idle2')),
    );
    symlinkSync(join(etc, 'extra.xml'), join(etc, 'autostart', 'extra.xml'));

    expect(await driver.reload()).toEqual({ added: ['extra'], updated: ['idle', 'running'] });
    expect(events.slice(before).map((e) => `${e.pool.name}:${e.event}`)).toEqual([
      `idle:${PoolEvent.DEFINED}`,
      `running:${PoolEvent.DEFINED}`,
      `extra:${PoolEvent.DEFINED}`,
    ]);
    const extra = await driver.lookupStoragePoolByName('extra');
    expect([await driver.storagePoolIsActive(extra), await driver.storagePoolGetAutostart(extra)]).toEqual([
      false,
      true,
    ]);
    expect(await driver.storagePoolGetXMLDesc(idle)).toContain(`<path>${join(root, 'idle2')}</path>`);
    // The running pool keeps its live definition until it stops.
    expect(await driver.storagePoolGetXMLDesc(running)).toContain(`<path>${join(root, 'running')}</path>`);
    expect(await driver.storagePoolGetXMLDesc(running, StorageXmlFlags.INACTIVE)).toContain(
      `<path>${join(root, 'moved')}</path>`,
    );
    expect(driver.warnings.join('\n')).toMatch(
      /storage pool 'clash': not reloaded \(storage pool 'idle' already uses /,
    );
    await expect(driver.lookupStoragePoolByName('clash')).rejects.toMatchObject({
      code: 'ERR_POOL_NOT_FOUND',
    });
    expect(await driver.reload()).toEqual({ added: [], updated: [] });
    // A running transient pool whose file appears becomes persistent.
    const passing = await driver.storagePoolCreateXML(dirPoolXml('passing'), 1);
    writeFileSync(
      join(etc, 'passing.xml'),
      `<pool type='dir'><name>passing</name>${uuidOf(passing)}<target><path>${join(root, 'passing')}</path></target></pool>`,
    );
    expect(await driver.reload()).toEqual({ added: ['passing'], updated: [] });
    expect(await driver.storagePoolIsPersistent(passing)).toBe(true);
  });
});
