/**
 * Devices added to a running guest over QMP, as libvirt's qemu driver does it: the device gets its
 * address and alias the way a start gives them, qemu gets the same block nodes, netdev, backend object
 * and device properties as the start's command line (blockdev-add, netdev_add, object-add,
 * device_add), and the live definition changes only once qemu has confirmed. Removal is unplug.ts.
 */
import { closeSync } from 'node:fs';
import { TsvirtError } from '../errors.js';
import {
  assignAliases,
  assignDeviceAddresses,
  buildDiskObjects,
  buildNicObjects,
  type DiskConfig,
  type DomainConfig,
} from '../domain/index.js';
import type { DeviceSpec } from '../domain/device-xml.js';
import type { InterfaceConfig } from '../domain/types.js';
import type { BusControllerConfig } from '../domain/bus-types.js';
import {
  blockdevAdd,
  blockdevDel,
  deviceAdd,
  deviceDel,
  netdevAdd,
  netdevDel,
  objectAdd,
  objectDel,
  setLink,
  type QmpClient,
} from '../qmp/index.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { requireMonitor } from './power.js';
import { checkNicsOpenable } from './guest-files.js';
import { prepareResources, releaseResources } from './guest-resources.js';
import { RevertStack } from './revert-stack.js';
import { diskHostPath, grantDiskFile, releaseDiskFile } from './device-files.js';
import { saveStatus } from './transitions.js';
import { checkDiskHotplug, checkPathFree, findAddedControllers } from './hotplug-checks.js';
import { buildControllerDevice, buildInputDevices } from '../domain/bus-device-objects.js';
import { buildRngObjects } from '../domain/media-args.js';
import { busIdOf, isTapByFd, type NetdevObject } from '../domain/device-objects.js';
import { handOverFd } from './monitor-fd.js';

type TapNic = Extract<InterfaceConfig, { type: 'bridge' | 'network' }>;

/** Add a disk, interface, usb or virtio input, or rng to the running guest; its definition changes once qemu has it. */
export async function hotplugDevice(ctx: DriverContext, dom: DomainObject, spec: DeviceSpec): Promise<void> {
  const live = dom.liveDef as DomainConfig;
  const qmp = requireMonitor(dom);
  const candidate = structuredClone(live);
  addToCandidate(ctx, live, candidate, spec);
  const placed = assignDeviceAddresses(candidate);
  const controllers = findAddedControllers(live, placed, spec);
  const next = assignAliases(placed);
  const revert = new RevertStack((line) => ctx.log(`domain '${dom.name}': ${line}`));
  const alias = await revert.run(async () => {
    for (const c of controllers) await plugController(qmp, next, c, revert);
    switch (spec.kind) {
      case 'disk':
        return plugDisk(ctx, dom, qmp, next, revert);
      case 'interface':
        return plugNic(ctx, qmp, next, next.devices.interfaces.length - 1, revert);
      case 'input':
        return plugInput(qmp, next);
      default:
        return plugRng(qmp, next, revert);
    }
  });
  dom.liveDef = next;
  const added = next.devices.disks.at(-1);
  const path = spec.kind === 'disk' && added ? diskHostPath(added) : undefined;
  if (dom.run && path !== undefined) dom.run.diskPaths.push(path);
  await saveStatus(ctx, dom);
  ctx.events.emit('device-added', { dom: dom.ref(), devAlias: alias });
}

/** The device joins the copy of the live definition, after libvirt's checks of its kind. */
function addToCandidate(
  ctx: DriverContext,
  live: DomainConfig,
  candidate: DomainConfig,
  spec: DeviceSpec,
): void {
  const d = candidate.devices;
  if (spec.kind === 'disk') {
    checkDiskHotplug(live, spec.disk);
    d.disks.push(structuredClone(spec.disk));
  } else if (spec.kind === 'interface') {
    d.interfaces.push(structuredClone(spec.nic));
    checkNicsOpenable({ ...live, devices: { ...live.devices, interfaces: [spec.nic] } }, ctx.confinement);
  } else if (spec.kind === 'input') {
    if (spec.input.bus === 'ps2') {
      throw new TsvirtError(
        'ERR_NOT_SUPPORTED',
        `Operation not supported: input device on bus '${spec.input.bus}' cannot be hot plugged.`,
        { field: 'bus', value: spec.input.bus, expected: 'usb or virtio' },
      );
    }
    (d.inputs ??= []).push(structuredClone(spec.input));
  } else {
    (d.rngs ??= []).push(structuredClone(spec.rng));
  }
}

