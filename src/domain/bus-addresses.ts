/** USB ports and virtio-serial ports of the devices on those buses, as libvirt assigns them at define. */
import { TsvirtError } from '../errors.js';
import { busDeviceError, hasUsbBus, listControllers } from './bus-controllers.js';
import type { UsbAddress, VirtioSerialAddress } from './bus-types.js';
import type { DomainConfig } from './types.js';

/** A device on the USB bus, in the order libvirt hands out ports: USB disks, inputs, then redirdevs. */
interface UsbPortUser {
  label: string;
  address: UsbAddress | undefined;
  set(address: UsbAddress): void;
}

/** Root-hub ports per USB controller model, as libvirt counts them (qemu-xhci: ports=, else qemu's 4). */
export function countUsbPorts(config: DomainConfig): number {
  const usb = listControllers(config, 'usb').filter((c) => c.index === 0);
  if (usb.some((c) => c.model === 'ich9-ehci1')) return 6;
  const xhci = usb.find((c) => c.model === 'qemu-xhci');
  if (xhci) return xhci.ports ?? 4;
  return usb.some((c) => c.model !== 'none') ? 2 : 0;
}

function listUsbPortUsers(config: DomainConfig): UsbPortUser[] {
  const d = config.devices;
  const users: UsbPortUser[] = [];
  for (const disk of d.disks) {
    if (disk.bus !== 'usb') continue;
    const address = disk.address?.type === 'usb' ? disk.address : undefined;
    users.push({ label: `disk ${disk.targetDev}`, address, set: (a) => (disk.address = a) });
  }
  (d.inputs ?? []).forEach((input, i) => {
    if (input.bus !== 'usb') return;
    const address = input.address?.type === 'usb' ? input.address : undefined;
    users.push({ label: `input ${i} (${input.type})`, address, set: (a) => (input.address = a) });
  });
  (d.redirdevs ?? []).forEach((dev, i) => {
    users.push({ label: `redirdev ${i}`, address: dev.address, set: (a) => (dev.address = a) });
  });
  return users;
}

/**
 * Give every USB device without a port the first free port of bus 0 (1, 2, ... in libvirt's device
 * order) and every virtio channel without an address the first free port (from 1) of virtio-serial
 * controller 0. Mutates. Throws ERR_XML_INVALID for a USB device without a USB bus (model none), a
 * port the controller lacks or two devices on one port.
 */
export function assignBusAddresses(config: DomainConfig): void {
  const users = listUsbPortUsers(config);
  if (users.length > 0 && !hasUsbBus(config)) {
    const first = users[0]?.label ?? 'a USB device';
    throw new TsvirtError(
      'ERR_XML_INVALID',
      `domain/devices: ${first} is a USB device but the domain has no USB bus (controller usb model none); remove the device or give the domain a USB controller`,
      {
        device: first,
        element: 'controller',
        field: 'model',
        value: 'none',
        expected: 'a USB controller model other than none',
      },
    );
  }
  const portCount = countUsbPorts(config);
  const taken = new Map<number, string>();
  for (const u of users) {
    const a = u.address;
    if (!a || a.port === 0) continue;
    if (a.bus !== 0)
      throw busDeviceError(
        'ERR_XML_INVALID',
        'address',
        u.label,
        'bus',
        String(a.bus),
        '0 (the one USB bus)',
        'names no USB bus',
      );
    if (a.port > portCount) {
      throw busDeviceError(
        'ERR_XML_INVALID',
        'address',
        u.label,
        'port',
        String(a.port),
        `1-${portCount} (the controller's ports)`,
        'is out of range',
      );
    }
    const other = taken.get(a.port);
    if (other !== undefined) {
      throw busDeviceError(
        'ERR_XML_INVALID',
        'address',
        u.label,
        'port',
        String(a.port),
        'a port no other device uses',
        `is already used by ${other}`,
      );
    }
    taken.set(a.port, u.label);
  }
  for (const u of users) {
    if (u.address && u.address.port !== 0) continue;
    let port = 1;
    while (taken.has(port)) port++;
    if (port > portCount) {
      throw new TsvirtError(
        'ERR_OPERATION_FAILED',
        `domain/devices: ${u.label} has no free USB port (the controller has ${portCount}); use controller usb model qemu-xhci with more ports or remove a USB device`,
        { device: u.label, field: 'port', expected: `a free port 1-${portCount}` },
      );
    }
    taken.set(port, u.label);
    u.set({ type: 'usb', bus: 0, port });
  }
  assignVirtioSerialPorts(config);
}

function assignVirtioSerialPorts(config: DomainConfig): void {
  const channels = config.devices.channels ?? [];
  const key = (a: VirtioSerialAddress): string => `${a.controller}:${a.bus}:${a.port}`;
  const taken = new Set<string>();
  channels.forEach((ch, i) => {
    const a = ch.address;
    if (!a || a.port === 0) return;
    if (!listControllers(config, 'virtio-serial').some((c) => c.index === a.controller)) {
      throw busDeviceError(
        'ERR_XML_INVALID',
        'address',
        `channel ${i}`,
        'controller',
        String(a.controller),
        'the index of a virtio-serial controller',
        'names no virtio-serial controller',
      );
    }
    if (taken.has(key(a))) {
      throw busDeviceError(
        'ERR_XML_INVALID',
        'address',
        `channel ${i}`,
        'port',
        String(a.port),
        'a port no other channel uses',
        'is already used',
      );
    }
    taken.add(key(a));
  });
  for (const ch of channels) {
    if (ch.address && ch.address.port !== 0) continue;
    const a: VirtioSerialAddress = { type: 'virtio-serial', controller: 0, bus: 0, port: 1 };
    while (taken.has(key(a))) a.port++;
    taken.add(key(a));
    ch.address = a;
  }
}

/** Refuse a spicevmc channel or a redirdev in a domain without SPICE graphics, which carries them. */
export function validateSpiceDevices(config: DomainConfig): void {
  const d = config.devices;
  if (d.graphics.some((g) => (g.type as string) === 'spice')) return;
  const device = (d.channels ?? []).some((c) => c.type === 'spicevmc')
    ? "channel type 'spicevmc'"
    : (d.redirdevs ?? []).length > 0
      ? "redirdev type 'spicevmc'"
      : undefined;
  if (device === undefined) return;
  throw new TsvirtError(
    'ERR_XML_INVALID',
    `domain/devices: ${device} needs SPICE graphics, which carry it; add <graphics type='spice'/> or remove the device`,
    { device, element: 'graphics', field: 'type', expected: 'spice' },
  );
}
