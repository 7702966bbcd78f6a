import { TsvirtError } from '../errors.js';
import { isQ35Machine } from './parse-os.js';
import type { DomainConfig, PciAddress } from './types.js';

/** The last slot of a PCI bus. */
export const PCI_SLOT_MAX = 31;
/** The last function of a PCI slot. */
export const PCI_FUNCTION_MAX = 7;

/** The fixed PCI facts of a machine type: which root-bus slots its own devices hold. */
export interface MachinePciFacts {
  /** qemu's id of the root bus: pci.0 on i440FX, pcie.0 on Q35. */
  rootBus: 'pci.0' | 'pcie.0';
  /** Slots the chipset holds whatever the definition says, with what sits there. */
  reserved: ReadonlyMap<number, string>;
  /** Where the primary video device goes when it is free (qemu puts the first VGA there too). */
  videoSlot: number;
}

const I440FX: MachinePciFacts = {
  rootBus: 'pci.0',
  reserved: new Map([
    [0, 'the host bridge'],
    [1, 'the PIIX3 ISA, IDE, USB and power management functions'],
  ]),
  videoSlot: 2,
};

const Q35: MachinePciFacts = {
  rootBus: 'pcie.0',
  reserved: new Map([
    [0, 'the host bridge'],
    [0x1f, 'the ICH9 LPC, SATA and SMBus functions'],
  ]),
  videoSlot: 1,
};

/** The PCI facts of a machine type accepted by parseOs. */
export function getMachinePciFacts(machine: string): MachinePciFacts {
  return isQ35Machine(machine) ? Q35 : I440FX;
}

/** Where Q35's own AHCI controller sits: 00:1f.2. */
export const Q35_SATA_ADDRESS: PciAddress = { type: 'pci', domain: 0, bus: 0, slot: 0x1f, function: 2 };

/** A device that plugs into the root bus, in the order addresses are handed out. */
export interface PciSlotUser {
  /** How errors name it: 'disk vda', 'interface 52:54:00:...', 'memballoon'. */
  label: string;
  address: PciAddress | undefined;
  set(address: PciAddress): void;
}

/** A root-bus address at function 0 of a slot. */
export function buildPciAddress(slot: number): PciAddress {
  return { type: 'pci', domain: 0, bus: 0, slot, function: 0 };
}

/** qemu's addr= of a PCI address: '0x3', or '0x3.0x1' for another function. */
export function formatQemuPciAddr(a: PciAddress): string {
  const slot = `0x${a.slot.toString(16)}`;
  return a.function === 0 ? slot : `${slot}.0x${a.function.toString(16)}`;
}

/** A human name of a PCI address, as lspci writes it: 0000:00:03.0. */
export function describePciAddress(a: PciAddress): string {
  const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
  return `${hex(a.domain, 4)}:${hex(a.bus, 2)}:${hex(a.slot, 2)}.${a.function}`;
}

/**
 * The root-bus devices of a definition in the order a slot is given to those without one: the video
 * device first (it takes the machine's video slot), then interfaces, the i440FX SATA controller, virtio
 * disks and the balloon; libvirt's order of assignment for these device kinds.
 */
export function listSlotUsers(config: DomainConfig): PciSlotUser[] {
  const { devices } = config;
  const users: PciSlotUser[] = [];
  const video = devices.video;
  if (video) users.push({ label: 'video', address: video.address, set: (a) => (video.address = a) });
  for (const nic of devices.interfaces) {
    users.push({ label: `interface ${nic.mac}`, address: nic.address, set: (a) => (nic.address = a) });
  }
  const sata = devices.sataController;
  if (sata && !isQ35Machine(config.os.machine)) {
    users.push({ label: 'controller sata', address: sata.address, set: (a) => (sata.address = a) });
  }
  for (const disk of devices.disks) {
    if (disk.bus !== 'virtio') continue;
    const address = disk.address?.type === 'pci' ? disk.address : undefined;
    users.push({ label: `disk ${disk.targetDev}`, address, set: (a) => (disk.address = a) });
  }
  const balloon = devices.memballoon;
  if (balloon && balloon.model !== 'none') {
    users.push({ label: 'memballoon', address: balloon.address, set: (a) => (balloon.address = a) });
  }
  return users;
}

/**
 * Add the devices libvirt adds to a definition: a VGA <video> for a <graphics>, and the SATA controller
 * for SATA disks (at 00:1f.2 on Q35, where it is built in). Mutates.
 */
export function addImplicitDevices(config: DomainConfig): void {
  const d = config.devices;
  if (d.graphics.length > 0 && !d.video) d.video = { model: 'vga' };
  if (d.disks.some((disk) => disk.bus === 'sata') && !d.sataController) d.sataController = {};
  if (d.sataController && isQ35Machine(config.os.machine))
    d.sataController.address ??= { ...Q35_SATA_ADDRESS };
}

/**
 * Give every root-bus device without a PCI address one, in libvirt's order (see listSlotUsers): the
 * video device its machine slot when free, every other device the first slot no device and no chipset
 * function uses. Devices that have an address keep it. Mutates. Throws ERR_OPERATION_FAILED when the
 * bus is full.
 */
export function layOutPciSlots(config: DomainConfig): void {
  const facts = getMachinePciFacts(config.os.machine);
  const users = listSlotUsers(config);
  const used = new Set<number>(facts.reserved.keys());
  for (const u of users) if (u.address) used.add(u.address.slot);
  for (const u of users) {
    if (u.address) continue;
    let slot = u.label === 'video' && !used.has(facts.videoSlot) ? facts.videoSlot : 1;
    while (used.has(slot) && slot <= PCI_SLOT_MAX) slot++;
    if (slot > PCI_SLOT_MAX) {
      throw new TsvirtError(
        'ERR_OPERATION_FAILED',
        `domain '${config.name}': ${u.label} has no free PCI slot on the root bus (slots 0-${PCI_SLOT_MAX} are used); remove a device`,
        { device: u.label, field: 'slot', expected: `a free slot 0-${PCI_SLOT_MAX}` },
      );
    }
    used.add(slot);
    u.set(buildPciAddress(slot));
  }
}

/** Whether every root-bus device of a definition has its PCI address (a definition that went through define). */
export function hasPciLayout(config: DomainConfig): boolean {
  return listSlotUsers(config).every((u) => u.address !== undefined);
}
