/**
 * The data of an external snapshot goes as libvirt 9.0 deletes it: each overlay the snapshot made is
 * merged into the image it was put on (a block commit while qemu runs, pivoting when the overlay is the
 * active layer; `qemu-img commit` when shut off, the image above it then rebased onto the base), and
 * its file is removed, with the snapshot's memory file. The children's domain definitions then name
 * the base where they named the overlay. Everything is checked before anything is merged.
 */
import { unlink } from 'node:fs/promises';
import { TsvirtError } from '../errors.js';
import { formatDomainXml } from '../domain/format-domain.js';
import { parseDomainXml } from '../domain/parse-domain.js';
import { resolveDiskPath } from '../domain/device-objects.js';
import type { BackingImage, DiskConfig, DomainConfig } from '../domain/types.js';
import { buildBlockNodeNames } from '../domain/aliases.js';
import { queryNamedBlockNodes } from '../qmp/index.js';
import type { SnapshotDef } from '../domain/snapshot-xml.js';
import { commitImage, rebaseImageHeader } from '../storage/qemu-img-chain.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { commitAndWait } from './block-commit-wait.js';
import { buildLiveChain, probeDefinitionChain } from './live-chain.js';
import { requireMonitor } from './power.js';
import { SNAPSHOT_JOB_TIMEOUT_MS } from './snapshot-create.js';
import { childrenOf, type SnapshotSet } from './snapshot-store.js';
import { saveConfig } from './transitions.js';

/** One disk's overlay to merge: the image above it (none when it is the disk's source) and its base. */
interface ExternalLayer {
  target: string;
  overlay: string;
  base: { path: string; format: DiskConfig['format'] };
  above?: string;
}

/** Merge and remove the overlays of external snapshot `snap`; the caller drops its metadata after. */
export async function deleteExternalData(
  ctx: DriverContext,
  dom: DomainObject,
  set: SnapshotSet,
  snap: SnapshotDef,
): Promise<void> {
  if (childrenOf(set, snap.name).length > 1) {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `unsupported configuration: deletion of external disk snapshot with multiple children snapshots not supported`,
      { name: snap.name },
    );
  }
  const layers = await planLayers(dom, snap);
  for (const layer of layers) {
    if (dom.active) {
      const active = layer.above === undefined;
      await commitAndWait(
        ctx,
        dom,
        layer.target,
        { top: layer.overlay, base: layer.base.path, active },
        SNAPSHOT_JOB_TIMEOUT_MS,
      );
    } else {
      await mergeOffline(dom, layer);
    }
    await removeIfPresent(layer.overlay);
  }
  if (snap.memory === 'external' && snap.memoryFile !== undefined) await removeIfPresent(snap.memoryFile);
  for (const child of childrenOf(set, snap.name)) renameInDefinition(child, layers);
}

/** Each external disk's layer, checked against the disk's chain now: the overlay is in it, right above its base. */
async function planLayers(dom: DomainObject, snap: SnapshotDef): Promise<ExternalLayer[]> {
  if (snap.domainXml === undefined) {
    throw new TsvirtError(
      'ERR_OPERATION_INVALID',
      `Requested operation is not valid: snapshot '${snap.name}' keeps no domain definition, so its disks' base images are unknown; delete its metadata with --metadata`,
      { name: snap.name },
    );
  }
  const then = parseDomainXml(snap.domainXml);
  const now = (dom.active ? dom.liveDef : dom.persistentDef) as DomainConfig;
  const layers: ExternalLayer[] = [];
  for (const d of snap.disks) {
    if (d.snapshot !== 'external' || d.file === undefined) continue;
    const was = then.devices.disks.find((x) => x.targetDev === d.name);
    const disk = now.devices.disks.find((x) => x.targetDev === d.name);
    const basePath = was && resolveDiskPath(then, was)?.path;
    if (!was || !disk || basePath === undefined) {
      throw notInChain(snap.name, d.name, `the domain has no disk ${d.name} with a file now`);
    }
    const chain = await readChainPaths(dom, now, disk);
    const at = chain.indexOf(d.file);
    if (at < 0)
      throw notInChain(snap.name, d.name, `its overlay ${d.file} is not in the chain ${chain.join(' <- ')}`);
    if (chain[at + 1] !== basePath) {
      throw notInChain(
        snap.name,
        d.name,
        `the image below ${d.file} is not ${basePath}, the one it was made over`,
      );
    }
    layers.push({
      target: d.name,
      overlay: d.file,
      base: { path: basePath, format: was.format },
      ...(at > 0 ? { above: chain[at - 1] as string } : {}),
    });
  }
  return layers;
}

/** The disk's source and every image below it, top first: qemu's nodes while it runs, else qemu-img's probe. */
async function readChainPaths(dom: DomainObject, def: DomainConfig, disk: DiskConfig): Promise<string[]> {
  const top = resolveDiskPath(def, disk)?.path;
  if (top === undefined) return [];
  let below: BackingImage[];
  if (!dom.active) {
    below = disk.format === 'qcow2' ? await probeDefinitionChain(top) : [];
  } else {
    const node = buildBlockNodeNames(disk.nodeIndex ?? def.devices.disks.indexOf(disk) + 1).format;
    below = disk.backingChain ?? buildLiveChain(await queryNamedBlockNodes(requireMonitor(dom)), node);
  }
  return [top, ...below.map((b) => b.path)];
}

function notInChain(name: string, target: string, why: string): TsvirtError {
  return new TsvirtError(
    'ERR_OPERATION_INVALID',
    `Requested operation is not valid: snapshot '${name}' disk ${target}: ${why}; delete its metadata with --metadata`,
    { name, disk: target },
  );
}

/** `qemu-img commit` of the overlay; the image above it, or the disk itself, then reads from the base. */
async function mergeOffline(dom: DomainObject, layer: ExternalLayer): Promise<void> {
  await commitImage(layer.overlay, 'qcow2');
  if (layer.above !== undefined) await rebaseImageHeader(layer.above, 'qcow2', layer.base);
  if (!dom.persistentDef) return;
  const next = structuredClone(dom.persistentDef);
  const disk = next.devices.disks.find((x) => x.targetDev === layer.target);
  if (!disk) return;
  if (layer.above === undefined) {
    disk.source = { kind: 'file', path: layer.base.path };
    disk.format = layer.base.format;
  }
  const top = resolveDiskPath(next, disk)?.path;
  disk.backingChain = disk.format === 'qcow2' && top !== undefined ? await probeDefinitionChain(top) : [];
  dom.persistentDef = next;
  await saveConfig(dom);
}

async function removeIfPresent(path: string): Promise<void> {
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** A child's domain definition names each merged overlay's base instead of the overlay. */
function renameInDefinition(child: SnapshotDef, layers: readonly ExternalLayer[]): void {
  if (child.domainXml === undefined) return;
  const def = parseDomainXml(child.domainXml);
  for (const layer of layers) {
    const disk = def.devices.disks.find((x) => x.targetDev === layer.target);
    if (disk?.source?.kind !== 'file' || disk.source.path !== layer.overlay) continue;
    disk.source = { kind: 'file', path: layer.base.path };
    disk.format = layer.base.format;
    delete disk.backingChain;
  }
  child.domainXml = formatDomainXml(def, undefined, { secure: true });
}
