import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { run } from '../../src/exec/index.js';
import { StorageDriver } from '../../src/storage/index.js';
import { PoolBuildFlags, VolResizeFlags } from '../../src/api/storage-enums.js';
import type { PoolRef, VolumeRef } from '../../src/connection.js';

const MiB = 1024n ** 2n;
const isRoot = process.getuid?.() === 0;
const hasLoop = existsSync('/dev/loop-control');
const skipReason = !isRoot ? 'not root' : !hasLoop ? 'no /dev/loop-control' : undefined;
if (skipReason) console.warn(`logical pool tests skipped: ${skipReason}; they need root and loop devices`);
const hasDeviceMapper = /\sdevice-mapper$/m.test(readFileSync('/proc/misc', 'utf8'));
if (hasDeviceMapper) console.warn('the no-device-mapper test is skipped: this kernel has device-mapper');

/** An lvm.conf that sees only `device`, with activation off or on. */
function writeLvmConf(dir: string, device: string, activation: boolean): void {
  mkdirSync(dir, { recursive: true });
  const global = activation ? '' : 'global {\n  activation = 0\n}\n';
  writeFileSync(join(dir, 'lvm.conf'), `${global}devices {\n  filter = [ "a|^${device}$|", "r|.*|" ]\n}\n`);
}

