import { TsvirtError } from '../errors.js';
import { diskAlias, diskPosition, nicAlias, serialAlias } from './aliases.js';
import { isQ35Machine } from './parse-os.js';
import type { QemuRuntimePaths } from './qemu-argv.js';
import type { DiskConfig, DomainConfig } from './types.js';

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

function resolveDiskPath(
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

/** -blockdev (protocol node, then format node) and -device for every disk, plus the AHCI controller on i440FX. */
export function buildDiskArgs(config: DomainConfig, boot: BootIndexes): string[] {
  const args: string[] = [];
  const q35 = isQ35Machine(config.os.machine);
  if (!q35 && config.devices.disks.some((d) => d.bus === 'sata')) {
    args.push('-device', jsonOpt({ driver: 'ahci', id: 'sata0' }));
  }
  config.devices.disks.forEach((disk, i) => {
    const resolved = resolveDiskPath(config, disk);
    const format = `libvirt-${i + 1}-format`;
    if (resolved) {
      const storage = `libvirt-${i + 1}-storage`;
      const driver = resolved.kind === 'file' ? 'file' : 'host_device';
      const ro = disk.readonly;
      args.push(
        '-blockdev',
        jsonOpt({ driver, filename: resolved.path, 'node-name': storage, 'read-only': ro }),
      );
      args.push(
        '-blockdev',
        jsonOpt({ driver: disk.format, file: storage, 'node-name': format, 'read-only': ro }),
      );
    }
    args.push(
      '-device',
      jsonOpt(buildDiskDevice(disk, q35, resolved ? format : undefined, boot.disks.get(i))),
    );
  });
  return args;
}

function buildDiskDevice(
  disk: DiskConfig,
  q35: boolean,
  drive: string | undefined,
  bootindex: number | undefined,
): Record<string, unknown> {
  const { bus, unit } = diskPosition(disk);
  let dev: Record<string, unknown>;
  if (disk.bus === 'virtio') dev = { driver: 'virtio-blk-pci' };
  else {
    const driver = disk.device === 'cdrom' ? 'ide-cd' : 'ide-hd';
    // i440FX IDE: ide.0/ide.1 with units 0-1. AHCI: one bus per port, named sata0.N, or ide.N on Q35's own.
    if (disk.bus === 'ide') dev = { driver, bus: `ide.${bus}`, unit };
    else dev = { driver, bus: q35 ? `ide.${unit}` : `sata0.${unit}` };
  }
  if (drive !== undefined) dev.drive = drive;
  dev.id = diskAlias(disk);
  if (bootindex !== undefined) dev.bootindex = bootindex;
  return dev;
}

/** -netdev and -device for every interface; with no <interface> there is no NIC at all (-nodefaults). */
export function buildNicArgs(config: DomainConfig, boot: BootIndexes): string[] {
  const args: string[] = [];
  config.devices.interfaces.forEach((nic, i) => {
    const id = `hostnet${i}`;
    const netdev =
      nic.type === 'user'
        ? { type: 'user', id }
        : nic.type === 'bridge'
          ? { type: 'bridge', id, br: nic.bridge }
          : { type: 'tap', id, ifname: nic.targetDev, script: 'no', downscript: 'no' };
    const device: Record<string, unknown> = {
      driver: nic.model === 'virtio' ? 'virtio-net-pci' : 'e1000',
      netdev: id,
      id: nicAlias(i),
      mac: nic.mac,
    };
    if (nic.romEnabled === false) device.romfile = ''; // qemu loads no option ROM for an empty romfile
    const bootindex = boot.nics.get(i);
    if (bootindex !== undefined) device.bootindex = bootindex;
    args.push('-netdev', jsonOpt(netdev), '-device', jsonOpt(device));
  });
  return args;
}

/**
 * -chardev and an isa-serial per serial. libvirt's pty has no meaning for a daemon without a terminal to
 * hand out: a pty serial becomes a unix socket server at paths.consoleSocket (what `virsh console`
 * reaches), with everything also appended to paths.serialLog. A unix serial serves its own path; a file
 * serial writes to its file.
 */
export function buildSerialArgs(config: DomainConfig, paths: QemuRuntimePaths): string[] {
  const args: string[] = [];
  config.devices.serials.forEach((s, i) => {
    const id = `charserial${i}`;
    let chardev: string;
    if (s.type === 'pty') {
      chardev = `socket,id=${id},path=${escapeOpt(paths.consoleSocket)},server=on,wait=off,logfile=${escapeOpt(paths.serialLog)},logappend=on`;
    } else if (s.type === 'unix') {
      chardev = `socket,id=${id},path=${escapeOpt(s.path ?? '')},server=on,wait=off`;
    } else {
      chardev = `file,id=${id},path=${escapeOpt(s.path ?? '')}`;
    }
    args.push('-chardev', chardev);
    args.push('-device', jsonOpt({ driver: 'isa-serial', chardev: id, id: serialAlias(i), index: s.port }));
  });
  return args;
}

/** The socket of the domain's console (the serial its <console> names, else the first serial), if any. */
export function findConsoleSocket(config: DomainConfig, paths: QemuRuntimePaths): string | undefined {
  const { serials, consoles } = config.devices;
  const port = consoles[0]?.port;
  const serial = (port === undefined ? undefined : serials.find((s) => s.port === port)) ?? serials[0];
  if (serial?.type === 'pty') return paths.consoleSocket;
  if (serial?.type === 'unix') return serial.path;
  return undefined;
}
