/**
 * A cdrom's media changed or ejected (update-device, `virsh change-media`), as libvirt's qemu driver
 * does it with -blockdev: open the tray (forced), remove the medium and delete its block nodes, add the
 * new image's nodes (the same ones a start builds) and insert them, close the tray. The old image goes
 * back to its owner and the new one is handed to the qemu user, as for a disk attached live.
 */
import { findHighestNodeIndex } from '../domain/aliases.js';
import { TsvirtError } from '../errors.js';
import { buildDiskObjects, type DiskConfig, type DomainConfig } from '../domain/index.js';
import { buildDeviceMissingError } from '../domain/device-xml.js';
import {
  blockdevAdd,
  blockdevCloseTray,
  blockdevDel,
  blockdevInsertMedium,
  blockdevOpenTray,
  blockdevRemoveMedium,
} from '../qmp/index.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { requireMonitor } from './power.js';
import { prepareResources } from './guest-resources.js';
import { RevertStack } from './revert-stack.js';
import { diskHostPath, grantDiskFile, releaseDiskFile } from './device-files.js';
import { dropDiskNodes } from './unplug.js';
import { saveStatus } from './transitions.js';

/** Fields of a disk that update-device cannot change, by libvirt's names for them. */
const FIXED_FIELDS: ReadonlyArray<[string, (d: DiskConfig) => unknown]> = [
  ['device', (d) => d.device],
  ['bus', (d) => d.bus],
  ['readonly', (d) => d.readonly],
  ['shareable', (d) => d.shareable ?? false],
  ['serial', (d) => d.serial],
];

/** Whether two sources name the same image. */
function isSameSource(a: DiskConfig, b: DiskConfig): boolean {
  return (
    JSON.stringify(a.source ?? null) === JSON.stringify(b.source ?? null) ||
    (a.source !== undefined &&
      b.source !== undefined &&
      diskHostPath(a) !== undefined &&
      diskHostPath(a) === diskHostPath(b))
  );
}

/**
 * The position of the disk `wanted` updates, after libvirt's checks: only the source may change, and
 * only on a removable drive (cdrom). Returns -1 when nothing changes (libvirt then succeeds quietly).
 */
function findUpdatedDisk(def: DomainConfig, wanted: DiskConfig, live: boolean): number {
  const index = def.devices.disks.findIndex((d) => d.targetDev === wanted.targetDev);
  const found = def.devices.disks[index];
  if (!found) throw buildDeviceMissingError({ kind: 'disk', disk: wanted }, live);
  for (const [field, read] of FIXED_FIELDS) {
    if (read(found) === read(wanted)) continue;
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `Operation not supported: cannot modify field '${field}' of the disk`,
      {
        field,
        value: read(wanted),
        expected: read(found),
      },
    );
  }
  if (isSameSource(found, wanted)) return -1;
  if (found.device !== 'cdrom') {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      'Operation not supported: disk source can be changed only in removable drives',
      { field: 'source', device: found.device, expected: 'cdrom' },
    );
  }
  return index;
}

/** The persistent definition with the cdrom's media replaced (or removed). Pure. */
export function changeMediaInConfig(def: DomainConfig, disk: DiskConfig): DomainConfig {
  const index = findUpdatedDisk(def, disk, false);
  const out = structuredClone(def);
  if (index < 0) return out;
  const target = out.devices.disks[index] as DiskConfig;
  setMedia(target, disk);
  return out;
}

function setMedia(target: DiskConfig, from: DiskConfig): void {
  delete target.nodeIndex;
  if (from.source === undefined) delete target.source;
  else target.source = structuredClone(from.source);
  target.format = from.format;
}

/** Change the running guest's cdrom media; the live definition follows once qemu has the new medium. */
export async function changeMediaLive(
  ctx: DriverContext,
  dom: DomainObject,
  disk: DiskConfig,
): Promise<void> {
  const live = dom.liveDef as DomainConfig;
  const qmp = requireMonitor(dom);
  const index = findUpdatedDisk(live, disk, true);
  if (index < 0) return;
  const old = live.devices.disks[index] as DiskConfig;
  const alias = old.alias as string;
  const next = structuredClone(live);
  const target = next.devices.disks[index] as DiskConfig;
  setMedia(target, disk);
  const revert = new RevertStack((line) => ctx.log(`domain '${dom.name}': ${line}`));
  // The new image first, so that a missing file or volume leaves the old medium in place.
  const insert = await revert.run(async () => {
    if (target.source === undefined) return undefined;
    const view: DomainConfig = { ...next, devices: { ...next.devices, disks: [target] } };
    await prepareResources(ctx.resources, view, revert);
    const path = diskHostPath(target);
    await grantDiskFile(ctx, dom, target);
    if (path !== undefined) revert.push(`the hand-over of ${path}`, () => releaseDiskFile(ctx, dom, path));
    target.nodeIndex = findHighestNodeIndex(live.devices.disks) + 1;
    const { blockdevs } = buildDiskObjects(next, target, index);
    for (const node of blockdevs) {
      await blockdevAdd(qmp, node);
      revert.push(`block node ${node['node-name']}`, () => blockdevDel(qmp, node['node-name']));
    }
    return { nodeName: blockdevs.at(-1)?.['node-name'] as string, path };
  });
  await blockdevOpenTray(qmp, alias, true);
  if (old.source !== undefined) {
    await blockdevRemoveMedium(qmp, alias);
    await dropDiskNodes(ctx, dom, qmp, old);
  }
  if (insert) await blockdevInsertMedium(qmp, alias, insert.nodeName);
  await blockdevCloseTray(qmp, alias);
  dom.liveDef = next;
  const run = dom.run;
  const oldPath = diskHostPath(old);
  if (run && oldPath !== undefined) {
    const at = run.diskPaths.indexOf(oldPath);
    if (at >= 0) run.diskPaths.splice(at, 1);
    await releaseDiskFile(ctx, dom, oldPath);
  }
  if (run && insert?.path !== undefined) run.diskPaths.push(insert.path);
  await saveStatus(ctx, dom);
}
