import { describe, expect, it } from 'vitest';
import {
  assignDeviceAddresses,
  assignLiveIdentities,
  formatDomainXml,
  parseDomainXml,
  type DomainConfig,
  type PciAddress,
} from '../../src/domain/index.js';
import { catchTsvirtError } from '../tsvirt-error.js';
import { buildDomainXml } from './fixtures.js';

const pci = (slot: number, fn = 0): PciAddress => ({ type: 'pci', domain: 0, bus: 0, slot, function: fn });
const pciXml = (slot: number, fn = 0, extra = ''): string =>
  `<address type='pci' domain='0x0000' bus='0x00' slot='0x${slot.toString(16).padStart(2, '0')}' function='0x${fn}'${extra}/>`;

const disk = (dev: string, inner = '', bus?: string): string =>
  `<disk type='file'><source file='/i/${dev}.img'/><target dev='${dev}'${bus ? ` bus='${bus}'` : ''}/>${inner}</disk>`;
const nic = (n: number, inner = ''): string =>
  `<interface type='user'><mac address='52:54:00:00:00:0${n}'/>${inner}</interface>`;

function define(devices: string, os = '<type>hvm</type>'): DomainConfig {
  return assignDeviceAddresses(parseDomainXml(buildDomainXml({ os, devices })));
}

function slots(config: DomainConfig): Record<string, number | undefined> {
  const d = config.devices;
  const out: Record<string, number | undefined> = {};
  if (d.video) out.video = d.video.address?.slot;
  d.interfaces.forEach((n) => (out[n.mac.slice(-2)] = n.address?.slot));
  if (d.sataController) out.sata = d.sataController.address?.slot;
  for (const x of d.disks) if (x.address?.type === 'pci') out[x.targetDev] = x.address.slot;
  out.balloon = d.memballoon?.address?.slot;
  return out;
}

function defineError(devices: string, os?: string): ReturnType<typeof catchTsvirtError> {
  return catchTsvirtError(() => define(devices, os));
}

describe('assignDeviceAddresses on i440FX (pc)', () => {
  it('puts the video on slot 2, then interfaces, the SATA controller, virtio disks and the balloon from slot 3', () => {
    const config = define(
      `${disk('vda')}${disk('sda', '', 'sata')}${disk('vdb')}${nic(1)}${nic(2)}<graphics type='vnc'/>`,
    );
    expect(slots(config)).toEqual({ video: 2, '01': 3, '02': 4, sata: 5, vda: 6, vdb: 7, balloon: 8 });
    expect(config.devices.disks[1]?.address).toEqual({
      type: 'drive',
      controller: 0,
      bus: 0,
      target: 0,
      unit: 0,
    });
  });

  it('gives a guest without graphics no video, so its first device takes slot 2', () => {
    expect(slots(define(`${disk('vda')}${nic(1)}`))).toEqual({ '01': 2, vda: 3, balloon: 4 });
  });

  it('derives IDE drive addresses from the target name: hdc is bus 1 unit 0', () => {
    const config = define(disk('hdc'));
    expect(config.devices.disks[0]?.address).toEqual({
      type: 'drive',
      controller: 0,
      bus: 1,
      target: 0,
      unit: 0,
    });
  });

  it('keeps the addresses the definition gives and hands out the free slots around them', () => {
    const config = define(`${disk('vda', pciXml(3))}${nic(1)}${nic(2, pciXml(0x10))}<graphics type='vnc'/>`);
    expect(slots(config)).toEqual({ video: 2, '01': 4, '02': 16, vda: 3, balloon: 5 });
  });

  it('moves the video to the first free slot when a device holds slot 2, as libvirt does', () => {
    const config = define(`${nic(1, pciXml(2))}<graphics type='vnc'/>`);
    expect(slots(config)).toEqual({ video: 3, '01': 2, balloon: 4 });
  });

  it('changes nothing in a definition that already has every address', () => {
    const once = define(`${disk('vda')}${nic(1)}<graphics type='vnc'/>`);
    expect(assignDeviceAddresses(once)).toEqual(once);
  });

  it('gives a device added later the first free slot and moves no other device', () => {
    const once = define(`${nic(1)}${nic(2)}${disk('vda')}`);
    const [first, , ...rest] = once.devices.interfaces;
    const unplugged: DomainConfig = {
      ...once,
      devices: { ...once.devices, interfaces: [first!, ...rest] },
    };
    const added = structuredClone(unplugged);
    added.devices.interfaces.push({ type: 'user', mac: '52:54:00:00:00:09', model: 'virtio' });
    const after = assignDeviceAddresses(added);
    expect(slots(after)).toEqual({ '01': 2, '09': 3, vda: 4, balloon: 5 });
  });
});

