import { buildControllerDevices } from './bus-device-objects.js';
import {
  busIdOf,
  buildDiskObjects,
  buildImplicitDevices,
  buildNicObjects,
  buildRootPortDevices,
  buildSerialDevice,
} from './device-objects.js';
import type { QemuRuntimePaths } from './qemu-argv.js';
import type { DomainConfig } from './types.js';
import { hasDeviceBootOrder } from './boot-order.js';
import { findConsoleSerialIndex } from './console-serial.js';

/** Boot indexes (1 = first) of devices picked by <os><boot dev=.../>, keyed by disk or NIC position. */
export interface BootIndexes {
  disks: Map<number, number>;
  nics: Map<number, number>;
}

/** A -device/-blockdev/-netdev value in qemu's JSON form, which needs no comma escaping. */
export function jsonOpt(value: Record<string, unknown>): string {
  return JSON.stringify(value);
}

function escapeOpt(value: string): string {
  return value.replaceAll(',', ',,');
}

/**
 * Turn the <boot dev=.../> order into per-device bootindex, as libvirt does: hd is the first disk, cdrom
 * the first cdrom, network the first interface (fd has no device in tsvirt's subset). No boot order with
 * a direct kernel boot.
 */
export function computeBootIndexes(config: DomainConfig): BootIndexes {
  const boot: BootIndexes = { disks: new Map(), nics: new Map() };
  // Per-device <boot order=.../> is the bootindex itself (define refuses it alongside <os><boot>).
  if (hasDeviceBootOrder(config)) {
    config.devices.disks.forEach((d, i) => d.bootOrder !== undefined && boot.disks.set(i, d.bootOrder));
    config.devices.interfaces.forEach((n, i) => n.bootOrder !== undefined && boot.nics.set(i, n.bootOrder));
    return boot;
  }
  if (config.os.kernel !== undefined) return boot;
  let next = 1;
  for (const dev of config.os.boot) {
    if (dev === 'hd' || dev === 'cdrom') {
      const kind = dev === 'hd' ? 'disk' : 'cdrom';
      const i = config.devices.disks.findIndex((d) => d.device === kind);
      if (i >= 0) boot.disks.set(i, next++);
    } else if (dev === 'network' && config.devices.interfaces.length > 0) {
      boot.nics.set(0, next++);
    }
  }
  return boot;
}

/**
 * Q35's root ports first (devices plug into them), then -blockdev (protocol node, then format node) and
 * -device for every disk, with the AHCI controller on i440FX before them.
 */
export function buildDiskArgs(config: DomainConfig, boot: BootIndexes): string[] {
  const args: string[] = [];
  for (const port of buildRootPortDevices(config)) args.push('-device', jsonOpt(port));
  const controllers = buildControllerDevices(config, busIdOf(config));
  for (const dev of controllers.early) args.push('-device', jsonOpt(dev));
  const { ahci } = buildImplicitDevices(config);
  if (ahci) args.push('-device', jsonOpt(ahci));
  for (const dev of controllers.late) args.push('-device', jsonOpt(dev));
  config.devices.disks.forEach((disk, i) => {
    const { blockdevs, device } = buildDiskObjects(config, disk, i, boot.disks.get(i));
    for (const node of blockdevs) args.push('-blockdev', jsonOpt(node));
    args.push('-device', jsonOpt(device));
  });
  return args;
}

/** -netdev and -device for every interface; with no <interface> there is no NIC at all (-nodefaults). */
export function buildNicArgs(config: DomainConfig, boot: BootIndexes): string[] {
  const args: string[] = [];
  config.devices.interfaces.forEach((nic, i) => {
    const { netdev, device } = buildNicObjects(config, nic, i, boot.nics.get(i));
    args.push('-netdev', jsonOpt(netdev), '-device', jsonOpt(device));
  });
  return args;
}

/**
 * -chardev and an isa-serial per serial. A pty serial is a qemu pty (its /dev/pts path comes from
 * query-chardev once qemu runs); the console's serial also appends everything to paths.serialLog. A
 * unix serial serves its own path; a file serial writes to its file.
 */
export function buildSerialArgs(config: DomainConfig, paths: QemuRuntimePaths): string[] {
  const args: string[] = [];
  const consoleIndex = findConsoleSerialIndex(config);
  config.devices.serials.forEach((s, i) => {
    const device = buildSerialDevice(s, i);
    const id = device.chardev as string;
    let chardev: string;
    if (s.type === 'pty') {
      const log = i === consoleIndex ? `,logfile=${escapeOpt(paths.serialLog)},logappend=on` : '';
      chardev = `pty,id=${id}${log}`;
    } else if (s.type === 'unix') {
      chardev = `socket,id=${id},path=${escapeOpt(s.path ?? '')},server=on,wait=off`;
    } else {
      chardev = `file,id=${id},path=${escapeOpt(s.path ?? '')}`;
    }
    args.push('-chardev', chardev);
    args.push('-device', jsonOpt(device));
  });
  return args;
}
