/**
 * libvirt's refusals of a device change on a running guest, each with libvirt's words: a target that
 * is taken, a bus that cannot hot-plug, a path another running guest uses, and a device that would need
 * a new PCI slot or controller (which cannot be hot-plugged: on Q35 a free pcie-root-port must exist).
 */
import { resolve } from 'node:path';
import { TsvirtError } from '../errors.js';
import type { DeviceSpec } from '../domain/device-xml.js';
import { isQ35Machine, type DiskConfig, type DomainConfig } from '../domain/index.js';
import type { BusControllerConfig } from '../domain/bus-types.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';

/** Disk buses qemu cannot hot-plug or hot-unplug a disk on (libvirt refuses them, whatever the machine). */
const FIXED_DISK_BUSES: ReadonlySet<DiskConfig['bus']> = new Set(['ide', 'sata']);

/** A disk may be added to (or removed from) the running guest: a free target on a hot-pluggable bus. */
export function checkDiskHotplug(live: DomainConfig, disk: DiskConfig, op: 'plug' | 'unplug' = 'plug'): void {
  const taken = op === 'plug' ? live.devices.disks.find((d) => d.targetDev === disk.targetDev) : undefined;
  if (taken) {
    // libvirt 9.0's words (its check of the whole definition with the new disk in it).
    throw new TsvirtError(
      'ERR_XML_INVALID',
      `XML error: target '${disk.targetDev}' duplicated for disk sources '${describeSource(taken)}' and '${describeSource(disk)}'`,
      { field: 'target', value: disk.targetDev, expected: 'a target no disk of the domain uses' },
    );
  }
  if (FIXED_DISK_BUSES.has(disk.bus)) {
    const verb = op === 'plug' ? 'hotplugged' : 'hot unplugged';
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `Operation not supported: disk bus '${disk.bus}' cannot be ${verb}.`,
      { field: 'bus', value: disk.bus, expected: 'virtio, scsi or usb' },
    );
  }
}

/** A disk's source as libvirt names it in messages: the path, the pool/volume, or (null) for an empty drive. */
function describeSource(disk: DiskConfig): string {
  const s = disk.source;
  if (!s) return '(null)';
  return s.kind === 'file' ? s.path : s.kind === 'block' ? s.dev : s.volume;
}

/** Config attach: the target is free in the persistent definition (libvirt: operation invalid there). */
export function checkTargetFreeInConfig(def: DomainConfig, disk: DiskConfig): void {
  if (!def.devices.disks.some((d) => d.targetDev === disk.targetDev)) return;
  throw new TsvirtError(
    'ERR_OPERATION_INVALID',
    `Requested operation is not valid: target ${disk.targetDev} already exists`,
    { field: 'target', value: disk.targetDev, expected: 'a target no disk of the domain uses' },
  );
}

/** A writable disk's path is not open in another running guest (a shareable or read-only one may be). */
export function checkPathFree(ctx: DriverContext, dom: DomainObject, disk: DiskConfig, path: string): void {
  if (disk.readonly || disk.shareable) return;
  const wanted = resolve(path);
  const other = ctx.registry
    .all()
    .find((d) => d !== dom && d.run?.diskPaths.some((p) => resolve(p) === wanted));
  if (!other) return;
  throw new TsvirtError(
    'ERR_OPERATION_INVALID',
    `Requested operation is not valid: disk ${disk.targetDev}: ${path} is in use by running domain '${other.name}'; detach it there first, or mark the disk <shareable/>`,
    { field: 'source', value: path, domain: other.name },
  );
}

/**
 * What address assignment for the new device added besides it: nothing qemu cannot hot-plug (a root
 * port, the AHCI, a USB controller); on Q35 a PCIe device needs a free pcie-root-port, as libvirt
 * requires. Returns the new SCSI controllers, which are hot-plugged before the disk, as libvirt does.
 */
export function findAddedControllers(
  live: DomainConfig,
  placed: DomainConfig,
  spec: DeviceSpec,
): BusControllerConfig[] {
  const ports = (c: DomainConfig): number => c.devices.rootPorts?.length ?? 0;
  const label =
    spec.kind === 'disk'
      ? `disk ${spec.disk.targetDev}`
      : spec.kind === 'interface'
        ? `interface ${spec.nic.mac}`
        : spec.kind === 'input'
          ? `input ${spec.input.type}`
          : `rng ${spec.rng.backend.path}`;
  if (ports(placed) > ports(live)) {
    const where = isQ35Machine(live.os.machine) ? 'every pcie-root-port is in use' : 'the root bus is full';
    throw new TsvirtError(
      'ERR_OPERATION_FAILED',
      `operation failed: no free PCI slot for ${label}: ${where}, and root ports cannot be hot-plugged; add <controller type='pci' model='pcie-root-port'/> to the config and restart the guest`,
      { device: label, field: 'address', expected: 'a free pcie-root-port' },
    );
  }
  const had = new Set((live.devices.controllers ?? []).map((c) => `${c.type}/${c.index}`));
  const added = (placed.devices.controllers ?? []).filter((c) => !had.has(`${c.type}/${c.index}`));
  const fixed = added.find((c) => c.type !== 'scsi');
  if (fixed || (placed.devices.sataController && !live.devices.sataController)) {
    const what = fixed ? `a ${fixed.type} controller` : 'a SATA controller';
    throw new TsvirtError(
      'ERR_OPERATION_FAILED',
      `operation failed: ${label} needs ${what}, which the guest does not have and which cannot be hot-plugged; add it to the config and restart the guest`,
      { device: label, field: 'controller', value: fixed?.type ?? 'sata' },
    );
  }
  return added;
}