describe('assignDeviceAddresses on Q35', () => {
  const q35 = "<type machine='q35'>hvm</type>";

  /** bus:slot.function of each device, as lspci would show it. */
  function where(config: DomainConfig): Record<string, string> {
    const d = config.devices;
    const at = (a: PciAddress | undefined): string =>
      a ? `${a.bus}:${a.slot.toString(16)}.${a.function}` : 'none';
    const out: Record<string, string> = {};
    if (d.video) out.video = at(d.video.address);
    d.interfaces.forEach((n) => (out[n.mac.slice(-2)] = at(n.address)));
    for (const x of d.disks) if (x.bus === 'virtio') out[x.targetDev] = at(x.address as PciAddress);
    if (d.sataController) out.sata = at(d.sataController.address);
    for (const c of d.controllers ?? []) if (c.type === 'usb') out[`usb ${c.model}`] = at(c.address);
    out.balloon = at(d.memballoon?.address);
    for (const p of d.rootPorts ?? [])
      out[`pci.${p.index}`] = `${at(p.address)} port 0x${p.port.toString(16)}`;
    return out;
  }

  it('puts the video on slot 1, each PCIe device behind a root port of its own on 00:02.x (nets, the USB controller, disks, balloon), one spare port, and SATA at 00:1f.2', () => {
    const config = define(
      `${disk('vda')}<disk device='cdrom'><target dev='sdb' bus='sata'/></disk>${nic(1)}${nic(2, "<model type='e1000'/>")}<graphics type='vnc'/>`,
      q35,
    );
    expect(where(config)).toEqual({
      video: '0:1.0',
      '01': '1:0.0',
      '02': '0:3.0',
      'usb qemu-xhci': '2:0.0',
      vda: '3:0.0',
      sata: '0:1f.2',
      balloon: '4:0.0',
      'pci.1': '0:2.0 port 0x10',
      'pci.2': '0:2.1 port 0x11',
      'pci.3': '0:2.2 port 0x12',
      'pci.4': '0:2.3 port 0x13',
      'pci.5': '0:2.4 port 0x14',
    });
    expect(config.devices.rootPorts?.[0]?.address?.multifunction).toBe(true);
    expect(config.devices.pciRoot).toBe('pcie-root');
  });

  it('gives a PCIe device added later the spare root port, and adds no port at a start that has them all', () => {
    const defined = define(nic(1), q35);
    expect(assignDeviceAddresses(defined)).toEqual(defined);
    const added = structuredClone(defined);
    added.devices.interfaces.push({ type: 'user', mac: '52:54:00:00:00:09', model: 'virtio' });
    const after = assignDeviceAddresses(added);
    // Ports 1-3 hold the first NIC, the USB controller and the balloon; 4 is the spare the new NIC takes.
    expect(after.devices.interfaces.map((n) => n.address?.bus)).toEqual([1, 4]);
    expect(after.devices.rootPorts?.map((p) => p.index)).toEqual([1, 2, 3, 4]);
  });

  it('skips the chipset slot 0x1f when handing out slots, and says so when the bus is full', () => {
    const nics = (count: number): string =>
      Array.from(
        { length: count },
        (_, i) =>
          `<interface type='user'><mac address='52:54:00:00:01:${i.toString(16).padStart(2, '0')}'/><model type='e1000'/></interface>`,
      ).join('');
    const full = define(nics(29), q35);
    expect(full.devices.interfaces.map((n) => n.address?.slot)).toEqual(
      Array.from({ length: 29 }, (_, i) => i + 1),
    );
    // The last free slot, 0x1e, holds the root ports of the USB controller, the balloon and the spare.
    expect(full.devices.rootPorts?.map((p) => p.address)).toEqual([
      { ...pci(0x1e), multifunction: true },
      pci(0x1e, 1),
      pci(0x1e, 2),
    ]);
    const err = defineError(nics(30), q35);
    expect(err.code).toBe('ERR_OPERATION_FAILED');
    // The first device without a port left is the USB controller define adds, placed after the NICs.
    expect(err.fields).toMatchObject({ device: 'controller usb qemu-xhci', field: 'slot' });
  });

  it('keeps root ports and the addresses behind them through format and parse', () => {
    const defined = define(`${disk('vda')}${nic(1)}`, q35);
    const xml = formatDomainXml(defined);
    expect(xml).toContain(
      "<controller type='pci' index='1' model='pcie-root-port'>\n      <model name='pcie-root-port'/>\n      <target chassis='1' port='0x8'/>",
    );
    expect(xml).toContain("<controller type='pci' index='0' model='pcie-root'/>");
    expect(parseDomainXml(xml)).toEqual(defined);
  });

  it('refuses an address on a bus no root port has, and a root port on i440FX', () => {
    const missing = defineError(
      disk('vda', "<address type='pci' domain='0x0000' bus='0x07' slot='0x00' function='0x0'/>"),
      q35,
    );
    expect(missing.fields).toMatchObject({ device: 'disk vda', field: 'bus', value: '0x7' });
    const onPc = defineError("<controller type='pci' index='1' model='pcie-root-port'/>");
    expect(onPc.code).toBe('ERR_NOT_SUPPORTED');
    expect(onPc.fields).toMatchObject({ device: 'controller pci.1', field: 'model' });
  });

  it('refuses a SATA controller anywhere but 00:1f.2', () => {
    const err = defineError(`<controller type='sata' index='0'>${pciXml(5)}</controller>`, q35);
    expect(err.code).toBe('ERR_XML_INVALID');
    expect(err.fields).toMatchObject({ device: 'controller sata', field: 'slot', value: '0x5' });
  });
});

