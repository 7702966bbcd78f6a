import { access, readFile } from 'node:fs/promises';
import { TsvirtError } from '../errors.js';
import type { PoolDef, PoolSizes } from './pool-xml.js';
import type { VolumeDesc, VolumeSpec } from './volume-xml.js';

/** A volume request whose capacity is known. */
export type SizedVolumeSpec = VolumeSpec & { capacity: bigint };

/** What one pool type does with its storage; the driver keeps state, events and checks common to all. */
export interface PoolBackend {
  readonly def: PoolDef;
  /** Make the storage (mkdir; pvcreate + vgcreate). */
  build(options: { overwrite: boolean }): Promise<void>;
  /** Verify the storage is there, before a start. */
  check(): Promise<void>;
  /** Remove the storage of an inactive pool. */
  deleteStorage(): Promise<void>;
  sizes(): Promise<PoolSizes>;
  listVolumes(): Promise<VolumeDesc[]>;
  createVolume(spec: SizedVolumeSpec, options: { preallocMetadata: boolean }): Promise<VolumeDesc>;
  cloneVolume(spec: SizedVolumeSpec, source: VolumeDesc): Promise<VolumeDesc>;
  deleteVolume(vol: VolumeDesc): Promise<void>;
  wipeVolume(vol: VolumeDesc): Promise<void>;
  resizeVolume(
    vol: VolumeDesc,
    capacity: bigint,
    options: { allocate: boolean; shrink: boolean },
  ): Promise<VolumeDesc>;
  /** The path to read or write the volume's bytes, checked to exist. */
  ioPath(vol: VolumeDesc): Promise<string>;
}

/** Fail with ERR_NO_DEVICE_MAPPER (or a plain "not active") when an LV's device node is absent. */
export async function requireDeviceNode(path: string): Promise<void> {
  if (await exists(path)) return;
  if (!(await hasDeviceMapper())) {
    throw new TsvirtError(
      'ERR_NO_DEVICE_MAPPER',
      `the kernel has no device-mapper; LVM volumes cannot be activated (${path} is absent; load the dm_mod module or use a dir pool)`,
      { path },
    );
  }
  throw new TsvirtError(
    'ERR_OPERATION_FAILED',
    `${path} does not exist; activate the volume with lvchange -ay`,
    { path },
  );
}

/**
 * Whether the kernel has device-mapper: it registers the misc device "device-mapper" (/proc/misc).
 * /dev/mapper/control alone proves nothing: libdevmapper makes that node even when the driver is absent.
 */
export async function hasDeviceMapper(): Promise<boolean> {
  const misc = await readFile('/proc/misc', 'utf8').catch(() => '');
  return /\sdevice-mapper$/m.test(misc);
}

/** Whether a path exists. */
export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
