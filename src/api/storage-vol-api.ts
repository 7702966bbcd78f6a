/** The storage volume part of a Connection (libvirt's virStorageVol* calls); the storage driver implements it. */
import type { Readable } from 'node:stream';
import type { PoolRef, VolumeInfo, VolumeRef } from './types.js';

/** Storage volumes: lookup, creation, resizing, and their bytes as streams. */
export interface StorageVolApi {
  storagePoolListAllVolumes(pool: PoolRef, flags?: number): Promise<VolumeRef[]>;
  storageVolLookupByName(pool: PoolRef, name: string): Promise<VolumeRef>;
  storageVolLookupByKey(key: string): Promise<VolumeRef>;
  storageVolLookupByPath(path: string): Promise<VolumeRef>;
  storageVolCreateXML(pool: PoolRef, xml: string, flags?: number): Promise<VolumeRef>;
  storageVolCreateXMLFrom(pool: PoolRef, xml: string, source: VolumeRef, flags?: number): Promise<VolumeRef>;
  storageVolDelete(vol: VolumeRef, flags?: number): Promise<void>;
  storageVolWipe(vol: VolumeRef, flags?: number): Promise<void>;
  /** flags: 1 allocate, 2 delta, 4 shrink (virStorageVolResizeFlags). */
  storageVolResize(vol: VolumeRef, capacity: bigint, flags?: number): Promise<void>;
  storageVolGetInfo(vol: VolumeRef): Promise<VolumeInfo>;
  storageVolGetXMLDesc(vol: VolumeRef, flags?: number): Promise<string>;
  storageVolGetPath(vol: VolumeRef): Promise<string>;
  /** virStorageVolUpload: write from `source` into the volume at `offset`, at most `length` bytes (0: all). */
  storageVolUpload(
    vol: VolumeRef,
    source: Readable,
    offset?: bigint,
    length?: bigint,
    flags?: number,
  ): Promise<void>;
  /** virStorageVolDownload: read the volume from `offset`, at most `length` bytes (0: to the end). */
  storageVolDownload(vol: VolumeRef, offset?: bigint, length?: bigint, flags?: number): Promise<Readable>;
}
