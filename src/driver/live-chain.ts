/**
 * A disk's backing chain as the domain's XML shows it (<backingStore>), kept current as snapshots and
 * block jobs change it: read from qemu's node graph while qemu runs, from `qemu-img info
 * --backing-chain` for a definition, and carried from the live definition to the persistent one.
 */
import { dirname, resolve } from 'node:path';
import { buildBlockNodeNames } from '../domain/aliases.js';
import type { BackingImage, DiskConfig, DomainConfig } from '../domain/types.js';
import type { QmpNamedNode } from '../qmp/index.js';
import { readImageChain } from '../storage/qemu-img.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { saveConfig, saveStatus } from './transitions.js';

const FORMATS: readonly BackingImage['format'][] = ['raw', 'qcow2', 'vmdk'];

/** The format nodes of a disk's chain, top first, from qemu's node list (backing files resolved). */
export function buildChain(nodes: readonly QmpNamedNode[], topNode: string): QmpNamedNode[] {
  const formats = nodes.filter((n) => n.driver !== 'file' && n.driver !== 'host_device');
  const chain: QmpNamedNode[] = [];
  let at = formats.find((n) => n.nodeName === topNode);
  while (at && !chain.includes(at)) {
    chain.push(at);
    if (at.backingFile === undefined) break;
    const next = resolve(dirname(at.file), at.backingFile);
    at = formats.find((n) => n.file === next && !chain.includes(n));
  }
  return chain;
}

/** The images below `topNode` in qemu's node list, as a disk's backingChain (indices from libvirt-N-format). */
export function buildLiveChain(nodes: readonly QmpNamedNode[], topNode: string): BackingImage[] {
  const out: BackingImage[] = [];
  for (const n of buildChain(nodes, topNode).slice(1)) {
    const format = FORMATS.find((f) => f === n.driver);
    if (!format) break;
    const index = /^libvirt-(\d+)-format$/.exec(n.nodeName)?.[1];
    out.push({ path: n.file, format, ...(index === undefined ? {} : { nodeIndex: Number(index) }) });
  }
  return out;
}

/** `chain` without the node indices of a run, as a persistent definition keeps it. */
export function stripNodeIndices(chain: readonly BackingImage[] | undefined): BackingImage[] | undefined {
  return chain?.map(({ path, format }) => ({ path, format }));
}

/** The images below a qcow2 file, from `qemu-img info --backing-chain`, as a definition's backingChain. */
export async function probeDefinitionChain(path: string): Promise<BackingImage[]> {
  const out: BackingImage[] = [];
  for (const image of (await readImageChain(path, 'qcow2')).slice(1)) {
    const format = FORMATS.find((f) => f === image.format);
    if (!format) break;
    out.push({ path: image.path, format });
  }
  return out;
}

/**
 * The persistent disk of `target` takes the live disk's source and chain when it still names the image
 * `formerPath` (the live disk's source before the change); returns whether it changed.
 */
export function followLiveDisk(
  persistent: DomainConfig | undefined,
  live: DiskConfig,
  formerPath: string | undefined,
): boolean {
  const d = persistent?.devices.disks.find((x) => x.targetDev === live.targetDev);
  if (!d || d.source?.kind !== 'file' || live.source?.kind !== 'file' || d.source.path !== formerPath) {
    return false;
  }
  d.source = { kind: 'file', path: live.source.path };
  d.format = live.format;
  const chain = stripNodeIndices(live.backingChain);
  if (chain) d.backingChain = chain;
  else delete d.backingChain;
  return true;
}

/** After a commit below the top or a pull: the layers that left go from the disk's chain, live and persistent. */
export async function dropChainLayers(
  ctx: DriverContext,
  dom: DomainObject,
  target: string,
  formats: readonly string[],
): Promise<void> {
  const live = structuredClone(dom.liveDef as DomainConfig);
  const disk = live.devices.disks.find((d) => d.targetDev === target);
  if (!disk?.backingChain) return;
  disk.backingChain = disk.backingChain.filter(
    (b) => b.nodeIndex === undefined || !formats.includes(buildBlockNodeNames(b.nodeIndex).format),
  );
  dom.liveDef = live;
  await saveStatus(ctx, dom);
  const next = structuredClone(dom.persistentDef);
  if (followLiveDisk(next, disk, disk.source?.kind === 'file' ? disk.source.path : undefined)) {
    dom.persistentDef = next;
    await saveConfig(dom);
  }
}
