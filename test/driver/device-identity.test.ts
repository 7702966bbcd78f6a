import { readFileSync } from 'node:fs';
import { copyFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { XmlFlags } from '../../src/api/domain-enums.js';
import {
  assignLiveIdentities,
  buildNicObjects,
  parseDomainXml,
  type DomainConfig,
} from '../../src/domain/index.js';
import { parseStatusXml } from '../../src/driver/status-file.js';
import { QmpClient } from '../../src/qmp/index.js';
import { isAlive, openDriver, readPidFile, waitUntil } from './helpers.js';
import { useDriverHarness } from './harness.js';

/** What query-pci says of one device on bus 0. */
interface PciDeviceInfo {
  slot: number;
  function: number;
  qdev_id: string;
}

/**
 * On pc: two disks (IDE boot disk, virtio data disk with an address and a user alias) and two NICs. On
 * q35 (no IDE there): the boot disk on SATA, no data disk.
 */
function buildXml(image: string, data: string | undefined, machine: 'pc' | 'q35' = 'pc'): string {
  const bootDisk = machine === 'pc' ? "dev='hda' bus='ide'" : "dev='sda' bus='sata'";
  const dataDisk =
    data === undefined
      ? ''
      : `<disk type='file' device='disk'>
      <driver name='qemu' type='raw'/><source file='${data}'/><target dev='vdb' bus='virtio'/>
      <alias name='ua-data'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x0a' function='0x0'/>
    </disk>`;
  return `<domain type='qemu'>
  <name>ids</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='${machine}'>hvm</type><boot dev='hd'/></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${image}'/><target ${bootDisk}/></disk>
    ${dataDisk}
    <interface type='user'><mac address='52:54:00:00:00:11'/><rom enabled='no'/></interface>
    <interface type='user'><mac address='52:54:00:00:00:12'/><model type='e1000'/><rom enabled='no'/><alias name='ua-lan'/></interface>
    <serial type='pty'><target port='0'/></serial>
  </devices>
</domain>`;
}

describe('device identity with a real qemu (TCG)', () => {
  const h = useDriverHarness({ killTracked: true });

  it('starts devices at the addresses and ids of the definition, and a re-adopting driver keeps them', async () => {
    const first = await h.setup();
    const data = join(h.root, 'data.img');
    await copyFile(h.image, data);
    await truncate(data, 1024 * 1024);
    const dom = await first.domainDefineXML(buildXml(h.image, data));

    // define: every PCI device has its address in the persistent definition, none has a runtime alias.
    const inactive = await first.domainGetXMLDesc(dom, XmlFlags.INACTIVE);
    const defined = parseDomainXml(inactive);
    expect(defined.devices.interfaces.map((n) => n.address?.slot)).toEqual([2, 3]);
    expect(defined.devices.disks.map((d) => d.address)).toEqual([
      { type: 'drive', controller: 0, bus: 0, target: 0, unit: 0 },
      { type: 'pci', domain: 0, bus: 0, slot: 0x0a, function: 0 },
    ]);
    expect(defined.devices.memballoon?.address?.slot).toBe(4);
    expect(inactive).not.toContain("<alias name='net0'/>");

    await first.domainCreate(dom);
    const pid = readPidFile(h.root, 'ids');
    h.pids.push(pid);
    const liveXml = await first.domainGetXMLDesc(dom, 0);
    const live = parseDomainXml(liveXml, { live: true });
    expect(live.devices.disks.map((d) => [d.alias, d.nodeIndex])).toEqual([
      ['ide0-0-0', 1],
      ['ua-data', 2],
    ]);
    expect(live.devices.interfaces.map((n) => n.alias)).toEqual(['net0', 'ua-lan']);
    const statusPath = join(h.root, 'run', 'qemu', 'ids.xml');
    const status = parseStatusXml(readFileSync(statusPath, 'utf8'), statusPath);
    expect(parseDomainXml(status.domainXml, { live: true })).toEqual(live);

    // The daemon goes away; qemu stays, and answers its own monitor.
    await first.close();
    const qmp = await QmpClient.connect(status.qmpSocket);
    try {
      await expectQemuMatches(qmp, live);
    } finally {
      qmp.close();
    }

    const second = await openDriver(h.root);
    h.drivers.push(second);
    const again = await second.lookupDomainByName('ids');
    expect(await second.domainGetXMLDesc(again, 0)).toBe(liveXml);
    await second.domainDestroy(again);
  }, 60_000);

  it('hot-plugs a NIC on Q35 into the spare root port with the objects the argv builder uses', async () => {
    const driver = await h.setup();
    const dom = await driver.domainDefineXML(buildXml(h.image, undefined, 'q35'));
    await driver.domainCreate(dom);
    const pid = readPidFile(h.root, 'ids');
    h.pids.push(pid);
    const live = parseDomainXml(await driver.domainGetXMLDesc(dom, 0), { live: true });
    expect(live.devices.interfaces.map((n) => [n.alias, n.address?.bus])).toEqual([
      ['net0', 1],
      ['ua-lan', 0],
    ]);
    const statusPath = join(h.root, 'run', 'qemu', 'ids.xml');
    const { qmpSocket } = parseStatusXml(readFileSync(statusPath, 'utf8'), statusPath);
    await driver.close();

    // What a hotplug does to the live definition: a new device, then the identities of this run.
    const next = structuredClone(live);
    next.devices.interfaces.push({ type: 'user', mac: '52:54:00:00:00:13', model: 'virtio' });
    const after = assignLiveIdentities(next);
    const added = after.devices.interfaces[2]!;
    // Ports 1-3 hold net0, the USB controller define added and the balloon; port 4 is the spare.
    expect([added.alias, added.address?.bus]).toEqual(['net1', 4]);
    const { netdev, device } = buildNicObjects(after, added, 2);
    const qmp = await QmpClient.connect(qmpSocket);
    try {
      await qmp.execute('netdev_add', netdev);
      await qmp.execute('device_add', device);
      const bus = await qmp.execute('qom-get', { path: '/machine/peripheral/net1', property: 'parent_bus' });
      expect(bus).toMatch(/\/pci\.4\/pci\.4$/);
      expect(await qmp.execute('qom-get', { path: '/machine/peripheral/net1', property: 'netdev' })).toBe(
        'hostnet1',
      );
      await qmp.execute('quit');
    } finally {
      qmp.close();
    }
    await waitUntil(() => !isAlive(pid), 10_000, 'qemu to exit after quit');
  }, 60_000);
});

/** query-pci, query-block and qom-list show the devices at the live definition's addresses and ids. */
async function expectQemuMatches(qmp: QmpClient, live: DomainConfig): Promise<void> {
  const buses = await qmp.execute<Array<{ bus: number; devices: PciDeviceInfo[] }>>('query-pci');
  const onBus0 = new Map(
    (buses.find((b) => b.bus === 0)?.devices ?? []).map((d) => [d.qdev_id, `${d.slot}.${d.function}`]),
  );
  const { disks, interfaces, memballoon } = live.devices;
  const vdb = disks[1]?.address;
  expect(onBus0.get('ua-data')).toBe(vdb?.type === 'pci' ? `${vdb.slot}.0` : 'none');
  expect(onBus0.get('net0')).toBe(`${interfaces[0]?.address?.slot}.0`);
  expect(onBus0.get('ua-lan')).toBe(`${interfaces[1]?.address?.slot}.0`);
  expect(onBus0.get('balloon0')).toBe(`${memballoon?.address?.slot}.0`);

  const blocks =
    await qmp.execute<Array<{ qdev?: string; inserted?: { 'node-name'?: string } }>>('query-block');
  const nodes = Object.fromEntries(
    blocks.map((b) => [b.qdev?.split('/')[3] ?? b.qdev, b.inserted?.['node-name']]),
  );
  expect(nodes).toMatchObject({ 'ide0-0-0': 'libvirt-1-format', 'ua-data': 'libvirt-2-format' });

  const peripherals = await qmp.execute<Array<{ name: string }>>('qom-list', {
    path: '/machine/peripheral',
  });
  expect(peripherals.map((p) => p.name)).toEqual(
    expect.arrayContaining(['ide0-0-0', 'ua-data', 'net0', 'ua-lan', 'serial0', 'balloon0']),
  );
  // Each NIC's netdev is 'host' + its alias.
  for (const [alias, netdev] of [
    ['net0', 'hostnet0'],
    ['ua-lan', 'hostua-lan'],
  ]) {
    const value = await qmp.execute('qom-get', { path: `/machine/peripheral/${alias}`, property: 'netdev' });
    expect(value).toBe(netdev);
  }
}
