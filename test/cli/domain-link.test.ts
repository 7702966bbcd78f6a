/**
 * tsvirt domif-setlink and domif-getlink on an embedded root, with a user-mode NIC (no host networking):
 * the config of a shut-off guest, the running guest's link through qemu, and virsh's refusals. The
 * guest's own view of its carrier is tested with virsh in test/network/nic-link-netns.test.ts.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../scripts/guests/paths.js';
import { buildLinkUpdateXml, findInterfaceElement } from '../../src/cli/commands/domain-link.js';
import { findQemuBinary } from '../../src/kvm/index.js';
import { buildBootSectorXml, cleanupRoot } from '../driver/helpers.js';
import { hasCli, makeCliRoot, tsvirt } from './cli-harness.js';

const hasQemu = findQemuBinary() !== undefined;
if (!hasQemu) console.warn('skipping the domif-setlink CLI tests: qemu-system-x86_64 is absent');
const MAC = '52:54:00:5e:00:01';
const NIC = `<interface type='user'><mac address='${MAC}'/><model type='virtio'/><rom enabled='no'/></interface>`;

describe('the interface element domif-setlink sends', () => {
  const domain = `<domain><name>d</name><devices>
    <interface type='network'><mac address='52:54:00:5E:00:02'/><source network='n'/><target dev='vnet3'/><model type='e1000'/><alias name='net0'/></interface>
    </devices></domain>`;

  it('is found by target dev or by MAC (in any case)', () => {
    expect(findInterfaceElement(domain, 'vnet3')?.attrs['type']).toBe('network');
    expect(findInterfaceElement(domain, '52:54:00:5e:00:02')?.attrs['type']).toBe('network');
    expect(findInterfaceElement(domain, 'vnet4')).toBeUndefined();
    expect(findInterfaceElement(domain, '52:54:00:5e:00:09')).toBeUndefined();
  });

  it('keeps every child and places <link> after <model>, replacing one that was there', () => {
    const want = `<interface type='network'>
  <mac address='52:54:00:5E:00:02'/>
  <source network='n'/>
  <target dev='vnet3'/>
  <model type='e1000'/>
  <link state='down'/>
  <alias name='net0'/>
</interface>
`;
    const nic = findInterfaceElement(domain, 'vnet3')!;
    expect(buildLinkUpdateXml(nic, 'down')).toBe(want);
    const again = findInterfaceElement(`<domain><devices>${want}</devices></domain>`, 'vnet3')!;
    expect(buildLinkUpdateXml(again, 'up')).toBe(want.replace("'down'", "'up'"));
  });
});

describe.skipIf(!hasCli || !hasQemu)('tsvirt domif-setlink and domif-getlink', () => {
  let root = '';
  const t = (...args: string[]) => tsvirt(root, args);

  beforeAll(async () => {
    const guests = await ensureGuests();
    let image: string;
    ({ root, image } = await makeCliRoot(guests.bootSectorImage));
    const xml = buildBootSectorXml('lk', image).replace('</devices>', `${NIC}\n  </devices>`);
    await writeFile(join(root, 'lk.xml'), xml);
    expect((await t('define', join(root, 'lk.xml'))).code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    if (root) expect(await cleanupRoot(root, [])).toEqual([]);
  }, 30_000);

  it('changes the config of a shut-off guest', async () => {
    expect(await t('domif-getlink', 'lk', MAC)).toEqual({ code: 0, stdout: `${MAC} up\n`, stderr: '' });
    expect(await t('domif-setlink', 'lk', MAC, 'down')).toEqual({
      code: 0,
      stdout: 'Device updated successfully\n\n',
      stderr: '',
    });
    expect((await t('domif-getlink', 'lk', MAC)).stdout).toBe(`${MAC} down\n`);
    expect((await t('dumpxml', 'lk')).stdout).toContain("<model type='virtio'/>\n      <link state='down'/>");
  }, 30_000);

  it('starts the guest with the link down, and brings the running link up without touching the config', async () => {
    expect((await t('start', 'lk')).code).toBe(0);
    expect((await t('domif-getlink', 'lk', MAC)).stdout).toBe(`${MAC} down\n`);
    expect((await t('domif-setlink', 'lk', MAC, 'up')).code).toBe(0);
    expect((await t('domif-getlink', 'lk', MAC)).stdout).toBe(`${MAC} up\n`);
    expect((await t('domif-getlink', 'lk', MAC, '--config')).stdout).toBe(`${MAC} down\n`);
    expect((await t('domif-setlink', 'lk', MAC, 'up', '--config')).code).toBe(0);
    expect((await t('domif-getlink', 'lk', MAC, '--config')).stdout).toBe(`${MAC} up\n`);
  }, 60_000);

  it('refuses a NIC the guest does not have and a state that is not up or down, as virsh', async () => {
    expect(await t('domif-setlink', 'lk', 'vnet9', 'down')).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: interface 'vnet9' not found\n",
    });
    expect((await t('domif-getlink', 'lk', 'vnet9')).stderr).toBe(
      'error: Interface (dev: vnet9) not found.\n',
    );
    expect((await t('domif-setlink', 'lk', MAC, 'sideways')).stderr).toBe(
      "error: invalid link state 'sideways'\n",
    );
    expect((await t('destroy', 'lk')).code).toBe(0);
  }, 30_000);
});
