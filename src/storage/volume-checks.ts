import { resolve } from 'node:path';
import { TsvirtError } from '../errors.js';
import type { PoolEntry } from './pool-registry.js';
import { readImageInfo } from './qemu-img.js';
import { FILE_FORMATS, type FileFormat, type VolumeDesc, type VolumeSpec } from './volume-xml.js';

/** ERR_NO_SPACE when `bytes` exceed the pool's free space; checked before anything is made. */
export async function ensureSpace(entry: PoolEntry, name: string, bytes: bigint): Promise<void> {
  const { available } = await entry.backend.sizes();
  if (bytes <= available) return;
  throw new TsvirtError(
    'ERR_NO_SPACE',
    `storage volume '${name}' needs ${bytes} bytes but pool '${entry.def.name}' has ${available} free; free space or choose a smaller size`,
    { pool: entry.def.name, volume: name, requested: bytes, available },
  );
}

/** Refuse a resize to a non-positive size, a shrink without the flag, or a grow with it. */
export function checkResize(vol: VolumeDesc, target: bigint, shrink: boolean): void {
  const fields = { volume: vol.name, capacity: vol.capacity, requested: target };
  if (target <= 0n)
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `storage volume '${vol.name}' cannot be resized to ${target} bytes; give a positive size`,
      fields,
    );
  if (target < vol.capacity && !shrink) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `storage volume '${vol.name}' would shrink from ${vol.capacity} to ${target} bytes; pass the shrink flag (--shrink) to allow it`,
      fields,
    );
  }
  if (target > vol.capacity && shrink) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `storage volume '${vol.name}': the shrink flag was given but ${target} bytes is larger than ${vol.capacity}; drop --shrink`,
      fields,
    );
  }
}

/** The backing store of an overlay, checked to be a readable image; its format is probed when not given. */
export async function checkBacking(
  backing: NonNullable<VolumeSpec['backing']>,
): Promise<NonNullable<VolumeSpec['backing']>> {
  const path = resolve(backing.path);
  const info = await readImageInfo(path, backing.format).catch((cause: unknown) => {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `backing store ${path} cannot be read: ${(cause as Error).message}; name an existing volume`,
      { field: 'volume.backingStore.path', value: path },
      { cause },
    );
  });
  if (!(FILE_FORMATS as readonly string[]).includes(info.format)) {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `backing store format '${info.format}' is not supported; use raw, qcow2 or vmdk`,
      { field: 'volume.backingStore.format', value: info.format },
    );
  }
  return { path, format: info.format as FileFormat };
}
