import { describe, expect, it } from 'vitest';
import {
  assignLiveIdentities,
  buildBalloonDevice,
  buildDiskObjects,
  buildImplicitDevices,
  buildNicObjects,
  buildQemuArgv,
  buildRootPortDevices,
  buildSerialDevice,
  parseDomainXml,
  type DomainConfig,
  type QemuHostFacts,
  type QemuRuntimePaths,
} from '../../src/domain/index.js';
import { buildDomainXml } from './fixtures.js';

const HOST: QemuHostFacts = {
  qemuBinary: '/usr/bin/qemu-system-x86_64',
  kvm: { usable: false, reason: 'none here' },
};
const PATHS: QemuRuntimePaths = {
  qmpSocket: '/r/g.qmp',
  serialLog: '/r/g.serial.log',
};

const DEVICES = `
  <disk type='file'><source file='/i/root.qcow2'/><driver name='qemu' type='qcow2'/><target dev='vda'/></disk>
  <disk type='file'><source file='/i/data.img'/><target dev='sda' bus='sata'/></disk>
  <interface type='user'><mac address='52:54:00:00:00:01'/></interface>
  <interface type='bridge'><mac address='52:54:00:00:00:02'/><source bridge='br0'/><alias name='ua-lan'/></interface>
  <serial type='pty'/>
  <graphics type='vnc'/>`;

/** A definition as the driver starts it: addresses from define, aliases and node indexes from start. */
function startConfig(devices = DEVICES, os = '<type>hvm</type>'): DomainConfig {
  return assignLiveIdentities(parseDomainXml(buildDomainXml({ os, devices })));
}

/** The JSON values that follow each `flag` in an argv. */
function jsonAfter(argv: string[], flag: string): unknown[] {
  return argv.flatMap((a, i) => (argv[i - 1] === flag && a.startsWith('{') ? [JSON.parse(a)] : []));
}

describe('device objects', () => {
  it('give a virtio disk its block nodes and a device on its PCI address, named by its alias', () => {
    const config = startConfig();
    const disk = config.devices.disks[0]!;
    expect(buildDiskObjects(config, disk, 0, 1)).toEqual({
      blockdevs: [
        { driver: 'file', filename: '/i/root.qcow2', 'node-name': 'libvirt-1-storage', 'read-only': false },
        { driver: 'qcow2', file: 'libvirt-1-storage', 'node-name': 'libvirt-1-format', 'read-only': false },
      ],
      device: {
        driver: 'virtio-blk-pci',
        bus: 'pci.0',
        addr: '0x6',
        drive: 'libvirt-1-format',
        id: 'virtio-disk0',
        bootindex: 1,
      },
    });
  });

  it('name block nodes by the kept node index, not by the position', () => {
    const config = startConfig();
    const disk = { ...config.devices.disks[1]!, nodeIndex: 7 };
    const { blockdevs, device } = buildDiskObjects(config, disk, 0);
    expect(blockdevs.map((b) => b['node-name'])).toEqual(['libvirt-7-storage', 'libvirt-7-format']);
    expect(device).toEqual({ driver: 'ide-hd', bus: 'sata0.0', drive: 'libvirt-7-format', id: 'sata0-0-0' });
  });

  it('give an interface a netdev named host + alias and a device on its PCI address', () => {
    const config = startConfig();
    const [first, second] = config.devices.interfaces;
    expect(buildNicObjects(config, first!, 0)).toEqual({
      netdev: { type: 'user', id: 'hostnet0' },
      device: {
        driver: 'virtio-net-pci',
        bus: 'pci.0',
        addr: '0x3',
        netdev: 'hostnet0',
        id: 'net0',
        mac: '52:54:00:00:00:01',
      },
    });
    // A bridge NIC's tap is tsvirtd's, handed over as qemu's fd 3 (the first after stdio).
    expect(buildNicObjects(config, second!, 1).netdev).toEqual({ type: 'tap', id: 'hostua-lan', fd: '3' });
  });

  it('number the taps of bridge and network NICs from fd 3 in NIC order, skipping other NICs', () => {
    const config = startConfig();
    const base = { mac: '52:54:00:00:00:09', model: 'virtio' } as const;
    config.devices.interfaces.push(
      { ...base, type: 'user' },
      { ...base, type: 'network', network: 'default' },
    );
    expect(config.devices.interfaces.map((n) => n.type)).toEqual(['user', 'bridge', 'user', 'network']);
    expect(buildNicObjects(config, config.devices.interfaces[3]!, 3).netdev).toEqual({
      type: 'tap',
      id: 'hostnet3',
      fd: '4',
    });
  });

  it('give the serial, the balloon, the VGA and the AHCI controller their aliases and slots', () => {
    const config = startConfig();
    expect(buildSerialDevice(config.devices.serials[0]!, 0)).toEqual({
      driver: 'isa-serial',
      chardev: 'charserial0',
      id: 'serial0',
      index: 0,
    });
    expect(buildBalloonDevice(config)).toEqual({
      driver: 'virtio-balloon-pci',
      id: 'balloon0',
      bus: 'pci.0',
      addr: '0x7',
    });
    expect(buildImplicitDevices(config)).toEqual({
      ahci: { driver: 'ahci', id: 'sata0', bus: 'pci.0', addr: '0x5' },
      video: { driver: 'VGA', id: 'video0', vgamem_mb: 16, bus: 'pci.0', addr: '0x2' },
    });
  });

  it("place devices on Q35's pcie.0, with qemu's addr form for another function", () => {
    const config = startConfig(
      `<disk type='file'><source file='/i/a'/><target dev='vda'/><address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0' multifunction='on'/></disk>
       <disk type='file'><source file='/i/b'/><target dev='vdb'/><address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x3'/></disk>`,
      "<type machine='q35'>hvm</type>",
    );
    const [a, b] = config.devices.disks;
    expect(buildDiskObjects(config, a!, 0).device).toMatchObject({
      bus: 'pcie.0',
      addr: '0x4',
      multifunction: true,
    });
    expect(buildDiskObjects(config, b!, 1).device).toMatchObject({ bus: 'pcie.0', addr: '0x4.0x3' });
  });
});

