/**
 * The USB, SCSI, IDE and virtio-serial controllers of a definition: which libvirt adds, where the
 * chipset holds them and how they take PCI slots.
 */
import { TsvirtError } from '../errors.js';
import { findDriveAddress } from './drive-address.js';
import type { BusControllerConfig, UsbControllerConfig, UsbControllerModel } from './bus-types.js';
import { isQ35Machine } from './parse-os.js';
import type { PciSlotUser } from './pci-address.js';
import type { DomainConfig, PciAddress } from './types.js';

/** The PIIX3's IDE function on i440FX: 00:01.1. */
export const PIIX3_IDE_ADDRESS: PciAddress = { type: 'pci', domain: 0, bus: 0, slot: 1, function: 1 };
/** The PIIX3's UHCI function on i440FX: 00:01.2. */
export const PIIX3_USB_ADDRESS: PciAddress = { type: 'pci', domain: 0, bus: 0, slot: 1, function: 2 };
/** Where Q35 prefers its first ICH9 UHCI (real Q35 boards have it there): 00:1d.0. */
const Q35_UHCI_SLOT = 0x1d;

/** The function of each ICH9 USB2 part in its shared slot, as libvirt places them (EHCI at 7). */
const ICH9_FUNCTIONS: Partial<Record<UsbControllerModel, number>> = {
  'ich9-ehci1': 7,
  'ich9-uhci1': 0,
  'ich9-uhci2': 1,
  'ich9-uhci3': 2,
};

/** The controllers of a definition's `controllers` list with a given type. */
export function listControllers<T extends BusControllerConfig['type']>(
  config: DomainConfig,
  type: T,
): Array<Extract<BusControllerConfig, { type: T }>> {
  return (config.devices.controllers ?? []).filter(
    (c): c is Extract<BusControllerConfig, { type: T }> => c.type === type,
  );
}

/** Whether a controller is one the chipset holds (PIIX3 IDE and UHCI at index 0 on i440FX): no slot of its own. */
export function isBuiltInController(config: DomainConfig, c: BusControllerConfig): boolean {
  if (isQ35Machine(config.os.machine) || c.index !== 0) return false;
  return c.type === 'ide' || (c.type === 'usb' && c.model === 'piix3-uhci');
}

/**
 * The controllers that take a PCI slot, in libvirt's controller order (USB, SCSI, the i440FX AHCI,
 * virtio-serial; each in document order). USB model none, the PIIX3's built-in functions and Q35's
 * built-in AHCI take none.
 */
export function listControllerSlotUsers(config: DomainConfig): PciSlotUser[] {
  const q35 = isQ35Machine(config.os.machine);
  const users: PciSlotUser[] = [];
  const push = (label: string, pcie: boolean, dev: { address?: PciAddress }, extra = {}): void => {
    users.push({ label, pcie, address: dev.address, set: (a) => (dev.address = a), ...extra });
  };
  for (const usb of listControllers(config, 'usb')) {
    if (usb.model === 'none' || isBuiltInController(config, usb)) continue;
    push(`controller usb ${usb.model}`, usb.model === 'qemu-xhci', usb, buildUsb2Placement(usb, q35));
  }
  for (const scsi of listControllers(config, 'scsi')) push(`controller scsi${scsi.index}`, true, scsi);
  const sata = config.devices.sataController;
  if (sata && !q35) push('controller sata', false, sata);
  for (const vs of listControllers(config, 'virtio-serial')) {
    push(`controller virtio-serial${vs.index}`, true, vs);
  }
  return users;
}

function buildUsb2Placement(usb: UsbControllerConfig, q35: boolean): Partial<PciSlotUser> {
  const fn = ICH9_FUNCTIONS[usb.model];
  if (fn === undefined) return {};
  const multi = usb.model === 'ich9-uhci1' ? { multifunction: true } : {};
  const out: Partial<PciSlotUser> = { slotGroup: { key: `usb${usb.index}`, function: fn, ...multi } };
  if (q35 && usb.model === 'ich9-uhci1') {
    out.preferred = { type: 'pci', domain: 0, bus: 0, slot: Q35_UHCI_SLOT, function: 0, multifunction: true };
  }
  return out;
}

/** The USB controller model libvirt 9 adds to a definition without one: qemu-xhci on Q35, piix3-uhci on i440FX. */
export function defaultUsbModel(config: DomainConfig): UsbControllerModel {
  return isQ35Machine(config.os.machine) ? 'qemu-xhci' : 'piix3-uhci';
}

