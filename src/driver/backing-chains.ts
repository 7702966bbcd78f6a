/**
 * The backing chains of a starting domain's qcow2 disks, probed with qemu-img as libvirt probes them,
 * so that qemu opens every layer as a node tsvirt named (libvirt-N-format) and block jobs (commit,
 * pull, pivot) can name each one.
 */
import { TsvirtError } from '../errors.js';
import { CommandFailedError } from '../exec/index.js';
import type { BackingImage, DomainConfig } from '../domain/types.js';
import { readImageChain } from '../storage/qemu-img.js';

const FORMATS: readonly BackingImage['format'][] = ['raw', 'qcow2', 'vmdk'];

/** Fill each disk's backingChain (probed for a qcow2 file), with node indices after every index in use. */
export async function probeBackingChains(def: DomainConfig): Promise<void> {
  const disks = def.devices.disks;
  let highest = Math.max(0, ...disks.map((d) => d.nodeIndex ?? 0));
  // Probed anew at each start: earlier chains' indices do not count.
  for (const disk of disks) {
    delete disk.backingChain;
    const src = disk.source;
    if (src === undefined) continue;
    const path = src.kind === 'file' ? src.path : src.kind === 'volume' ? src.resolved?.path : undefined;
    // Only a writable qcow2 file is probed; any other source has nothing below it (<backingStore/>).
    disk.backingChain = [];
    if (path === undefined || disk.format !== 'qcow2' || disk.device === 'cdrom') continue;
    const chain = await readImageChain(path, disk.format).catch((err: unknown) => {
      const reason = err instanceof CommandFailedError ? err.message : String(err);
      throw new TsvirtError(
        'ERR_OPERATION_FAILED',
        `disk ${disk.targetDev}: ${path} cannot be read as ${disk.format}: ${reason}; check <driver type=> against the image (qemu-img info)`,
        { field: 'driver.type', value: disk.format, path },
        { cause: err },
      );
    });
    disk.backingChain = chain.slice(1).map((image) => {
      const format = FORMATS.find((f) => f === image.format);
      if (!format) {
        throw new TsvirtError(
          'ERR_NOT_SUPPORTED',
          `disk ${disk.targetDev}: backing image ${image.path} is in format '${image.format}', which tsvirt does not open; convert it to qcow2 or raw`,
          { field: 'backingStore', value: image.format, expected: FORMATS.join(', ') },
        );
      }
      return { path: image.path, format, nodeIndex: ++highest };
    });
  }
}
