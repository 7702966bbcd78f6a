import { TsvirtError } from '../errors.js';
import {
  AHCI_ALIAS,
  BALLOON_ALIAS,
  VIDEO_ALIAS,
  buildBlockNodeNames,
  buildChardevId,
  buildNetdevId,
  diskAlias,
  diskPosition,
  nicAlias,
  serialAlias,
} from './aliases.js';
import { buildBusDiskPlacement } from './bus-device-objects.js';
import { isQ35Machine } from './parse-os.js';
import { buildDiskBlockProps } from './disk-block-options.js';
import { NIC_QEMU_DEVICES } from './nic-models.js';
import { formatQemuPciAddr, getMachinePciFacts } from './pci-address.js';
import { buildVideoDevice } from './video-device.js';
import type {
  BackingImage,
  CharDevConfig,
  DiskConfig,
  DomainConfig,
  InterfaceConfig,
  PciAddress,
  VideoConfig,
} from './types.js';

/** The arguments of -device and of QMP device_add: qemu's device properties. */
export type QemuDeviceObject = { driver: string; id: string } & Record<string, unknown>;

/** The arguments of -blockdev and of QMP blockdev-add: one block node. */
export type BlockdevObject = { driver: string; 'node-name': string } & Record<string, unknown>;

/** The arguments of -netdev and of QMP netdev_add: one host network backend. */
export type NetdevObject = { type: string; id: string } & Record<string, unknown>;

/** What a disk becomes in qemu: its block nodes (protocol first, then format; none for an empty cdrom) and its device. */
export interface DiskObjects {
  blockdevs: BlockdevObject[];
  device: QemuDeviceObject;
}

/** What an interface becomes in qemu: its netdev backend and its device. */
export interface NicObjects {
  netdev: NetdevObject;
  device: QemuDeviceObject;
}

/** qemu's id of the bus an address names: the root bus, or the root port with that index. */
export function findPciBusId(config: DomainConfig, bus: number): string {
  if (bus === 0) return getMachinePciFacts(config.os.machine).rootBus;
  const port = config.devices.rootPorts?.find((p) => p.index === bus);
  return port?.alias ?? `pci.${bus}`;
}

/** findPciBusId bound to a definition: qemu's id of each bus number. */
export function busIdOf(config: DomainConfig): (bus: number) => string {
  return (bus) => findPciBusId(config, bus);
}

/** bus and addr of a device, or nothing for a device qemu may place itself. */
export function buildPciPlacement(
  config: DomainConfig,
  address: PciAddress | undefined,
): Record<string, unknown> {
  if (address === undefined) return {};
  return {
    bus: findPciBusId(config, address.bus),
    ...(address.multifunction === undefined ? {} : { multifunction: address.multifunction }),
    addr: formatQemuPciAddr(address),
  };
}

/** A disk source's host path and kind, after the driver resolved any volume. */
export function resolveDiskPath(
  config: DomainConfig,
  disk: DiskConfig,
): { path: string; kind: 'file' | 'block' } | undefined {
  const src = disk.source;
  if (src === undefined) return undefined;
  if (src.kind === 'file') return { path: src.path, kind: 'file' };
  if (src.kind === 'block') return { path: src.dev, kind: 'block' };
  if (src.resolved) return src.resolved;
  throw new TsvirtError(
    'ERR_INVALID_ARG',
    `domain '${config.name}': disk ${disk.targetDev} names volume '${src.volume}' of pool '${src.pool}', which is not resolved to a path; resolve volumes before building the qemu command line`,
    { field: 'source', value: `${src.pool}/${src.volume}`, expected: 'a resolved volume path' },
  );
}

/**
 * A disk's block nodes (libvirt-N-storage under libvirt-N-format, N its node index) and its device (id =
 * its alias, on its PCI address or IDE/SATA position). `position` (0-based) stands in for a missing node
 * index, as on a fresh start.
 */
