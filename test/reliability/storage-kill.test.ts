/**
 * kill -9 of a process in the middle of vol-create: a fresh storage driver on the same root shows no
 * such volume and removes what the killed process left half-made (the partial volume, pool-define
 * temp files in etc/storage).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnDetached } from '../../src/exec/index.js';
import { StorageDriver } from '../../src/storage/index.js';
import { findProcessesUnder, isAlive, killAll, waitUntil } from '../driver/helpers.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const VITE_NODE = fileURLToPath(new URL('../../node_modules/vite-node/vite-node.mjs', import.meta.url));
const REAL_QEMU_IMG = ['/usr/bin/qemu-img', '/usr/local/bin/qemu-img'].find((p) => existsSync(p));

const why = REAL_QEMU_IMG ? undefined : 'qemu-img is not installed (npm run setup)';
if (why) console.warn(`reliability storage kill: skipped: ${why}`);

let root = '';

afterEach(async () => {
  if (!root) return;
  const left = await findProcessesUnder(root);
  killAll(left);
  await rm(root, { recursive: true, force: true });
  root = '';
  expect(left).toEqual([]);
});

describe.skipIf(why !== undefined)('kill -9 of vol-create', () => {
  it('leaves no volume that a fresh driver lists, and no temp file in the pool or etc/storage', async () => {
    root = await mkdtemp(join(tmpdir(), 'tsvirt-storage-kill-'));
    const mark = join(root, 'qemu-img-create-started');
    const child = await spawnDetached(
      [process.execPath, VITE_NODE, join(FIXTURES, 'vol-create.ts'), root, 'v1.img'],
      {
        logFile: join(root, 'vol-create.log'),
        env: {
          PATH: `${join(FIXTURES, 'hung-qemu-img')}:${process.env['PATH'] ?? ''}`,
          TSVIRT_TEST_MARK: mark,
          TSVIRT_REAL_QEMU_IMG: REAL_QEMU_IMG ?? '',
        },
      },
    );
    let exit: unknown;
    void child.exited.then((e) => (exit = e));
    await waitUntil(() => existsSync(mark) || exit !== undefined, 30_000, 'qemu-img create to start');
    expect(exit).toBeUndefined();
    // The child leads its own session: the whole group dies at once, qemu-img with it.
    process.kill(-child.pid, 'SIGKILL');
    await child.exited;
    await waitUntil(async () => (await findProcessesUnder(root)).length === 0, 5_000, 'the group to exit');
    expect(isAlive(child.pid)).toBe(false);
    const pool = join(root, 'images');
    const leftInPool = (await readdir(pool)).sort();
    expect(leftInPool).toHaveLength(1);
    // What a pool-define killed mid-write leaves (writeFileAtomic's temp name, with the dead pid).
    const etcStorage = join(root, 'etc', 'storage');
    const defineTemp = `.p1.xml.${child.pid}.1.tmp`;
    await writeFile(join(etcStorage, defineTemp), '<pool type=');

    const warnings: string[] = [];
    const driver = await StorageDriver.open({ root, onWarning: (w) => warnings.push(w) });
    const dflt = await driver.lookupStoragePoolByName('default');
    expect((await driver.storagePoolListAllVolumes(dflt)).map((v) => v.name)).toEqual([]);
    expect(await readdir(pool)).toEqual([]);
    expect((await readdir(etcStorage)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(warnings).toEqual([
      `${etcStorage}/${defineTemp}: removed a half-written file`,
      `storage pool 'default': removed ${leftInPool[0]}, a volume left half-made by process ${child.pid}`,
    ]);
    // The name is free: the same create, complete this time.
    const xml = `<volume><name>v1.img</name><capacity unit='M'>8</capacity></volume>`;
    await driver.storageVolCreateXML(dflt, xml);
    expect((await driver.storagePoolListAllVolumes(dflt)).map((v) => v.name)).toEqual(['v1.img']);
    expect((await stat(join(pool, 'v1.img'))).size).toBe(8 * 1024 * 1024);
    expect(await readdir(pool)).toEqual(['v1.img']);
    await driver.close();
    console.log(
      `reliability storage kill: vol-create killed mid qemu-img create left ${leftInPool.join(', ')}; a fresh driver listed no volume and removed it and ${defineTemp}`,
    );
  }, 60_000);
});
