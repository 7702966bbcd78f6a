/** tsvirt's device verbs on an embedded root, against a running boot-sector guest (TCG). */
import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../scripts/guests/paths.js';
import { findQemuBinary } from '../../src/kvm/index.js';
import { buildBootSectorXml, cleanupRoot } from '../driver/helpers.js';
import { hasCli, makeCliRoot, tsvirt } from './cli-harness.js';

const canRun = hasCli && findQemuBinary() !== undefined;
if (!canRun) console.warn('skipping the CLI device tests: dist/tsvirt.mjs (npm run build) or qemu is absent');

describe.skipIf(!canRun)('tsvirt attach-disk, detach-disk, attach-device and detach-device-alias', () => {
  let root = '';
  const t = (...args: string[]) => tsvirt(root, args);
  const disk = (name: string): string => join(root, name);

  beforeAll(async () => {
    const guests = await ensureGuests();
    ({ root } = await makeCliRoot(guests.bootSectorImage));
    const xml = join(root, 'dev.xml');
    await writeFile(xml, buildBootSectorXml('dev', join(root, 'boot.img')));
    for (const name of ['a.img', 'b.img']) {
      await writeFile(disk(name), '');
      await truncate(disk(name), 1 << 20);
    }
    expect((await t('define', xml)).code).toBe(0);
    expect((await t('start', 'dev')).code).toBe(0);
  }, 60_000);

  afterAll(async () => {
    if (!root) return;
    await t('destroy', 'dev');
    expect(await cleanupRoot(root, [])).toEqual([]);
  }, 30_000);

  it("attaches a disk live with virsh's message, and refuses its target a second time with libvirt's", async () => {
    expect(await t('attach-disk', 'dev', disk('a.img'), 'vdb', '--live')).toEqual({
      code: 0,
      stdout: 'Disk attached successfully\n\n',
      stderr: '',
    });
    expect((await t('dumpxml', 'dev')).stdout).toContain("<target dev='vdb' bus='virtio'/>");
    const again = await t('attach-disk', 'dev', disk('b.img'), 'vdb', '--live');
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      `error: Failed to attach disk\nerror: XML error: target 'vdb' duplicated for disk sources '${disk('a.img')}' and '${disk('b.img')}'\n`,
    );
  });

  it('attaches and detaches a disk in the config only, found by its source path', async () => {
    expect((await t('attach-disk', 'dev', disk('b.img'), 'vdc', '--config')).stdout).toBe(
      'Disk attached successfully\n\n',
    );
    expect((await t('dumpxml', 'dev', '--inactive')).stdout).toContain("<target dev='vdc' bus='virtio'/>");
    expect((await t('dumpxml', 'dev')).stdout).not.toContain("dev='vdc'");
    expect((await t('detach-disk', 'dev', disk('b.img'), '--config')).stdout).toBe(
      'Disk detached successfully\n\n',
    );
    expect((await t('dumpxml', 'dev', '--inactive')).stdout).not.toContain("dev='vdc'");
  });

  it('attaches a NIC from a file with --persistent and sends a detach by alias', async () => {
    const nic = join(root, 'nic.xml');
    await writeFile(nic, "<interface type='user'><mac address='52:54:00:aa:bb:0c'/></interface>");
    expect((await t('attach-device', 'dev', nic, '--persistent')).stdout).toBe(
      'Device attached successfully\n\n',
    );
    expect((await t('dumpxml', 'dev')).stdout).toContain("<alias name='net0'/>");
    expect((await t('dumpxml', 'dev', '--inactive')).stdout).toContain("<mac address='52:54:00:aa:bb:0c'/>");
    const missing = await t('detach-device-alias', 'dev', 'nosuch', '--live');
    expect(missing.stderr).toBe(
      'error: Failed to detach device with alias nosuch\nerror: internal error: no device found with alias nosuch\n',
    );
  });
});