async function plugDisk(
  ctx: DriverContext,
  dom: DomainObject,
  qmp: QmpClient,
  next: DomainConfig,
  revert: RevertStack,
): Promise<string> {
  const index = next.devices.disks.length - 1;
  const disk = next.devices.disks[index] as DiskConfig;
  // The storage driver resolves a volume into this disk object (the only disk of the view it is given).
  const view: DomainConfig = { ...next, devices: { ...next.devices, disks: [disk] } };
  await prepareResources(ctx.resources, view, revert);
  revert.push('the resources of the new disk', () => releaseResources(ctx.resources, view, ctx.log));
  const path = diskHostPath(disk);
  if (path !== undefined) checkPathFree(ctx, dom, disk, path);
  await grantDiskFile(ctx, dom, disk);
  if (path !== undefined) revert.push(`the hand-over of ${path}`, () => releaseDiskFile(ctx, dom, path));
  const { blockdevs, device } = buildDiskObjects(next, disk, index);
  for (const node of blockdevs) {
    await blockdevAdd(qmp, node);
    revert.push(`block node ${node['node-name']}`, () => blockdevDel(qmp, node['node-name']));
  }
  await deviceAdd(qmp, device);
  return device.id;
}

/** A SCSI controller the new disk needs, as define would have added it (its alias as start gives it). */
async function plugController(
  qmp: QmpClient,
  next: DomainConfig,
  added: BusControllerConfig,
  revert: RevertStack,
): Promise<void> {
  const c = next.devices.controllers?.find((x) => x.type === added.type && x.index === added.index);
  const device = c && buildControllerDevice(next, c, busIdOf(next));
  if (!device) return;
  await deviceAdd(qmp, device);
  revert.push(`controller ${device.id}`, () => deviceDel(qmp, device.id));
}

async function plugInput(qmp: QmpClient, next: DomainConfig): Promise<string> {
  const alias = next.devices.inputs?.at(-1)?.alias;
  const device = buildInputDevices(next, busIdOf(next)).find((d) => d.id === alias);
  if (!device) throw new TsvirtError('ERR_INTERNAL', 'the new input is missing from the definition');
  await deviceAdd(qmp, device);
  return device.id;
}

async function plugRng(qmp: QmpClient, next: DomainConfig, revert: RevertStack): Promise<string> {
  const rngs = next.devices.rngs ?? [];
  const rng = rngs.at(-1);
  if (!rng) throw new TsvirtError('ERR_INTERNAL', 'the new rng is missing from the definition');
  const { object, device } = buildRngObjects(next, rng, rngs.length - 1);
  await objectAdd(qmp, object);
  revert.push(`object ${object.id}`, () => objectDel(qmp, object.id));
  await deviceAdd(qmp, device);
  return device.id;
}

async function plugNic(
  ctx: DriverContext,
  qmp: QmpClient,
  next: DomainConfig,
  index: number,
  revert: RevertStack,
): Promise<string> {
  const nic = next.devices.interfaces[index];
  if (!nic) throw new TsvirtError('ERR_INTERNAL', 'the new interface is missing from the definition');
  const { netdev, device } = buildNicObjects(next, nic, index);
  if (isTapByFd(nic)) await plugTap(ctx, qmp, next, nic, netdev, revert);
  else await netdevAdd(qmp, netdev);
  revert.push(`netdev ${netdev.id}`, () => netdevDel(qmp, netdev.id));
  await deviceAdd(qmp, device);
  if (nic.linkState === 'down') await setLink(qmp, device.id, false);
  return device.id;
}

/**
 * A bridge or network NIC: the network driver makes its tap as at start, qemu gets tsvirtd's descriptor
 * of it over the monitor (getfd) and netdev_add takes it by name; tsvirtd's copy is closed after, so the
 * tap goes when qemu lets go of it. A failure removes the tap.
 */
async function plugTap(
  ctx: DriverContext,
  qmp: QmpClient,
  next: DomainConfig,
  nic: TapNic,
  netdev: NetdevObject,
  revert: RevertStack,
): Promise<void> {
  const view: DomainConfig = { ...next, devices: { ...next.devices, disks: [], interfaces: [nic] } };
  await prepareResources(ctx.resources, view, revert);
  revert.push(`the tap of ${nic.mac}`, () => releaseResources(ctx.resources, view, ctx.log));
  const fd = nic.tapFd;
  if (fd === undefined) throw new TsvirtError('ERR_INTERNAL', `interface ${nic.mac}: no tap was made`);
  const fdName = `${netdev.id}-tap`;
  try {
    await handOverFd(qmp, fd, fdName, () => netdevAdd(qmp, { ...netdev, fd: fdName }));
  } finally {
    closeSync(fd);
    delete nic.tapFd;
  }
}
