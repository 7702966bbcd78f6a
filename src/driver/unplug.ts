/**
 * Devices removed from a running guest, as libvirt's qemu driver does it: device_del, then qemu's
 * DEVICE_DELETED (waited for up to 5 s; later it finishes in the background), then the device's
 * backends go (blockdev-del, netdev_del, object-del), the disk's file goes back to its owner, and the
 * live definition drops the device; device-removed names its alias. A guest that refuses the unplug
 * (qemu's DEVICE_UNPLUG_GUEST_ERROR) gives device-removal-failed, as libvirt.
 */
import { TsvirtError } from '../errors.js';
import { buildBlockNodeNames, buildNetdevId, type DiskConfig, type DomainConfig } from '../domain/index.js';
import { buildRngObjectId } from '../domain/media-args.js';
import { isTapByFd } from '../domain/device-objects.js';
import { blockdevDel, deviceDel, netdevDel, objectDel, type QmpClient, type QmpEvent } from '../qmp/index.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { requireMonitor } from './power.js';
import { releaseResources } from './guest-resources.js';
import { diskHostPath, releaseDiskFile } from './device-files.js';
import { saveStatus } from './transitions.js';
import { checkDiskHotplug } from './hotplug-checks.js';

/** How long a removal waits for qemu's DEVICE_DELETED before it returns with the removal in progress (libvirt's 5 s). */
export const UNPLUG_WAIT_MS = 5_000;

/** The kinds of device a running guest can lose. */
export type UnplugKind = 'disk' | 'interface' | 'input' | 'rng';

/** The device of `kind` at `index` of a definition's list of that kind. */
function deviceAt(def: DomainConfig, kind: UnplugKind, index: number): { alias?: string } | undefined {
  const d = def.devices;
  if (kind === 'disk') return d.disks[index];
  if (kind === 'interface') return d.interfaces[index];
  if (kind === 'input') return d.inputs?.[index];
  return d.rngs?.[index];
}

/**
 * Remove the device of `kind` at `index` of the live definition: device_del, then up to UNPLUG_WAIT_MS
 * for DEVICE_DELETED. Returns true when the removal finished, false when it goes on in the background
 * (the domain's next DEVICE_DELETED of that alias finishes it and sends device-removed).
 */
export async function unplugDevice(
  ctx: DriverContext,
  dom: DomainObject,
  kind: UnplugKind,
  index: number,
): Promise<boolean> {
  const live = dom.liveDef as DomainConfig;
  const qmp = requireMonitor(dom);
  const dev = deviceAt(live, kind, index);
  const alias = dev?.alias;
  if (!dev || alias === undefined)
    throw new TsvirtError('ERR_INTERNAL', `domain '${dom.name}': the ${kind} to remove has no alias`, {
      kind,
    });
  if (kind === 'disk') checkDiskHotplug(live, dev as DiskConfig, 'unplug');
  if (kind === 'input' && live.devices.inputs?.[index]?.bus === 'ps2') {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      "Operation not supported: input device on bus 'ps2' cannot be hot unplugged.",
      {
        field: 'bus',
        value: 'ps2',
      },
    );
  }
  const match = (data: Record<string, unknown>): boolean => data['device'] === alias;
  const deleted = qmp.waitForEvent('DEVICE_DELETED', { match, timeoutMs: UNPLUG_WAIT_MS });
  deleted.catch(() => undefined);
  // qemu 6.2+ reports a guest that refused the unplug (DEVICE_UNPLUG_GUEST_ERROR {device, path}).
  const refusal = new AbortController();
  const refused = qmp
    .waitForEvent('DEVICE_UNPLUG_GUEST_ERROR', { match, timeoutMs: UNPLUG_WAIT_MS, signal: refusal.signal })
    .then(
      () => true,
      () => false,
    );
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
  const outcome = await Promise.race([
    deleted.then(
      () => 'deleted' as const,
      () => 'timeout' as const,
    ),
    refused.then((r) => (r ? ('refused' as const) : ('timeout' as const))),
  ]);
  refusal.abort();
  if (outcome === 'refused') {
    ctx.events.emit('device-removal-failed', { dom: dom.ref(), devAlias: alias });
    throw new TsvirtError(
      'ERR_OPERATION_FAILED',
      'operation failed: unplug of device was rejected by the guest',
      {
        device: alias,
      },
    );
  }
  if (outcome === 'timeout') {
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
  kind: UnplugKind,
  alias: string,
): void {
  ctx.log(
    `domain '${dom.name}': ${kind} ${alias} not removed within ${UNPLUG_WAIT_MS} ms; removal continues`,
  );
  const onEvent = (e: QmpEvent): void => {
    if (e.data['device'] !== alias) return;
    if (e.event === 'DEVICE_UNPLUG_GUEST_ERROR') {
      qmp.off('event', onEvent);
      ctx.events.emit('device-removal-failed', { dom: dom.ref(), devAlias: alias });
      return;
    }
    if (e.event !== 'DEVICE_DELETED') return;
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
  kind: UnplugKind,
  alias: string,
): Promise<void> {
  const live = dom.liveDef;
  if (!live || !dom.run) return;
  const next = structuredClone(live);
  const d = next.devices;
  const warn = (what: string) => (err: unknown) => ctx.log(`domain '${dom.name}': ${what}: ${String(err)}`);
  if (kind === 'disk') {
    const disk = d.disks.find((x) => x.alias === alias);
    if (!disk) return;
    d.disks = d.disks.filter((x) => x !== disk);
    await dropDiskNodes(ctx, dom, qmp, disk);
    dom.liveDef = next;
    await releaseDisk(ctx, dom, next, disk);
  } else if (kind === 'interface') {
    const nic = d.interfaces.find((n) => n.alias === alias);
    if (!nic) return;
    d.interfaces = d.interfaces.filter((n) => n !== nic);
    await netdevDel(qmp, buildNetdevId(alias)).catch(warn(`netdev_del ${buildNetdevId(alias)}`));
    // A bridge or network NIC's tap goes back to the network driver (it also goes with qemu's descriptor).
    const view = { ...next, devices: { ...next.devices, disks: [], interfaces: [nic] } };
    if (isTapByFd(nic)) await releaseResources(ctx.resources, view, ctx.log);
  } else if (kind === 'input') {
    if (!d.inputs?.some((i) => i.alias === alias)) return;
    d.inputs = d.inputs.filter((i) => i.alias !== alias);
  } else {
    if (!d.rngs?.some((r) => r.alias === alias)) return;
    d.rngs = d.rngs.filter((r) => r.alias !== alias);
    await objectDel(qmp, buildRngObjectId(alias)).catch(warn(`object-del ${buildRngObjectId(alias)}`));
  }
  dom.liveDef = next;
  await saveStatus(ctx, dom);
  ctx.events.emit('device-removed', { dom: dom.ref(), devAlias: alias });
}

/** A removed disk's path leaves the running paths, its file goes back, the storage driver takes its volume back. */
async function releaseDisk(
  ctx: DriverContext,
  dom: DomainObject,
  next: DomainConfig,
  disk: DiskConfig,
): Promise<void> {
  const path = diskHostPath(disk);
  if (path !== undefined && dom.run) {
    const at = dom.run.diskPaths.indexOf(path);
    if (at >= 0) dom.run.diskPaths.splice(at, 1);
    await releaseDiskFile(ctx, dom, path);
  }
  await releaseResources(ctx.resources, { ...next, devices: { ...next.devices, disks: [disk] } }, ctx.log);
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