describe('Q35 root ports', () => {
  it('come first in the argv, and put each PCIe device on its own port', () => {
    const config = startConfig(
      "<interface type='user'><mac address='52:54:00:00:00:01'/></interface>",
      "<type machine='q35'>hvm</type>",
    );
    expect(buildRootPortDevices(config)).toEqual([
      {
        driver: 'pcie-root-port',
        port: 8,
        chassis: 1,
        id: 'pci.1',
        bus: 'pcie.0',
        addr: '0x1',
        multifunction: true,
      },
      { driver: 'pcie-root-port', port: 9, chassis: 2, id: 'pci.2', bus: 'pcie.0', addr: '0x1.0x1' },
      { driver: 'pcie-root-port', port: 10, chassis: 3, id: 'pci.3', bus: 'pcie.0', addr: '0x1.0x2' },
      { driver: 'pcie-root-port', port: 11, chassis: 4, id: 'pci.4', bus: 'pcie.0', addr: '0x1.0x3' },
    ]);
    expect(buildNicObjects(config, config.devices.interfaces[0]!, 0).device).toMatchObject({
      bus: 'pci.1',
      addr: '0x0',
    });
    // The USB controller define adds (qemu-xhci on Q35) takes the second port, the balloon the third.
    expect(buildBalloonDevice(config)).toMatchObject({ bus: 'pci.3', addr: '0x0' });
    const devices = jsonAfter(buildQemuArgv(config, HOST, PATHS), '-device') as Array<{ id: string }>;
    expect(devices.slice(0, 5).map((d) => d.id)).toEqual(['pci.1', 'pci.2', 'pci.3', 'pci.4', 'usb']);
  });
});

describe('buildQemuArgv from the device objects', () => {
  it('emits exactly the objects the builders give, in the argv order', () => {
    const config = startConfig();
    const argv = buildQemuArgv(config, HOST, PATHS);
    const disks = config.devices.disks.map((d, i) => buildDiskObjects(config, d, i, i === 0 ? 1 : undefined));
    const nics = config.devices.interfaces.map((n, i) => buildNicObjects(config, n, i));
    const implicit = buildImplicitDevices(config);
    expect(jsonAfter(argv, '-blockdev')).toEqual(disks.flatMap((d) => d.blockdevs));
    expect(jsonAfter(argv, '-netdev')).toEqual(nics.map((n) => n.netdev));
    expect(jsonAfter(argv, '-device')).toEqual([
      // The USB controller define adds: the PIIX3's UHCI function, built in at 00:01.2.
      { driver: 'piix3-usb-uhci', id: 'usb', bus: 'pci.0', addr: '0x1.0x2' },
      implicit.ahci,
      ...disks.map((d) => d.device),
      ...nics.map((n) => n.device),
      buildSerialDevice(config.devices.serials[0]!, 0),
      implicit.video,
      buildBalloonDevice(config),
    ]);
    expect(argv).toContain('-chardev');
    expect(argv.find((a) => a.startsWith('pty,id=charserial0,'))).toBeDefined();
  });

  it('gives a fresh definition the same names the positional scheme gave', () => {
    const fresh = parseDomainXml(buildDomainXml({ devices: DEVICES }));
    const ids = jsonAfter(buildQemuArgv(fresh, HOST, PATHS), '-device').map((d) => (d as { id: string }).id);
    expect(ids).toEqual([
      'sata0',
      'virtio-disk0',
      'sata0-0-0',
      'net0',
      'ua-lan',
      'serial0',
      'video0',
      'balloon0',
    ]);
  });

  it('adds -incoming with its value at the end, and keeps -S', () => {
    const argv = buildQemuArgv(startConfig(), HOST, PATHS, { incoming: 'defer' });
    expect(argv.slice(-2)).toEqual(['-incoming', 'defer']);
    expect(argv).toContain('-S');
    expect(buildQemuArgv(startConfig(), HOST, PATHS)).not.toContain('-incoming');
  });
});
