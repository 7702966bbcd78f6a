import type { DiskConfig } from './types.js';

/** qemu's block-layer properties of a disk's <driver> options, per node and for its device. */
export interface DiskBlockProps {
  storage: Record<string, unknown>;
  format: Record<string, unknown>;
  device: Record<string, unknown>;
}

/** cache mode: the guest's write cache, O_DIRECT on the image, and flushes dropped (libvirt's table). */
const CACHE_FLAGS = {
  none: { writeback: true, direct: true, noFlush: false },
  writethrough: { writeback: false, direct: false, noFlush: false },
  writeback: { writeback: true, direct: false, noFlush: false },
  directsync: { writeback: false, direct: true, noFlush: false },
  unsafe: { writeback: true, direct: false, noFlush: true },
} as const;

/**
 * The block properties of a disk as libvirt sets them: cache.direct and cache.no-flush on both nodes
 * with the device's write-cache, aio on the protocol node, discard=unmap on both, detect-zeroes on the
 * format node (unmap only with discard=unmap, else on), and serial and share-rw on the device.
 */
export function buildDiskBlockProps(disk: DiskConfig): DiskBlockProps {
  const props: DiskBlockProps = { storage: {}, format: {}, device: {} };
  const d = disk.driver ?? {};
  if (d.cache !== undefined && d.cache !== 'default') {
    const flags = CACHE_FLAGS[d.cache];
    const cache = { direct: flags.direct, 'no-flush': flags.noFlush };
    props.storage.cache = cache;
    props.format.cache = cache;
    props.device['write-cache'] = flags.writeback ? 'on' : 'off';
  }
  if (d.io !== undefined) props.storage.aio = d.io;
  if (d.discard === 'unmap') {
    props.storage.discard = 'unmap';
    props.format.discard = 'unmap';
  }
  if (d.detectZeroes !== undefined) {
    props.format['detect-zeroes'] =
      d.detectZeroes === 'unmap' && d.discard !== 'unmap' ? 'on' : d.detectZeroes;
  }
  if (disk.serial !== undefined) props.device.serial = disk.serial;
  if (disk.shareable === true) props.device['share-rw'] = true;
  return props;
}