describe.skipIf(skipReason !== undefined)('logical pool on a loop device, with the real lvm2', () => {
  const vg = `tsvirttest_${randomBytes(4).toString('hex')}`;
  let tmp: string;
  let loop = '';
  let lvmEnv: Record<string, string>;
  let root: string;
  let driver: StorageDriver;
  let pool: PoolRef;
  let newlv: VolumeRef;

  async function lvNames(): Promise<string[]> {
    const { stdout } = await run(['lvs', '--reportformat', 'json', '-o', 'lv_name', vg], {
      env: { ...lvmEnv, LVM_SUPPRESS_FD_WARNINGS: '1' },
    });
    return (JSON.parse(stdout) as { report: { lv: { lv_name: string }[] }[] }).report[0]!.lv.map(
      (l) => l.lv_name,
    ).sort();
  }

  async function pvVg(): Promise<string | undefined> {
    const { stdout } = await run(['pvs', '--reportformat', 'json', '-o', 'pv_name,vg_name'], {
      env: { ...lvmEnv, LVM_SUPPRESS_FD_WARNINGS: '1' },
    });
    const pvs = (JSON.parse(stdout) as { report: { pv: { pv_name: string; vg_name: string }[] }[] })
      .report[0]!.pv;
    return pvs.find((p) => p.pv_name === loop)?.vg_name;
  }

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'tsvirt-lvm-'));
    await run(['truncate', '-s', '256M', join(tmp, 'disk')]);
    loop = (await run(['losetup', '-f', '--show', join(tmp, 'disk')])).stdout.trim();
    writeLvmConf(join(tmp, 'lvm'), loop, false);
    writeLvmConf(join(tmp, 'lvm-active'), loop, true);
    lvmEnv = { LVM_SYSTEM_DIR: join(tmp, 'lvm') };
    root = join(tmp, 'root');
    driver = await StorageDriver.open({ root, lvmEnv });
  });

  afterAll(async () => {
    const env = { ...lvmEnv, LVM_SUPPRESS_FD_WARNINGS: '1' };
    if (loop) {
      await run(['vgremove', '-f', vg], { env }).catch(() => undefined);
      await run(['pvremove', '-y', loop], { env }).catch(() => undefined);
      await run(['losetup', '-d', loop]);
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses to build on a device that holds data, and builds with the overwrite flag', async () => {
    await run(['mkswap', loop]);
    pool = await driver.storagePoolDefineXML(
      `<pool type='logical'><name>HostVG</name><source><device path='${loop}'/><name>${vg}</name><format type='lvm2'/></source><target><path>/dev/${vg}</path></target></pool>`,
    );
    const err = await driver.storagePoolBuild(pool).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_OPERATION_INVALID', fields: { device: loop, signature: 'swap' } });
    expect((err as Error).message).toMatch(/already holds data \(swap\); build with the overwrite flag/);
    expect(await pvVg()).toBeUndefined();
    await driver.storagePoolBuild(pool, PoolBuildFlags.OVERWRITE);
    expect(await pvVg()).toBe(vg);
  });

  it('starts and reports the volume group size', async () => {
    await driver.storagePoolCreate(pool);
    const info = await driver.storagePoolGetInfo(pool);
    expect(info.state).toBe(2);
    expect(info.capacity).toBeGreaterThan(240n * MiB);
    expect(info.available).toBe(info.capacity);
    expect(await driver.storagePoolListAllVolumes(pool)).toEqual([]);
  });

  it('creates newlv of 100 MiB and lists it', async () => {
    newlv = await driver.storageVolCreateXML(
      pool,
      `<volume><name>newlv</name><capacity unit='M'>100</capacity></volume>`,
    );
    expect(newlv.key).toMatch(/^[A-Za-z0-9]{6}(-[A-Za-z0-9]{4}){5}-[A-Za-z0-9]{6}$/);
    expect(await lvNames()).toEqual(['newlv']);
    expect(await driver.storagePoolListAllVolumes(pool)).toEqual([newlv]);
    expect(await driver.storageVolGetInfo(newlv)).toEqual({
      type: 1,
      capacity: 100n * MiB,
      allocation: 100n * MiB,
    });
    expect(await driver.storageVolGetPath(newlv)).toBe(`/dev/${vg}/newlv`);
    expect(await driver.storageVolGetXMLDesc(newlv)).toContain("<volume type='block'>");
    expect((await driver.storagePoolGetInfo(pool)).allocation).toBe(100n * MiB);
  });

  it('is seen by a driver opened again on the same root', async () => {
    const again = await StorageDriver.open({ root, lvmEnv });
    expect(await again.storagePoolIsActive(pool)).toBe(true);
    expect(await again.storagePoolListAllVolumes(pool)).toEqual([newlv]);
    await again.close();
  });

  it('grows an LV, and refuses to shrink it without the flag', async () => {
    await driver.storageVolResize(newlv, 120n * MiB);
    expect((await driver.storageVolGetInfo(newlv)).capacity).toBe(120n * MiB);
    await expect(driver.storageVolResize(newlv, 40n * MiB)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG',
    });
    await driver.storageVolResize(newlv, 100n * MiB, VolResizeFlags.SHRINK);
    expect((await driver.storageVolGetInfo(newlv)).capacity).toBe(100n * MiB);
  });

  it('refuses a duplicate LV, a size beyond the free space and a qcow2 LV, leaving lvs as it was', async () => {
    const xml = (name: string, size: string, extra = ''): string =>
      `<volume><name>${name}</name><capacity>${size}</capacity>${extra}</volume>`;
    await expect(driver.storageVolCreateXML(pool, xml('newlv', '4194304'))).rejects.toMatchObject({
      code: 'ERR_VOLUME_EXISTS',
    });
    await expect(driver.storageVolCreateXML(pool, xml('big', String(1024n * MiB)))).rejects.toMatchObject({
      code: 'ERR_NO_SPACE',
    });
    await expect(
      driver.storageVolCreateXML(pool, xml('q', '4194304', "<target><format type='qcow2'/></target>")),
    ).rejects.toMatchObject({ code: 'ERR_NOT_SUPPORTED' });
    await expect(driver.storageVolCreateXML(pool, xml('-bad', '4194304'))).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG',
    });
    expect(await lvNames()).toEqual(['newlv']);
  });

  it.skipIf(hasDeviceMapper)(
    'says that the kernel has no device-mapper when an LV must be opened',
    async () => {
      await expect(driver.resolveVolume('HostVG', 'newlv')).rejects.toMatchObject({
        code: 'ERR_NO_DEVICE_MAPPER',
      });
      await expect(driver.storageVolWipe(newlv)).rejects.toMatchObject({ code: 'ERR_NO_DEVICE_MAPPER' });
    },
  );

  it.skipIf(hasDeviceMapper)(
    'turns lvcreate failing without device-mapper into ERR_NO_DEVICE_MAPPER with lvm stderr',
    async () => {
      const active = await StorageDriver.open({
        root: join(tmp, 'root-active'),
        lvmEnv: { LVM_SYSTEM_DIR: join(tmp, 'lvm-active') },
      });
      const other = await active.storagePoolCreateXML(
        `<pool type='logical'><name>HostVG</name><source><device path='${loop}'/><name>${vg}</name></source></pool>`,
      );
      const err = await active
        .storageVolCreateXML(other, `<volume><name>nodm</name><capacity unit='M'>8</capacity></volume>`)
        .catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'ERR_NO_DEVICE_MAPPER',
        message: expect.stringMatching(/^the kernel has no device-mapper; LVM volumes cannot be activated/),
      });
      expect((err as { fields: { stderr: string } }).fields.stderr).toMatch(/device-mapper/);
      expect(await lvNames()).toEqual(['newlv']);
      await active.storagePoolDestroy(other);
    },
  );

  it('deletes the LV, then stops and deletes the pool (vgremove, pvremove)', async () => {
    await driver.storageVolDelete(newlv);
    expect(await lvNames()).toEqual([]);
    await expect(driver.storagePoolDelete(pool)).rejects.toMatchObject({ code: 'ERR_OPERATION_INVALID' });
    await driver.storagePoolDestroy(pool);
    await driver.storagePoolDelete(pool);
    expect(await pvVg()).toBeUndefined();
    await expect(driver.storagePoolCreate(pool)).rejects.toMatchObject({
      code: 'ERR_OPERATION_FAILED',
      message: expect.stringMatching(/volume group '.*' not found; build the pool first/),
    });
  });
});
