/** A block disk whose /dev node is absent: the start names device-mapper when the kernel lacks it. */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasDeviceMapper } from '../../src/storage/backend.js';
import { rejectionOf } from '../tsvirt-error.js';
import { useDriverHarness } from './harness.js';
import { buildBootSectorXml } from './helpers.js';

const hasQemu = existsSync('/usr/bin/qemu-system-x86_64');
if (!hasQemu) console.log('device node test skipped: qemu-system-x86_64 is not installed');

describe.skipIf(!hasQemu)('an absent device node', () => {
  const h = useDriverHarness();

  it('fails the start with the device-mapper reason where the kernel has none, else with the path', async () => {
    const driver = await h.setup();
    const node = '/dev/tsvirt-absent-vg/lv0';
    const disk = `<disk type='block' device='disk'><source dev='${node}'/><target dev='vdb' bus='virtio'/></disk>`;
    const xml = buildBootSectorXml('devnode', h.image).replace('</devices>', `${disk}\n  </devices>`);
    const dom = await driver.domainDefineXML(xml);
    const err = await rejectionOf(driver.domainCreate(dom));
    if (await hasDeviceMapper()) {
      expect(err.message).toContain('does not exist');
      expect(err.code).not.toBe('ERR_NO_DEVICE_MAPPER');
    } else {
      expect(err.code).toBe('ERR_NO_DEVICE_MAPPER');
      expect(err.message).toBe(
        `domain 'devnode': disk vdb ${node} does not exist, and the kernel has no device-mapper, so LVM volumes cannot be activated; load the dm_mod module or use a dir pool`,
      );
    }
    expect(await driver.domainIsActive(dom)).toBe(false);
  });
});
