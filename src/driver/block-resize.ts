/** virDomainBlockResize: qemu's block_resize on the format node of a running domain's disk. */
import { resolve } from 'node:path';
import { TsvirtError } from '../errors.js';
import type { DiskConfig, DomainConfig } from '../domain/index.js';
import { buildBlockNodeNames } from '../domain/aliases.js';
import { blockResize } from '../qmp/index.js';
import { BlockResizeFlags } from '../api/domain-enums.js';
import type { DomainObject } from './domain-object.js';
import { requireMonitor } from './power.js';
import { checkAction } from './state-machine.js';

/** A disk by target (vda) or by source path, as libvirt finds it; with its position in <devices>. */
export function findDisk(def: DomainConfig, name: string): { disk: DiskConfig; position: number } {
  const disks = def.devices.disks;
  let position = disks.findIndex((d) => d.targetDev === name);
  if (position < 0 && name.startsWith('/')) {
    position = disks.findIndex((d) => {
      const path = sourcePath(d);
      return path !== undefined && resolve(path) === resolve(name);
    });
  }
  const disk = disks[position];
  if (disk) return { disk, position };
  throw new TsvirtError('ERR_INVALID_ARG', `disk '${name}' was not found in the domain config`, {
    field: 'disk',
    value: name,
    expected: `one of ${disks.map((d) => d.targetDev).join(', ') || '(no disks)'}`,
  });
}

function sourcePath(disk: DiskConfig): string | undefined {
  const src = disk.source;
  if (src?.kind === 'file') return src.path;
  if (src?.kind === 'block') return src.dev;
  return src?.resolved?.path;
}

/** Resize a disk of a running domain to `size` bytes (BYTES flag) or KiB; raw images round up to 512. */
export async function resizeBlock(
  dom: DomainObject,
  disk: string,
  size: bigint,
  flags: number,
): Promise<void> {
  if ((flags & ~BlockResizeFlags.BYTES) !== 0) {
    throw new TsvirtError('ERR_INVALID_ARG', `blockresize flags ${flags}: only bytes (1) is known`, {
      field: 'flags',
      value: flags,
      expected: '0 or 1',
    });
  }
  checkAction('live-change', dom.subject);
  const def = dom.liveDef as DomainConfig;
  const found = findDisk(def, disk);
  let bytes = (flags & BlockResizeFlags.BYTES) !== 0 ? size : size * 1024n;
  if (found.disk.format === 'raw') bytes = ((bytes + 511n) / 512n) * 512n;
  if (found.disk.source === undefined || bytes > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      found.disk.source === undefined
        ? `disk '${disk}' has no medium to resize`
        : `size ${bytes} bytes is beyond what qemu accepts`,
      {
        field: found.disk.source === undefined ? 'disk' : 'size',
        value: disk,
        expected: 'a disk with a source, a size below 2^53',
      },
    );
  }
  const node = buildBlockNodeNames(found.disk.nodeIndex ?? found.position + 1).format;
  await blockResize(requireMonitor(dom), { nodeName: node }, Number(bytes));
}