/**
 * Add the controllers and inputs libvirt adds: a USB controller (index 0) when there is none, the IDE
 * controller of IDE disks, a SCSI controller for each controller index SCSI disks name, a
 * virtio-serial controller for virtio channels, the ps2 mouse and keyboard of every x86 guest; and the
 * built-in controllers their chipset addresses. Mutates.
 */
export function addImplicitBusDevices(config: DomainConfig): void {
  const d = config.devices;
  const controllers = (d.controllers ??= []);
  const has = (type: BusControllerConfig['type'], index = 0): boolean =>
    controllers.some((c) => c.type === type && c.index === index);
  if (!controllers.some((c) => c.type === 'usb')) {
    controllers.unshift({ type: 'usb', index: 0, model: defaultUsbModel(config) });
  }
  const scsiIndexes = new Set<number>();
  for (const disk of d.disks) {
    if (disk.bus === 'scsi') scsiIndexes.add(findDriveAddress(disk).controller);
  }
  for (const index of [...scsiIndexes].sort((a, b) => a - b)) {
    if (!has('scsi', index)) controllers.push({ type: 'scsi', index, model: 'virtio-scsi' });
  }
  if (d.disks.some((disk) => disk.bus === 'ide') && !has('ide')) controllers.push({ type: 'ide', index: 0 });
  if ((d.channels ?? []).length > 0 && !has('virtio-serial')) {
    controllers.push({ type: 'virtio-serial', index: 0 });
  }
  const inputs = (d.inputs ??= []);
  for (const type of ['mouse', 'keyboard'] as const) {
    if (!inputs.some((i) => i.type === type && i.bus === 'ps2')) inputs.push({ type, bus: 'ps2' });
  }
  for (const c of controllers) {
    if (!isBuiltInController(config, c)) continue;
    c.address ??= { ...(c.type === 'ide' ? PIIX3_IDE_ADDRESS : PIIX3_USB_ADDRESS) };
  }
}

/** An error about a bus device's controller or address: names the device, the field and the value. */
export function busDeviceError(
  code: 'ERR_XML_INVALID' | 'ERR_NOT_SUPPORTED',
  element: 'controller' | 'address',
  device: string,
  field: string,
  value: string,
  expected: string,
  problem: string,
): TsvirtError {
  return new TsvirtError(
    code,
    `domain/devices: ${device}: ${field}='${value}' ${problem}; expected ${expected}`,
    { device, element, field, attribute: field, value, expected },
  );
}

/**
 * Check the bus controllers against the machine: no IDE on Q35, one IDE (index 0) at 00:01.1 and the
 * PIIX3 UHCI at 00:01.2 on i440FX, no two controllers of a type and index (ICH9 companions aside), no
 * USB device with USB model none.
 */
export function validateBusControllers(config: DomainConfig): void {
  const machine = config.os.machine;
  const seen = new Set<string>();
  for (const c of config.devices.controllers ?? []) {
    const device = `controller ${c.type}${c.index}`;
    if (c.type === 'ide' && isQ35Machine(machine)) {
      throw busDeviceError(
        'ERR_NOT_SUPPORTED',
        'controller',
        device,
        'type',
        'ide',
        `sata on machine ${machine} (Q35 has no IDE controller)`,
        'does not fit the machine',
      );
    }
    if (c.type === 'ide' && c.index !== 0) {
      throw busDeviceError(
        'ERR_NOT_SUPPORTED',
        'controller',
        device,
        'index',
        String(c.index),
        '0 (the PIIX3 has one IDE controller)',
        'is not supported',
      );
    }
    const key = `${c.type}:${c.index}${c.type === 'usb' && c.model in ICH9_FUNCTIONS ? `:${c.model}` : ''}`;
    if (seen.has(key)) {
      throw busDeviceError(
        'ERR_XML_INVALID',
        'controller',
        device,
        'index',
        String(c.index),
        'an index no other controller of this type uses',
        'is used twice',
      );
    }
    seen.add(key);
    if (isBuiltInController(config, c) && c.address) {
      const want = c.type === 'ide' ? PIIX3_IDE_ADDRESS : PIIX3_USB_ADDRESS;
      const a = c.address;
      if (a.domain !== 0 || a.bus !== 0 || a.slot !== want.slot || a.function !== want.function) {
        const where = `0000:00:01.${want.function}`;
        throw busDeviceError(
          'ERR_XML_INVALID',
          'controller',
          device,
          'address',
          `${a.slot}.${a.function}`,
          `${where}, where machine ${machine} has it built in`,
          'is not where the PIIX3 has it',
        );
      }
    }
  }
}

/** Whether a definition has a USB bus: a USB controller of a model other than none. */
export function hasUsbBus(config: DomainConfig): boolean {
  return listControllers(config, 'usb').some((c) => c.model !== 'none');
}
