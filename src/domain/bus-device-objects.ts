/** What the bus controllers, channels, inputs, redirdevs and SCSI and USB disks become in qemu. */
import { join } from 'node:path';
import { buildControllerAlias } from './bus-aliases.js';
import { listControllers } from './bus-controllers.js';
import type { BusControllerConfig, ChannelConfig, InputConfig, UsbControllerModel } from './bus-types.js';
import type { QemuDeviceObject } from './device-objects.js';
import { findDriveAddress } from './drive-address.js';
import { formatQemuPciAddr } from './pci-address.js';
import type { DiskConfig, DomainConfig, PciAddress } from './types.js';

/** qemu's device of each USB controller model (none has none). */
const USB_DRIVERS: Record<Exclude<UsbControllerModel, 'none'>, string> = {
  'qemu-xhci': 'qemu-xhci',
  'ich9-ehci1': 'ich9-usb-ehci1',
  'ich9-uhci1': 'ich9-usb-uhci1',
  'ich9-uhci2': 'ich9-usb-uhci2',
  'ich9-uhci3': 'ich9-usb-uhci3',
  'piix3-uhci': 'piix3-usb-uhci',
};

/** qemu's id of the bus an address names (the root bus, or a root port); given by the caller's module. */
export type PciBusIdOf = (bus: number) => string;

/** bus, multifunction and addr in the order libvirt writes them. */
function place(address: PciAddress | undefined, busId: PciBusIdOf): Record<string, unknown> {
  if (!address) return {};
  return {
    bus: busId(address.bus),
    ...(address.multifunction === undefined ? {} : { multifunction: address.multifunction }),
    addr: formatQemuPciAddr(address),
  };
}

/** The USB bus devices plug into: the first USB controller's alias + '.0' (usb.0). */
export function findUsbBusId(config: DomainConfig): string {
  const usb = listControllers(config, 'usb').find((c) => c.index === 0 && !c.model.startsWith('ich9-uhci'));
  return `${usb?.alias ?? 'usb'}.0`;
}

/** One controller's -device object, or undefined for one built into the chipset or USB model none. */
export function buildControllerDevice(
  config: DomainConfig,
  c: BusControllerConfig,
  busId: PciBusIdOf,
): QemuDeviceObject | undefined {
  const id = c.alias ?? buildControllerAlias(c);
  if (c.type === 'ide') return undefined; // the PIIX3's own
  if (c.type === 'scsi') return { driver: 'virtio-scsi-pci', id, ...place(c.address, busId) };
  if (c.type === 'virtio-serial') {
    const opts = {
      ...(c.ports === undefined ? {} : { max_ports: c.ports }),
      ...(c.vectors === undefined ? {} : { vectors: c.vectors }),
    };
    return { driver: 'virtio-serial-pci', id, ...opts, ...place(c.address, busId) };
  }
  if (c.model === 'none') return undefined;
  const driver = USB_DRIVERS[c.model];
  if (c.model.startsWith('ich9-uhci')) {
    // A companion has no id of its own: it serves ports of the EHCI's bus.
    const master = { masterbus: `${id}.0`, firstport: c.startport ?? 0 };
    return { driver, ...master, ...place(c.address, busId) } as unknown as QemuDeviceObject;
  }
  const ports = c.model === 'qemu-xhci' && c.ports !== undefined ? { p2: c.ports, p3: c.ports } : {};
  return { driver, ...ports, id, ...place(c.address, busId) };
}

/**
 * The controllers' -device objects in libvirt's order: USB and SCSI before the AHCI (`early`),
 * virtio-serial after it (`late`); each kind in document order.
 */
export function buildControllerDevices(
  config: DomainConfig,
  busId: PciBusIdOf,
): { early: QemuDeviceObject[]; late: QemuDeviceObject[] } {
  const of = (type: BusControllerConfig['type']): QemuDeviceObject[] =>
    listControllers(config, type).flatMap((c) => buildControllerDevice(config, c, busId) ?? []);
  return { early: [...of('usb'), ...of('scsi')], late: of('virtio-serial') };
}