describe('PCI address checks', () => {
  it.each([
    [
      'a slot the chipset holds',
      nic(1, pciXml(1)),
      { device: 'interface 52:54:00:00:00:01', field: 'slot', value: '0x1' },
    ],
    ['a slot past 0x1f', disk('vda', pciXml(0x20)), { device: 'disk vda', field: 'slot', value: '0x20' }],
    ['a function past 7', disk('vda', pciXml(3, 8)), { device: 'disk vda', field: 'function', value: '0x8' }],
    [
      'two devices on one slot and function',
      `${disk('vda', pciXml(5))}${nic(1, pciXml(5))}`,
      { device: 'disk vda', field: 'slot', value: '0x5' },
    ],
    [
      'function 1 without a multifunction device on function 0',
      `${disk('vda', pciXml(5))}${disk('vdb', pciXml(5, 1))}`,
      { device: 'disk vdb', field: 'function', value: '0x1' },
    ],
    [
      'a drive address on a virtio disk',
      disk('vda', "<address type='drive' controller='0' bus='0' target='0' unit='0'/>"),
      { device: 'disk vda', field: 'type', value: 'drive' },
    ],
    [
      'two IDE disks on one bus and unit',
      `${disk('hda')}${disk('hdb', "<address type='drive' controller='0' bus='0' target='0' unit='0'/>")}`,
      { device: 'disk hdb', field: 'unit', value: '0' },
    ],
  ])('refuses %s, naming the device, the field and the value', (_, devices, fields) => {
    const err = catchTsvirtError(() => parseDomainXml(buildDomainXml({ devices })));
    expect(err.code).toBe('ERR_XML_INVALID');
    expect(err.fields).toMatchObject({ ...fields, expected: expect.any(String) });
    expect(err.message).toContain(fields.device);
  });

  it.each([
    ['domain', "<address type='pci' domain='0x0001' bus='0x00' slot='0x05' function='0x0'/>"],
    ['bus', "<address type='pci' domain='0x0000' bus='0x01' slot='0x05' function='0x0'/>"],
  ])('refuses a PCI %s other than 0 on i440FX (one root bus)', (field, address) => {
    const err = catchTsvirtError(() => parseDomainXml(buildDomainXml({ devices: disk('vda', address) })));
    expect(err.code).toBe(field === 'domain' ? 'ERR_NOT_SUPPORTED' : 'ERR_XML_INVALID');
    expect(err.fields).toMatchObject({ device: 'disk vda', field, value: '0x1' });
  });

  it('accepts another function beside a multifunction device on function 0', () => {
    const config = define(`${disk('vda', pciXml(5, 0, " multifunction='on'"))}${disk('vdb', pciXml(5, 1))}`);
    expect(config.devices.disks.map((d) => d.address)).toEqual([
      { ...pci(5), multifunction: true },
      pci(5, 1),
    ]);
  });
});

