/**
 * Devices added to and removed from a running guest over QMP, as libvirt's qemu driver does it: the
 * device gets its address and alias the way a start gives them, qemu gets the same block nodes, netdev
 * and device properties as the start's command line (blockdev-add, netdev_add, device_add), and the
 * live definition changes only once qemu has confirmed. Removal is device_del, then qemu's
 * DEVICE_DELETED (waited for up to 5 s, as libvirt; later it finishes in the background), then the
 * backends go (blockdev-del, netdev_del) and the disk's file goes back to its owner.
 */
import { TsvirtError } from '../errors.js';
import {
  assignAliases,
  assignDeviceAddresses,
  buildBlockNodeNames,
  buildDiskObjects,
  buildNetdevId,
  buildNicObjects,
  type DiskConfig,
  type DomainConfig,
} from '../domain/index.js';
import type { DeviceSpec } from '../domain/device-xml.js';
import type { BusControllerConfig } from '../domain/bus-types.js';
import {
  blockdevAdd,
  blockdevDel,
  deviceAdd,
  deviceDel,
  netdevAdd,
  netdevDel,
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
import { buildControllerDevice } from '../domain/bus-device-objects.js';
import { busIdOf } from '../domain/device-objects.js';

/** How long a removal waits for qemu's DEVICE_DELETED before it returns with the removal in progress (libvirt's 5 s). */
export const UNPLUG_WAIT_MS = 5_000;

/** Add a disk or interface to the running guest; its definition changes once qemu has it. */
export async function hotplugDevice(ctx: DriverContext, dom: DomainObject, spec: DeviceSpec): Promise<void> {
  const live = dom.liveDef as DomainConfig;
  const qmp = requireMonitor(dom);
  const candidate = structuredClone(live);
  if (spec.kind === 'disk') {
    checkDiskHotplug(live, spec.disk);
    candidate.devices.disks.push(structuredClone(spec.disk));
  } else if (spec.kind === 'interface') {
    candidate.devices.interfaces.push(structuredClone(spec.nic));
    checkNicsOpenable({ ...live, devices: { ...live.devices, interfaces: [spec.nic] } }, ctx.confinement);
  } else {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `Operation not supported: live attach of device 'input' is not supported; attach it with --config and restart the guest`,
      { device: 'input' },
    );
  }
  const placed = assignDeviceAddresses(candidate);
  const controllers = findAddedControllers(live, placed, spec);
  const next = assignAliases(placed);
  const revert = new RevertStack((line) => ctx.log(`domain '${dom.name}': ${line}`));
  const alias = await revert.run(async () => {
    for (const c of controllers) await plugController(qmp, next, c, revert);
    return spec.kind === 'disk'
      ? plugDisk(ctx, dom, qmp, next, revert)
      : plugNic(qmp, next, next.devices.interfaces.length - 1, revert);
  });
  dom.liveDef = next;
  const added = next.devices.disks.at(-1);
  const path = spec.kind === 'disk' && added ? diskHostPath(added) : undefined;
  if (dom.run && path !== undefined) dom.run.diskPaths.push(path);
  await saveStatus(ctx, dom);
  ctx.events.emit('device-added', { dom: dom.ref(), devAlias: alias });
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

async function plugNic(
  qmp: QmpClient,
  next: DomainConfig,
  index: number,
  revert: RevertStack,
): Promise<string> {
  const nic = next.devices.interfaces[index];
  if (!nic) throw new TsvirtError('ERR_INTERNAL', 'the new interface is missing from the definition');
  const { netdev, device } = buildNicObjects(next, nic, index);
  await netdevAdd(qmp, netdev);
  revert.push(`netdev ${netdev.id}`, () => netdevDel(qmp, netdev.id));
  await deviceAdd(qmp, device);
  return device.id;
}

/**
 * Remove the disk or interface at `index` of the live definition: device_del, then up to UNPLUG_WAIT_MS
 * for DEVICE_DELETED. Returns true when the removal finished, false when it goes on in the background
 * (the domain's next DEVICE_DELETED of that alias finishes it and sends device-removed).
 */
export async function unplugDevice(
  ctx: DriverContext,
  dom: DomainObject,
  kind: 'disk' | 'interface',
  index: number,
): Promise<boolean> {
  const live = dom.liveDef as DomainConfig;
  const qmp = requireMonitor(dom);
  const dev = kind === 'disk' ? live.devices.disks[index] : live.devices.interfaces[index];
  const alias = dev?.alias;
  if (!dev || alias === undefined)
    throw new TsvirtError('ERR_INTERNAL', `domain '${dom.name}': the ${kind} to remove has no alias`, {
      kind,
    });
  if (kind === 'disk') checkDiskHotplug(live, dev as DiskConfig, 'unplug');
  const deleted = qmp.waitForEvent('DEVICE_DELETED', {
    match: (data) => data['device'] === alias,
    timeoutMs: UNPLUG_WAIT_MS,
  });
  deleted.catch(() => undefined);
  try {
    await deviceDel(qmp, alias);
  } catch (err) {
    throw new TsvirtError(
      'ERR_OPERATION_FAILED',
      `operation failed: qemu refused to remove ${kind} ${alias}: ${(err as Error).message}`,
      { device: alias },
      { cause: err },
    );
  }
  try {
    await deleted;
  } catch {
    finishInBackground(ctx, dom, qmp, kind, alias);
    return false;
  }
  await finishRemoval(ctx, dom, qmp, kind, alias);
  return true;
}

/** The guest let go of the device later than UNPLUG_WAIT_MS: finish when qemu says so. */
function finishInBackground(
  ctx: DriverContext,
  dom: DomainObject,
  qmp: QmpClient,
  kind: 'disk' | 'interface',
  alias: string,
): void {
  ctx.log(
    `domain '${dom.name}': ${kind} ${alias} not removed within ${UNPLUG_WAIT_MS} ms; removal continues`,
  );
  const onEvent = (e: { event: string; data: Record<string, unknown> }): void => {
    if (e.event !== 'DEVICE_DELETED' || e.data['device'] !== alias) return;
    qmp.off('event', onEvent);
    void dom.job
      .run('detach-device', ctx.timeouts.internalJobWaitMs, () => finishRemoval(ctx, dom, qmp, kind, alias))
      .catch((err: unknown) => ctx.log(`domain '${dom.name}': removal of ${alias}: ${String(err)}`));
  };
  qmp.on('event', onEvent);
}

/** qemu removed the device: drop its backends, its file ownership, its place in the live definition. */
async function finishRemoval(
  ctx: DriverContext,
  dom: DomainObject,
  qmp: QmpClient,
  kind: 'disk' | 'interface',
  alias: string,
): Promise<void> {
  const live = dom.liveDef;
  if (!live || !dom.run) return;
  const next = structuredClone(live);
  if (kind === 'disk') {
    const disk = next.devices.disks.find((d) => d.alias === alias);
    if (!disk) return;
    next.devices.disks = next.devices.disks.filter((d) => d !== disk);
    await dropDiskNodes(ctx, dom, qmp, disk);
    dom.liveDef = next;
    const path = diskHostPath(disk);
    if (path !== undefined) {
      const at = dom.run.diskPaths.indexOf(path);
      if (at >= 0) dom.run.diskPaths.splice(at, 1);
      await releaseDiskFile(ctx, dom, path);
    }
    await releaseResources(ctx.resources, { ...next, devices: { ...next.devices, disks: [disk] } }, ctx.log);
  } else {
    const nic = next.devices.interfaces.find((n) => n.alias === alias);
    if (!nic) return;
    next.devices.interfaces = next.devices.interfaces.filter((n) => n !== nic);
    await netdevDel(qmp, buildNetdevId(alias)).catch((err: unknown) =>
      ctx.log(`domain '${dom.name}': netdev_del ${buildNetdevId(alias)}: ${String(err)}`),
    );
    dom.liveDef = next;
  }
  await saveStatus(ctx, dom);
  ctx.events.emit('device-removed', { dom: dom.ref(), devAlias: alias });
}

/** blockdev-del of a disk's format node, then its storage node (an empty drive has none). */
export async function dropDiskNodes(
  ctx: DriverContext,
  dom: DomainObject,
  qmp: QmpClient,
  disk: DiskConfig,
): Promise<void> {
  if (disk.nodeIndex === undefined || disk.source === undefined) return;
  const names = buildBlockNodeNames(disk.nodeIndex);
  for (const node of [names.format, names.storage]) {
    await blockdevDel(qmp, node).catch((err: unknown) =>
      ctx.log(`domain '${dom.name}': blockdev-del ${node}: ${String(err)}`),
    );
  }
}