/** -chardev and -device of each channel: a socket server (unix) or the SPICE agent channel, on its virtserialport. */
export function buildChannelArgs(config: DomainConfig, channelDir: string): string[] {
  const args: string[] = [];
  (config.devices.channels ?? []).forEach((ch, i) => {
    const id = ch.alias ?? `channel${i}`;
    args.push('-chardev', buildChannelChardev(ch, `char${id}`, channelDir));
    const a = ch.address ?? { type: 'virtio-serial', controller: 0, bus: 0, port: i + 1 };
    const vs = listControllers(config, 'virtio-serial').find((c) => c.index === a.controller);
    const bus = `${vs?.alias ?? `virtio-serial${a.controller}`}.${a.bus}`;
    const device = { driver: 'virtserialport', bus, nr: a.port, chardev: `char${id}`, id, name: ch.name };
    args.push('-device', JSON.stringify(device));
  });
  return args;
}

function buildChannelChardev(ch: ChannelConfig, id: string, channelDir: string): string {
  if (ch.type === 'spicevmc') return `spicevmc,id=${id},name=vdagent`;
  const path = ch.path ?? join(channelDir, ch.name);
  return `socket,id=${id},path=${path.replaceAll(',', ',,')},server=on,wait=off`;
}

const INPUT_DRIVERS = {
  usb: { tablet: 'usb-tablet', mouse: 'usb-mouse', keyboard: 'usb-kbd' },
  virtio: { tablet: 'virtio-tablet-pci', mouse: 'virtio-mouse-pci', keyboard: 'virtio-keyboard-pci' },
} as const;

/** The -device of each usb or virtio input (ps2 ones are the i8042's, with no device). */
export function buildInputDevices(config: DomainConfig, busId: PciBusIdOf): QemuDeviceObject[] {
  const out: QemuDeviceObject[] = [];
  (config.devices.inputs ?? []).forEach((input: InputConfig, i) => {
    if (input.bus === 'ps2') return;
    const id = input.alias ?? `input${i}`;
    const driver = INPUT_DRIVERS[input.bus][input.type];
    const a = input.address;
    if (input.bus === 'usb') {
      const port = a?.type === 'usb' ? { port: String(a.port) } : {};
      out.push({ driver, id, bus: findUsbBusId(config), ...port });
    } else {
      out.push({ driver, id, ...place(a?.type === 'pci' ? a : undefined, busId) });
    }
  });
  return out;
}

/** -chardev spicevmc (usbredir) and a usb-redir device on its USB port for each redirdev. */
export function buildRedirdevArgs(config: DomainConfig): string[] {
  const args: string[] = [];
  (config.devices.redirdevs ?? []).forEach((dev, i) => {
    const id = dev.alias ?? `redir${i}`;
    args.push('-chardev', `spicevmc,id=char${id},name=usbredir`);
    const port = dev.address ? { port: String(dev.address.port) } : {};
    const device = { driver: 'usb-redir', chardev: `char${id}`, id, bus: findUsbBusId(config), ...port };
    args.push('-device', JSON.stringify(device));
  });
  return args;
}

/** Where a SCSI or USB disk plugs in: scsi-hd/scsi-cd on its controller's bus, or usb-storage on a USB port. */
export function buildBusDiskPlacement(config: DomainConfig, disk: DiskConfig): Record<string, unknown> {
  if (disk.bus === 'usb') {
    const port = disk.address?.type === 'usb' ? { port: String(disk.address.port) } : {};
    return { driver: 'usb-storage', bus: findUsbBusId(config), ...port };
  }
  const a = findDriveAddress(disk);
  const scsi = listControllers(config, 'scsi').find((c) => c.index === a.controller);
  const alias = `scsi${a.controller}-${a.bus}-${a.target}-${a.unit}`;
  return {
    driver: disk.device === 'cdrom' ? 'scsi-cd' : 'scsi-hd',
    bus: `${scsi?.alias ?? `scsi${a.controller}`}.${a.bus}`,
    channel: 0,
    'scsi-id': a.target,
    lun: a.unit,
    device_id: `drive-${alias}`,
  };
}