export function buildDiskObjects(
  config: DomainConfig,
  disk: DiskConfig,
  position: number,
  bootindex?: number,
): DiskObjects {
  const resolved = resolveDiskPath(config, disk);
  const blockdevs: BlockdevObject[] = [];
  let drive: string | undefined;
  if (resolved) {
    const names = buildBlockNodeNames(disk.nodeIndex ?? position + 1);
    const ro = disk.readonly;
    const driver = resolved.kind === 'file' ? 'file' : 'host_device';
    const props = buildDiskBlockProps(disk);
    blockdevs.push({
      driver,
      filename: resolved.path,
      'node-name': names.storage,
      'read-only': ro,
      ...props.storage,
    });
    // A chain without node indexes (a definition's) is left to qemu, which opens it from the headers.
    const chain = (disk.backingChain ?? []).filter(hasNodeIndex);
    if (chain.length !== (disk.backingChain ?? []).length) chain.length = 0;
    blockdevs.push(...buildBackingObjects(chain));
    const backing = chain[0] ? { backing: buildBlockNodeNames(chain[0].nodeIndex).format } : {};
    blockdevs.push({
      driver: disk.format,
      file: names.storage,
      'node-name': names.format,
      'read-only': ro,
      ...props.format,
      ...backing,
    });
    drive = names.format;
  }
  return { blockdevs, device: buildDiskDevice(config, disk, drive, bootindex) };
}

type IndexedImage = BackingImage & { nodeIndex: number };

function hasNodeIndex(image: BackingImage): image is IndexedImage {
  return image.nodeIndex !== undefined;
}

/** The read-only node pairs of a backing chain, bottom first, each format node naming its backing. */
function buildBackingObjects(chain: readonly IndexedImage[]): BlockdevObject[] {
  const out: BlockdevObject[] = [];
  for (let i = chain.length - 1; i >= 0; i--) {
    const image = chain[i] as IndexedImage;
    const names = buildBlockNodeNames(image.nodeIndex);
    const below = chain[i + 1];
    out.push({ driver: 'file', filename: image.path, 'node-name': names.storage, 'read-only': true });
    out.push({
      driver: image.format,
      file: names.storage,
      'node-name': names.format,
      'read-only': true,
      backing: below ? buildBlockNodeNames(below.nodeIndex).format : null,
    });
  }
  return out;
}

function buildDiskDevice(
  config: DomainConfig,
  disk: DiskConfig,
  drive: string | undefined,
  bootindex: number | undefined,
): QemuDeviceObject {
  const { bus, unit } = diskPosition(disk);
  let dev: Record<string, unknown>;
  if (disk.bus === 'virtio') {
    const address = disk.address?.type === 'pci' ? disk.address : undefined;
    dev = { driver: 'virtio-blk-pci', ...buildPciPlacement(config, address) };
  } else if (disk.bus === 'scsi' || disk.bus === 'usb') {
    dev = buildBusDiskPlacement(config, disk);
  } else {
    const driver = disk.device === 'cdrom' ? 'ide-cd' : 'ide-hd';
    // i440FX IDE: ide.0/ide.1 with units 0-1. AHCI: one bus per port, named sata0.N, or ide.N on Q35's own.
    if (disk.bus === 'ide') dev = { driver, bus: `ide.${bus}`, unit };
    else dev = { driver, bus: isQ35Machine(config.os.machine) ? `ide.${unit}` : `${AHCI_ALIAS}.${unit}` };
  }
  if (drive !== undefined) dev.drive = drive;
  dev.id = diskAlias(disk);
  Object.assign(dev, buildDiskBlockProps(disk).device);
  if (bootindex !== undefined) dev.bootindex = bootindex;
  return dev as QemuDeviceObject;
}

/** qemu's descriptor number of the first tap tsvirtd hands over at spawn (after stdin, stdout, stderr). */
export const TAP_FD_BASE = 3;

/** Whether a NIC's tap is made by tsvirtd and handed to qemu as a descriptor (bridge and network NICs). */
export function isTapByFd(
  nic: InterfaceConfig,
): nic is Extract<InterfaceConfig, { type: 'bridge' | 'network' }> {
  return nic.type === 'bridge' || nic.type === 'network';
}

