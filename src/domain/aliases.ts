import { targetDevIndex } from './parse-disk.js';
import type { DiskConfig } from './types.js';

/** Where a disk sits on its controller: IDE bus/unit, or the AHCI port. */
export function diskPosition(disk: DiskConfig): { bus: number; unit: number } {
  const index = targetDevIndex(disk.targetDev);
  if (disk.bus === 'ide') return { bus: Math.floor(index / 2), unit: index % 2 };
  return { bus: 0, unit: index };
}

/** libvirt's device alias of a disk (also the qemu device id): virtio-disk0, ide0-1-0, sata0-0-2. */
export function diskAlias(disk: DiskConfig): string {
  if (disk.bus === 'virtio') return `virtio-disk${targetDevIndex(disk.targetDev)}`;
  const { bus, unit } = diskPosition(disk);
  return disk.bus === 'ide' ? `ide0-${bus}-${unit}` : `sata0-0-${unit}`;
}

/** libvirt's alias of the Nth interface (the qemu device id); its netdev is hostnetN. */
export function nicAlias(index: number): string {
  return `net${index}`;
}

/** libvirt's alias of the Nth serial (the qemu device id); its chardev is charserialN. */
export function serialAlias(index: number): string {
  return `serial${index}`;
}

/** The alias of the memory balloon device. */
export const BALLOON_ALIAS = 'balloon0';

/** The alias of the video device tsvirt adds for VNC. */
export const VIDEO_ALIAS = 'video0';
