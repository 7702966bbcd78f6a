/**
 * External disk-only snapshots (snapshot-create-as --disk-only): each chosen disk gets a new qcow2
 * overlay whose backing file is the disk's current image, and the domain's disk then points at the
 * overlay. Shut off: `qemu-img create -b`. Running or paused: the overlay is made the same way, added
 * with blockdev-add and put on top of the disk's node in one QMP transaction of blockdev-snapshot
 * actions, so that every disk switches or none does. Nothing half-made is left when a step fails.
 */
import { access, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { TsvirtError } from '../errors.js';
import { buildBlockNodeNames, findHighestNodeIndex } from '../domain/aliases.js';
import { buildDiskObjects, resolveDiskPath } from '../domain/device-objects.js';
import type { DiskConfig, DomainConfig } from '../domain/types.js';
import type { SnapshotDisk } from '../domain/snapshot-xml.js';
import { blockdevAdd, blockdevDel, queryNamedBlockNodes, type QmpClient } from '../qmp/index.js';
import { createImage, readImageInfo } from '../storage/qemu-img.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { grantDiskFile } from './device-files.js';
import { buildLiveChain } from './live-chain.js';
import { RevertStack } from './revert-stack.js';

/** A disk an external snapshot puts an overlay on. */
export interface OverlayPlan {
  /** Its index in the domain's disks. */
  index: number;
  target: string;
  basePath: string;
  baseFormat: string;
  overlayPath: string;
}

/** libvirt's default overlay name: the image's path without its extension, then `.SNAPSHOT`. */
export function buildOverlayPath(basePath: string, snapshot: string): string {
  const ext = extname(basePath);
  const stem = ext === '' ? basename(basePath) : basename(basePath).slice(0, -ext.length);
  return join(dirname(basePath), `${stem}.${snapshot}`);
}

/**
 * The `<disks>` of a disk-only snapshot: every writable disk with a source is external unless the
 * client said `no`; a cdrom or read-only disk is left out. An internal choice cannot mix in.
 */
export function planExternalDisks(
  def: DomainConfig,
  asked: readonly SnapshotDisk[],
  snapshot: string,
): { disks: SnapshotDisk[]; overlays: OverlayPlan[] } {
  const disks: SnapshotDisk[] = [];
  const overlays: OverlayPlan[] = [];
  def.devices.disks.forEach((d, index) => {
    const a = asked.find((x) => x.name === d.targetDev);
    const resolved = resolveDiskPath(def, d);
    const mode = a?.snapshot ?? (d.device === 'cdrom' || d.readonly || !resolved ? 'no' : 'external');
    if (mode === 'internal') {
      throw new TsvirtError(
        'ERR_INVALID_ARG',
        `disk ${d.targetDev}: a disk-only snapshot cannot also be internal; give snapshot='external' or 'no'`,
        { field: 'snapshot', value: 'internal', expected: 'external or no' },
      );
    }
    if (mode === 'no' || !resolved) {
      disks.push({ name: d.targetDev, snapshot: 'no' });
      return;
    }
    if (resolved.kind !== 'file') {
      throw new TsvirtError(
        'ERR_NOT_SUPPORTED',
        `disk ${d.targetDev}: an external snapshot of a block device is not supported; give snapshot='no' for it`,
        { field: 'source', value: resolved.path, expected: 'a file' },
      );
    }
    const overlayPath = a?.file ?? buildOverlayPath(resolved.path, snapshot);
    disks.push({ name: d.targetDev, snapshot: 'external', file: overlayPath, driverType: 'qcow2' });
    overlays.push({ index, target: d.targetDev, basePath: resolved.path, baseFormat: d.format, overlayPath });
  });
  if (overlays.length === 0) {
    throw new TsvirtError(
      'ERR_OPERATION_INVALID',
      `Requested operation is not valid: domain '${def.name}' has no writable disk to take a disk-only snapshot of`,
      { domain: def.name },
    );
  }
  return { disks, overlays };
}

/** Make each overlay with qemu-img (never over an existing file); on a failure the ones made go again. */
export async function createOverlays(overlays: readonly OverlayPlan[], revert: RevertStack): Promise<void> {
  for (const o of overlays) {
    const info = await readImageInfo(o.basePath, o.baseFormat);
    await refuseExisting(o.overlayPath, o.target);
    await createImage(o.overlayPath, {
      format: 'qcow2',
      sizeBytes: BigInt(info.virtualSizeBytes),
      backingPath: o.basePath,
      backingFormat: o.baseFormat,
    });
    revert.push(`the overlay ${o.overlayPath}`, () => unlink(o.overlayPath));
  }
}

async function refuseExisting(path: string, target: string): Promise<void> {
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  if (exists) {
    throw new TsvirtError(
      'ERR_OPERATION_INVALID',
      `Requested operation is not valid: external snapshot file for disk ${target} already exists and is not a block device: ${path}`,
      { field: 'file', value: path, expected: 'a path that does not exist yet' },
    );
  }
}

/** `def` with each planned disk pointing at its overlay (a qcow2 file). */
export function applyOverlays(def: DomainConfig, overlays: readonly OverlayPlan[]): DomainConfig {
  const next = structuredClone(def);
  for (const o of overlays) {
    const disk = next.devices.disks[o.index] as DiskConfig;
    disk.source = { kind: 'file', path: o.overlayPath };
    disk.format = 'qcow2';
    // The chain below is known once the overlay is in place (qemu's nodes, or qemu-img's probe).
    delete disk.backingChain;
  }
  return next;
}

/**
 * Put the overlays on top of the running disks: blockdev-add of each (with no backing of its own, as
 * blockdev-snapshot wants), then one transaction. Returns the live definition with the new nodes.
 */
export async function switchLiveDisks(
  ctx: DriverContext,
  dom: DomainObject,
  qmp: QmpClient,
  overlays: readonly OverlayPlan[],
  revert: RevertStack,
): Promise<DomainConfig> {
  const live = dom.liveDef as DomainConfig;
  const next = applyOverlays(live, overlays);
  // Nodes a commit or a pivot left behind keep their names in qemu: new ones go above every name in use.
  const inQemu = (await queryNamedBlockNodes(qmp)).map((n) =>
    Number(/^libvirt-(\d+)-/.exec(n.nodeName)?.[1] ?? 0),
  );
  let highest = Math.max(findHighestNodeIndex(live.devices.disks), ...inQemu);
  const actions: { type: 'blockdev-snapshot'; data: { node: string; overlay: string } }[] = [];
  for (const o of overlays) {
    const old = live.devices.disks[o.index] as DiskConfig;
    const disk = next.devices.disks[o.index] as DiskConfig;
    disk.nodeIndex = ++highest;
    await grantDiskFile(ctx, dom, disk);
    const { blockdevs } = buildDiskObjects(next, disk, o.index);
    for (const node of blockdevs) {
      const opts = node.driver === 'qcow2' ? { ...node, backing: null } : node;
      await blockdevAdd(qmp, opts);
      revert.push(`block node ${node['node-name']}`, () => blockdevDel(qmp, node['node-name']));
    }
    const base = buildBlockNodeNames(old.nodeIndex ?? o.index + 1).format;
    actions.push({
      type: 'blockdev-snapshot',
      data: { node: base, overlay: buildBlockNodeNames(disk.nodeIndex).format },
    });
  }
  await qmp.execute('transaction', { actions });
  const nodes = await queryNamedBlockNodes(qmp);
  for (const o of overlays) {
    const disk = next.devices.disks[o.index] as DiskConfig;
    disk.backingChain = buildLiveChain(nodes, buildBlockNodeNames(disk.nodeIndex ?? o.index + 1).format);
  }
  return next;
}