/** The descriptor number qemu finds the tap of interface `position` at: taps are passed in NIC order. */
export function findTapFdNumber(config: DomainConfig, position: number): number {
  return TAP_FD_BASE + config.devices.interfaces.slice(0, position).filter(isTapByFd).length;
}

/** An interface's netdev (id 'host' + alias) and device (id = alias, on its PCI address). */
export function buildNicObjects(
  config: DomainConfig,
  nic: InterfaceConfig,
  position: number,
  bootindex?: number,
): NicObjects {
  const alias = nic.alias ?? nicAlias(position);
  const id = buildNetdevId(alias);
  const netdev: NetdevObject =
    nic.type === 'user'
      ? { type: 'user', id }
      : nic.type === 'ethernet'
        ? { type: 'tap', id, ifname: nic.targetDev, script: 'no', downscript: 'no' }
        : { type: 'tap', id, fd: String(findTapFdNumber(config, position)) };
  const device: QemuDeviceObject = {
    driver: NIC_QEMU_DEVICES[nic.model],
    ...buildPciPlacement(config, nic.address),
    netdev: id,
    id: alias,
    mac: nic.mac,
  };
  if (nic.romEnabled === false) device.romfile = ''; // qemu loads no option ROM for an empty romfile
  if (bootindex !== undefined) device.bootindex = bootindex;
  return { netdev, device };
}

/** A serial's isa-serial device (id = alias) on chardev 'char' + alias at its COM port. */
export function buildSerialDevice(serial: CharDevConfig, position: number): QemuDeviceObject {
  const alias = serial.alias ?? serialAlias(position);
  return { driver: 'isa-serial', chardev: buildChardevId(alias), id: alias, index: serial.port };
}

/** The VGA and the AHCI controller, which the argv places apart from the other devices. */
export interface ImplicitDeviceObjects {
  ahci?: QemuDeviceObject;
  video?: QemuDeviceObject;
}

/**
 * The i440FX AHCI controller of a SATA <controller> or SATA disks (Q35 has its own) and the VGA of a <video>, or of a
 * <graphics> in a definition that did not go through define, on their PCI addresses when they have them.
 */
export function buildImplicitDevices(config: DomainConfig): ImplicitDeviceObjects {
  const { devices } = config;
  const wantAhci =
    !isQ35Machine(config.os.machine) &&
    (devices.sataController !== undefined || devices.disks.some((d) => d.bus === 'sata'));
  const video: VideoConfig | undefined =
    devices.video ?? (devices.graphics.length > 0 ? { model: 'vga', vramKiB: 16384, heads: 1 } : undefined);
  const out: ImplicitDeviceObjects = {};
  if (wantAhci) {
    const sata = devices.sataController;
    out.ahci = { driver: 'ahci', id: sata?.alias ?? AHCI_ALIAS, ...buildPciPlacement(config, sata?.address) };
  }
  const videoDevice =
    video &&
    buildVideoDevice(video, true, video.alias ?? VIDEO_ALIAS, buildPciPlacement(config, video.address));
  if (videoDevice) out.video = videoDevice;
  return out;
}

/** Q35's pcie-root-ports (id = alias, pci.N), each on its root-bus address; they come before any device. */
export function buildRootPortDevices(config: DomainConfig): QemuDeviceObject[] {
  return (config.devices.rootPorts ?? []).map((p) => ({
    driver: 'pcie-root-port',
    port: p.port,
    chassis: p.chassis,
    id: p.alias ?? `pci.${p.index}`,
    ...buildPciPlacement(config, p.address),
  }));
}

/** The virtio balloon device, or undefined with <memballoon model='none'/>. */
export function buildBalloonDevice(config: DomainConfig): QemuDeviceObject | undefined {
  const balloon = config.devices.memballoon;
  if (balloon?.model === 'none') return undefined;
  return {
    driver: 'virtio-balloon-pci',
    id: balloon?.alias ?? BALLOON_ALIAS,
    ...buildPciPlacement(config, balloon?.address),
  };
}
