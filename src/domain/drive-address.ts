import { TsvirtError } from '../errors.js';
import { targetDevIndex } from './parse-disk.js';
import type { DiskConfig, DomainConfig, DriveAddress } from './types.js';

/** IDE on i440FX: one controller, buses 0-1, units 0-1. */
const IDE_LAST = { bus: 1, target: 0, unit: 1 };
/** One AHCI controller: bus 0, one unit per port 0-5. */
const SATA_LAST = { bus: 0, target: 0, unit: 5 };
/** virtio-scsi: one bus, targets 0-255, LUNs 0-16383. */
const SCSI_LAST = { bus: 0, target: 255, unit: 16383 };

/** The drive address a target name implies, as libvirt derives it: hdc -> bus 1 unit 0, sdc -> unit 2. */
export function buildDriveAddress(disk: DiskConfig): DriveAddress {
  const index = targetDevIndex(disk.targetDev);
  if (disk.bus === 'ide')
    return { type: 'drive', controller: 0, bus: index >> 1, target: 0, unit: index & 1 };
  // SCSI: seven units per controller, as libvirt splits sdX (sdh is controller 1 unit 0).
  if (disk.bus === 'scsi')
    return { type: 'drive', controller: Math.floor(index / 7), bus: 0, target: 0, unit: index % 7 };
  return { type: 'drive', controller: 0, bus: 0, target: 0, unit: index };
}

/** Where an IDE or SATA disk sits: its own drive address, else the one its target name implies. */
export function findDriveAddress(disk: DiskConfig): DriveAddress {
  return disk.address?.type === 'drive' ? disk.address : buildDriveAddress(disk);
}

/** Give every IDE and SATA disk without an address the drive address of its target name. Mutates. */
export function assignDriveAddresses(config: DomainConfig): void {
  for (const disk of config.devices.disks) {
    if (disk.bus === 'virtio' || disk.bus === 'usb') continue;
    if (disk.address === undefined) disk.address = buildDriveAddress(disk);
  }
}

function driveError(
  disk: DiskConfig,
  field: string,
  value: number | string,
  expected: string,
  problem: string,
): TsvirtError {
  const device = `disk ${disk.targetDev}`;
  return new TsvirtError(
    'ERR_XML_INVALID',
    `domain/devices: ${device}: address ${field}='${value}' ${problem}; expected ${expected}`,
    { device, element: 'address', field, attribute: field, value: String(value), expected },
  );
}

/**
 * Check disk addresses: pci for virtio, drive for IDE and SATA, with controller 0, target 0, bus and unit
 * in the controller's range, and no two disks of a controller on one bus and unit.
 */
export function validateDiskAddresses(config: DomainConfig): void {
  const taken = new Map<string, string>();
  for (const disk of config.devices.disks) {
    const a = disk.address;
    const wanted = disk.bus === 'virtio' ? 'pci' : disk.bus === 'usb' ? 'usb' : 'drive';
    if (a !== undefined && a.type !== wanted) {
      throw driveError(
        disk,
        'type',
        a.type,
        `'${wanted}' for a disk on bus ${disk.bus}`,
        'does not fit the bus',
      );
    }
    if (disk.bus === 'virtio' || disk.bus === 'usb') continue;
    const d = findDriveAddress(disk);
    const last = disk.bus === 'ide' ? IDE_LAST : disk.bus === 'scsi' ? SCSI_LAST : SATA_LAST;
    if (d.controller !== 0 && disk.bus !== 'scsi')
      throw driveError(
        disk,
        'controller',
        d.controller,
        '0 (tsvirt has one controller per bus kind)',
        'is not supported',
      );
    if (d.target > last.target)
      throw driveError(disk, 'target', d.target, `0-${last.target} on ${disk.bus}`, 'is out of range');
    if (d.bus > last.bus)
      throw driveError(disk, 'bus', d.bus, `0-${last.bus} on ${disk.bus}`, 'is out of range');
    if (d.unit > last.unit)
      throw driveError(disk, 'unit', d.unit, `0-${last.unit} on ${disk.bus}`, 'is out of range');
    const key = `${disk.bus}:${d.controller}:${d.bus}:${d.target}:${d.unit}`;
    const other = taken.get(key);
    if (other !== undefined) {
      throw driveError(
        disk,
        'unit',
        d.unit,
        'a bus and unit no other disk uses',
        `on bus ${d.bus} is already used by ${other}`,
      );
    }
    taken.set(key, `disk ${disk.targetDev}`);
  }
}
