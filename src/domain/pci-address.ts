import { TsvirtError } from '../errors.js';
import { isQ35Machine } from './parse-os.js';
import { isPcieNicModel } from './nic-models.js';
import { addImplicitBusDevices, listControllerSlotUsers } from './bus-controllers.js';
import type { DomainConfig, PciAddress, RootPortConfig } from './types.js';
import { addImplicitAudio } from './media-defaults.js';
import { VIDEO_DEFAULTS } from './parse-video.js';

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
  /** A PCIe device (virtio, qemu-xhci): on Q35 it goes behind a root port of its own. */
  pcie: boolean;
  address: PciAddress | undefined;
  set(address: PciAddress): void;
  /**
   * Where the chipset stage puts it when that slot is free, before any other device and before the
   * root ports (libvirt's qemuDomainValidateDevicePCISlots*): the primary video, Q35's first ICH9 UHCI
   * at 00:1d.0, Q35's ICH9 sound at 00:1b.0. Taken, the device is placed in its turn like any other.
   */
  preferred?: PciAddress;
  /**
   * Functions of one multifunction slot (an EHCI and its UHCI companions): the key they share and the
   * function this one takes; the first of the group placed picks the slot.
   */
  slotGroup?: { key: string; function: number; multifunction?: boolean };
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
 * The devices of a definition that take a PCI address, in libvirt's order of assignment
 * (qemuDomainAssignDevicePCISlots), each kind in document order:
 *   1. the primary video (its machine slot comes first, in the chipset stage; see `preferred`)
 *   2. interfaces
 *   3. sound cards (an ICH9 sound card on Q35 prefers 00:1b.0)
 *   4. controllers other than PCI, in controller order: USB (ICH9 companions share one slot; the
 *      i440FX's PIIX3 UHCI and IDE are built in at 00:01.2 and 00:01.1 and take no slot), SCSI, the
 *      i440FX AHCI, virtio-serial
 *   5. virtio disks
 *   6. the virtio balloon
 *   7. rng devices
 *   8. the watchdog (i6300esb)
 *   9. further (secondary) video devices
 *  10. virtio inputs
 * A new device kind takes its place in this list. Root ports are not in it: they are placed after the
 * chipset stage and before these, and more are added as the PCIe devices need them.
 */
export function listSlotUsers(config: DomainConfig): PciSlotUser[] {
  const { devices } = config;
  const users: PciSlotUser[] = [];
  const add = (label: string, pcie: boolean, dev: { address?: PciAddress }, extra = {}): void => {
    users.push({ label, pcie, address: dev.address, set: (a) => (dev.address = a), ...extra });
  };
  const facts = getMachinePciFacts(config.os.machine);
  // 1. primary video
  // ramfb is a system-bus device and model none no device at all: neither takes a slot.
  const video = devices.video && !['ramfb', 'none'].includes(devices.video.model) ? devices.video : undefined;
  if (video) add('video', false, video, { preferred: buildPciAddress(facts.videoSlot) });
  // 2. interfaces
  for (const nic of devices.interfaces) add(`interface ${nic.mac}`, isPcieNicModel(nic.model), nic);
  // 3. sound cards
  for (const [i, sound] of (devices.sounds ?? []).entries()) {
    const ich9OnQ35 = sound.model === 'ich9' && isQ35Machine(config.os.machine);
    add(
      `sound ${i} (${sound.model})`,
      false,
      sound,
      ich9OnQ35 ? { preferred: buildPciAddress(ICH9_SOUND_SLOT) } : {},
    );
  }
  // 4. controllers other than PCI
  users.push(...listControllerSlotUsers(config));
  // 5. virtio disks
  for (const disk of devices.disks) {
    if (disk.bus !== 'virtio') continue;
    const address = disk.address?.type === 'pci' ? disk.address : undefined;
    users.push({ label: `disk ${disk.targetDev}`, pcie: true, address, set: (a) => (disk.address = a) });
  }
  // 6. balloon
  const balloon = devices.memballoon;
  if (balloon && balloon.model !== 'none') add('memballoon', true, balloon);
  // 7. rng devices
  for (const [i, rng] of (devices.rngs ?? []).entries()) add(`rng ${i}`, true, rng);
  // 8. watchdog
  if (devices.watchdog?.model === 'i6300esb') add('watchdog', false, devices.watchdog);
  // 9. secondary video devices, then a PCI pvpanic
  for (const [i, v] of (devices.secondaryVideos ?? []).entries())
    add(`video ${i + 1}`, v.model === 'virtio', v);
  for (const panic of devices.panics ?? []) if (panic.model === 'pvpanic') add('panic pvpanic', false, panic);
  // 10. virtio inputs
  for (const [i, input] of (devices.inputs ?? []).entries()) {
    if (input.bus !== 'virtio') continue;
    const address = input.address?.type === 'pci' ? input.address : undefined;
    users.push({ label: `input ${i}`, pcie: true, address, set: (a) => (input.address = a) });
  }
  return users;
}

/**
 * Add the devices libvirt adds to a definition: the PCI root controller, a VGA <video> for a
 * <graphics>, and the SATA controller for SATA disks (at 00:1f.2 on Q35, where it is built in). Mutates.
 */
export function addImplicitDevices(config: DomainConfig): void {
  const d = config.devices;
  const q35 = isQ35Machine(config.os.machine);
  d.pciRoot ??= q35 ? 'pcie-root' : 'pci-root';
  if (d.graphics.length > 0 && !d.video) d.video = { model: 'vga', ...VIDEO_DEFAULTS.vga };
  addImplicitAudio(config);
  if (d.disks.some((disk) => disk.bus === 'sata') && !d.sataController) d.sataController = {};
  if (d.sataController && q35) d.sataController.address ??= { ...Q35_SATA_ADDRESS };
  addImplicitBusDevices(config);
}

/** Where libvirt puts an ICH9 sound card on Q35: 00:1b.0, the ICH9's own HD Audio slot. */
const ICH9_SOUND_SLOT = 0x1b;

/** The root bus's free slots and the root ports, while a layout is being made. */
class RootBusPlan {
  private readonly used = new Set<number>();
  private readonly busy = new Set<number>();

  constructor(
    private readonly config: DomainConfig,
    users: PciSlotUser[],
  ) {
    const facts = getMachinePciFacts(config.os.machine);
    for (const slot of facts.reserved.keys()) this.used.add(slot);
    for (const u of users) if (u.address) this.mark(u.address);
    for (const port of this.ports) if (port.address) this.used.add(port.address.slot);
  }

  private get ports(): RootPortConfig[] {
    return this.config.devices.rootPorts ?? [];
  }

  private mark(a: PciAddress): void {
    if (a.bus === 0) this.used.add(a.slot);
    else this.busy.add(a.bus);
  }

  /** Whether no device and no chipset function uses a root-bus slot. */
  isSlotFree(slot: number): boolean {
    return !this.used.has(slot);
  }

  /** Take a given root-bus address (the chipset stage's), marking its slot used. */
  takeAddress(address: PciAddress): PciAddress {
    this.used.add(address.slot);
    return { ...address };
  }

  /** The first slot no device and no chipset function uses. */
  takeSlot(label: string): PciAddress {
    let slot = 1;
    while (this.used.has(slot) && slot <= PCI_SLOT_MAX) slot++;
    if (slot > PCI_SLOT_MAX) {
      throw new TsvirtError(
        'ERR_OPERATION_FAILED',
        `domain '${this.config.name}': ${label} has no free PCI slot on the root bus (slots 0-${PCI_SLOT_MAX} are used); remove a device`,
        { device: label, field: 'slot', expected: `a free slot 0-${PCI_SLOT_MAX}` },
      );
    }
    this.used.add(slot);
    return buildPciAddress(slot);
  }

  /** Slot 0 of an empty root port (a new one when none is empty), as libvirt places a Q35 PCIe device. */
  takeRootPort(label: string): PciAddress {
    const port = this.ports.find((p) => !this.busy.has(p.index)) ?? this.addRootPort(label);
    this.busy.add(port.index);
    return { type: 'pci', domain: 0, bus: port.index, slot: 0, function: 0 };
  }

  /** Where the next root port goes: the function after the last root port's, or function 0 of a free slot. */
  private nextRootPortAddress(label: string): PciAddress {
    const placed = this.ports.flatMap((p) => (p.address?.bus === 0 ? [p.address] : []));
    const last = placed.reduce<PciAddress | undefined>(
      (a, b) => (!a || b.slot > a.slot || (b.slot === a.slot && b.function > a.function) ? b : a),
      undefined,
    );
    if (last && last.function < PCI_FUNCTION_MAX)
      return { ...buildPciAddress(last.slot), function: last.function + 1 };
    return { ...this.takeSlot(label), multifunction: true };
  }

  /** A new pcie-root-port with the next index (chassis = index, port = (slot << 3) + function, as libvirt picks them). */
  addRootPort(label: string): RootPortConfig {
    const address = this.nextRootPortAddress(label);
    const ports = (this.config.devices.rootPorts ??= []);
    const index = Math.max(0, ...ports.map((p) => p.index)) + 1;
    const port: RootPortConfig = {
      index,
      chassis: index,
      port: (address.slot << 3) + address.function,
      address,
    };
    ports.push(port);
    return port;
  }

  /** Give a root port from the definition that has no address one. */
  placeRootPort(port: RootPortConfig): void {
    const address = this.nextRootPortAddress(`controller pci.${port.index}`);
    port.address = address;
    // A port without <target port=...> (read as 0, the host bridge's) takes (slot << 3) + function, as libvirt picks it.
    if (port.port === 0) port.port = (address.slot << 3) + address.function;
  }
}

/**
 * Give every device without a PCI address one, in libvirt's order (see listSlotUsers): first the
 * chipset stage (each device's `preferred` address when its slot is free: the video on its machine
 * slot, ...), then the definition's root ports without an address (on the next function of the root
 * ports' slot: 00:02.0, 00:02.1, ... behind a video on 00:01.0), then the rest in list order: on Q35
 * every PCIe device slot 0 of a pcie-root-port of its own (a new one when none is free), every other
 * device the first slot no device and no chipset function uses, companions of a multifunction group
 * their function of the group's slot. Devices that have an address keep it. Mutates; returns how many
 * root ports it added. Throws ERR_OPERATION_FAILED when the root bus is full.
 */
export function layOutPciSlots(config: DomainConfig): number {
  const q35 = isQ35Machine(config.os.machine);
  const users = listSlotUsers(config);
  const plan = new RootBusPlan(config, users);
  const groups = new Map<string, number>();
  for (const u of users) if (u.slotGroup && u.address) groups.set(u.slotGroup.key, u.address.slot);
  for (const u of users) {
    if (u.address || !u.preferred || !plan.isSlotFree(u.preferred.slot)) continue;
    u.address = plan.takeAddress(u.preferred);
    u.set(u.address);
    if (u.slotGroup) groups.set(u.slotGroup.key, u.preferred.slot);
  }
  for (const port of config.devices.rootPorts ?? []) if (!port.address) plan.placeRootPort(port);
  const before = config.devices.rootPorts?.length ?? 0;
  for (const u of users) {
    if (u.address) continue;
    const group = u.slotGroup;
    if (group) {
      const slot = groups.get(group.key) ?? plan.takeSlot(u.label).slot;
      groups.set(group.key, slot);
      const multi = group.multifunction === undefined ? {} : { multifunction: group.multifunction };
      u.set({ ...buildPciAddress(slot), function: group.function, ...multi });
    } else if (q35 && u.pcie) u.set(plan.takeRootPort(u.label));
    else u.set(plan.takeSlot(u.label));
  }
  return (config.devices.rootPorts?.length ?? 0) - before;
}

/** A root port without a device, for hotplug: libvirt leaves one on a Q35 guest whose ports it added. */
export function addSpareRootPort(config: DomainConfig): void {
  const users = listSlotUsers(config);
  new RootBusPlan(config, users).addRootPort('a spare pcie-root-port');
}

/** Whether every device of a definition has its PCI address (a definition that went through define). */
export function hasPciLayout(config: DomainConfig): boolean {
  const ports = config.devices.rootPorts ?? [];
  return listSlotUsers(config).every((u) => u.address !== undefined) && ports.every((p) => p.address);
}