describe('assignLiveIdentities', () => {
  it("gives libvirt's aliases and block node indexes on a fresh start", () => {
    const live = assignLiveIdentities(
      parseDomainXml(
        buildDomainXml({
          devices: `${disk('vda')}<disk device='cdrom'><target dev='hdc'/></disk>${disk('sdb', '', 'sata')}${nic(1)}${nic(2)}<serial type='pty'/><graphics type='vnc'/>`,
        }),
      ),
    );
    const d = live.devices;
    expect(d.disks.map((x) => [x.alias, x.nodeIndex])).toEqual([
      ['virtio-disk0', 1],
      ['ide0-1-0', undefined],
      ['sata0-0-1', 3],
    ]);
    expect(d.interfaces.map((x) => x.alias)).toEqual(['net0', 'net1']);
    expect(d.serials.map((x) => x.alias)).toEqual(['serial0']);
    expect([d.memballoon?.alias, d.video?.alias, d.sataController?.alias]).toEqual([
      'balloon0',
      'video0',
      'sata0',
    ]);
  });

  it('gives a device added after an unplug the first free index and renames no other', () => {
    const live = assignLiveIdentities(
      parseDomainXml(buildDomainXml({ devices: `${nic(1)}${nic(2)}${nic(3)}` })),
    );
    live.devices.interfaces.splice(1, 1); // net1 unplugged
    live.devices.interfaces.push({ type: 'user', mac: '52:54:00:00:00:09', model: 'virtio' });
    const after = assignLiveIdentities(live);
    expect(after.devices.interfaces.map((x) => x.alias)).toEqual(['net0', 'net2', 'net1']);
  });

  it('gives a disk added later a block node index past the highest in use', () => {
    const live = assignLiveIdentities(
      parseDomainXml(buildDomainXml({ devices: `${disk('vda')}${disk('vdb')}` })),
    );
    live.devices.disks.splice(0, 1);
    live.devices.disks.push({
      device: 'disk',
      format: 'raw',
      source: { kind: 'file', path: '/i/c' },
      targetDev: 'vdc',
      bus: 'virtio',
      readonly: false,
    });
    expect(assignLiveIdentities(live).devices.disks.map((x) => x.nodeIndex)).toEqual([2, 3]);
  });

  it('keeps user aliases (ua-) and refuses malformed or duplicate ones', () => {
    const live = assignLiveIdentities(
      parseDomainXml(
        buildDomainXml({
          devices: `${nic(1)}${nic(2, "<alias name='ua-uplink'/>")}${disk('vda', "<alias name='ua-root'/>")}`,
        }),
      ),
    );
    expect(live.devices.interfaces.map((x) => x.alias)).toEqual(['net0', 'ua-uplink']);
    expect(live.devices.disks[0]?.alias).toBe('ua-root');
    const bad = catchTsvirtError(() =>
      parseDomainXml(buildDomainXml({ devices: nic(1, "<alias name='ua-a b'/>") })),
    );
    expect(bad.fields).toMatchObject({ field: 'name', value: 'ua-a b' });
    const twice = catchTsvirtError(() =>
      parseDomainXml(
        buildDomainXml({ devices: `${nic(1, "<alias name='ua-x'/>")}${nic(2, "<alias name='ua-x'/>")}` }),
      ),
    );
    expect(twice.fields).toMatchObject({ device: 'interface 52:54:00:00:00:02', value: 'ua-x' });
  });
});

describe('parse -> format -> parse with addresses and aliases', () => {
  const devices = `${disk('vda', "<alias name='ua-root'/>")}${disk('hdb')}${nic(1)}<serial type='pty'/><graphics type='vnc'/>`;

  it('keeps the addresses and user aliases of a definition, and writes them as libvirt does', () => {
    const defined = define(devices);
    const xml = formatDomainXml(defined);
    expect(xml).toContain(`<alias name='ua-root'/>\n      ${pciXml(4)}`);
    expect(xml).toContain("<address type='drive' controller='0' bus='0' target='0' unit='1'/>");
    expect(xml).toContain(
      `<video>\n      <model type='vga' vram='16384' heads='1' primary='yes'/>\n      ${pciXml(2)}\n    </video>`,
    );
    expect(parseDomainXml(xml)).toEqual(defined);
  });

  it('keeps every alias and block node index of a live definition (the status file), and drops them from a definition', () => {
    const live = assignLiveIdentities(define(devices));
    const xml = formatDomainXml(live);
    expect(xml).toContain("<source file='/i/vda.img' index='1'/>");
    expect(xml).toContain("<alias name='net0'/>");
    expect(parseDomainXml(xml, { live: true })).toEqual(live);
    const inactive = parseDomainXml(xml);
    expect(inactive.devices.interfaces[0]?.alias).toBeUndefined();
    expect(inactive.devices.disks[0]?.alias).toBe('ua-root');
    expect(inactive.devices.disks[0]?.nodeIndex).toBeUndefined();
    expect(inactive).toEqual(define(devices));
  });
});

describe('a live definition with a console', () => {
  it("shows the serial's alias on the console and reads back equal", () => {
    const live = assignLiveIdentities(
      parseDomainXml(
        buildDomainXml({
          devices: "<serial type='pty'/><console type='pty'><target type='serial' port='0'/></console>",
        }),
      ),
    );
    const xml = formatDomainXml(live);
    expect(xml.match(/<alias name='serial0'\/>/g)).toHaveLength(2);
    expect(parseDomainXml(xml, { live: true })).toEqual(live);
  });
});
