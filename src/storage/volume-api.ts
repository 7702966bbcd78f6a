import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { PoolRef, VolumeInfo, VolumeRef } from '../connection.js';
import { TsvirtError } from '../errors.js';
import { VolCreateFlags, VolResizeFlags, VolType } from '../api/storage-enums.js';
import { validateName } from './names.js';
import type { PoolEntry, PoolRegistry } from './pool-registry.js';
import { checkFlags, poolNotFound, volumeNotFound } from './storage-errors.js';
import {
  FILE_FORMATS,
  formatVolumeXml,
  parseVolumeXml,
  type FileFormat,
  type VolumeDesc,
} from './volume-xml.js';
import { checkBacking, checkResize, ensureSpace } from './volume-checks.js';
import { readToStream, writeFromStream, type TransferRange } from './volume-stream.js';

/** Answers which running domain, if any, uses a path. */
export type VolumeInUse = (path: string) => string | undefined;

/** The storageVol* calls of the Connection interface, plus what the domain driver and vol-upload/download need. */
export class VolumeApi {
  constructor(
    private readonly reg: PoolRegistry,
    private readonly inUse: VolumeInUse,
  ) {}

  private refOf(entry: PoolEntry, vol: VolumeDesc): VolumeRef {
    return { pool: entry.def.name, name: vol.name, key: vol.key };
  }

  /** The pool entry and volume of a ref, or ERR_POOL_NOT_FOUND / ERR_OPERATION_INVALID / ERR_VOLUME_NOT_FOUND. */
  find(vol: VolumeRef | { pool: string; name: string }): { entry: PoolEntry; vol: VolumeDesc } {
    const entry = this.reg.getActive(vol.pool);
    const found = entry.volumes.get(vol.name);
    if (!found) throw volumeNotFound(vol.name);
    return { entry, vol: found };
  }

  private findBy(test: (v: VolumeDesc) => boolean, what: string, by: 'key' | 'path'): VolumeRef {
    for (const entry of this.reg.pools.values()) {
      if (!entry.active) continue;
      for (const vol of entry.volumes.values()) if (test(vol)) return this.refOf(entry, vol);
    }
    throw volumeNotFound(what, by);
  }

  private refuseInUse(vol: VolumeDesc, action: string): void {
    const domain = this.inUse(vol.path);
    if (domain !== undefined) {
      throw new TsvirtError(
        'ERR_VOLUME_IN_USE',
        `storage volume '${vol.name}' is in use by running domain '${domain}' and cannot be ${action}; stop the domain first`,
        { volume: vol.name, path: vol.path, domain },
      );
    }
  }

  async lookupStoragePoolByVolume(vol: VolumeRef): Promise<PoolRef> {
    const entry = this.reg.pools.get(vol.pool);
    if (!entry) throw poolNotFound(vol.name, 'volume');
    return this.reg.refOf(entry);
  }

  async storagePoolListAllVolumes(pool: PoolRef, flags = 0): Promise<VolumeRef[]> {
    checkFlags(flags, 0, 'storagePoolListAllVolumes');
    const entry = this.reg.getActive(pool);
    return [...entry.volumes.values()].map((v) => this.refOf(entry, v));
  }

  async storageVolLookupByName(pool: PoolRef, name: string): Promise<VolumeRef> {
    validateName('volume', name);
    const found = this.find({ pool: pool.name, name });
    return this.refOf(found.entry, found.vol);
  }

  async storageVolLookupByKey(key: string): Promise<VolumeRef> {
    return this.findBy((v) => v.key === key, key, 'key');
  }

  async storageVolLookupByPath(path: string): Promise<VolumeRef> {
    const wanted = resolve(path);
    return this.findBy((v) => v.path === wanted, path, 'path');
  }

  /** virStorageVolCreateXML: a new volume; the space check comes first, and a failed create leaves nothing. */
  async storageVolCreateXML(pool: PoolRef, xml: string, flags = 0): Promise<VolumeRef> {
    checkFlags(flags, VolCreateFlags.PREALLOC_METADATA, 'storageVolCreateXML');
    const spec = parseVolumeXml(xml);
    const capacity = spec.capacity;
    if (capacity === undefined)
      throw new TsvirtError(
        'ERR_XML_INVALID',
        `volume '${spec.name}': the capacity is missing; add <capacity unit='G'>N</capacity>`,
        { field: 'volume.capacity' },
      );
    return this.reg.withLock(pool.name, async () => {
      const entry = this.reg.getActive(pool);
      this.refuseExisting(entry, spec.name);
      await ensureSpace(entry, spec.name, capacity);
      if (spec.backing) spec.backing = await checkBacking(spec.backing);
      const vol = await entry.backend.createVolume(
        { ...spec, capacity },
        { preallocMetadata: (flags & VolCreateFlags.PREALLOC_METADATA) !== 0 },
      );
      entry.volumes.set(vol.name, vol);
      return this.refOf(entry, vol);
    });
  }

  private refuseExisting(entry: PoolEntry, name: string): void {
    if (entry.volumes.has(name))
      throw new TsvirtError(
        'ERR_VOLUME_EXISTS',
        `storage volume '${name}' already exists in pool '${entry.def.name}'; choose another name`,
        { pool: entry.def.name, volume: name },
      );
  }

  /** virStorageVolCreateXMLFrom: a full copy of `source`, converted to the XML's format (qemu-img convert). */
  async storageVolCreateXMLFrom(
    pool: PoolRef,
    xml: string,
    source: VolumeRef,
    flags = 0,
  ): Promise<VolumeRef> {
    checkFlags(flags, VolCreateFlags.PREALLOC_METADATA, 'storageVolCreateXMLFrom');
    const spec = parseVolumeXml(xml);
    const src = this.find(source).vol;
    const capacity =
      spec.capacity !== undefined && spec.capacity > src.capacity ? spec.capacity : src.capacity;
    return this.reg.withLock(pool.name, async () => {
      const entry = this.reg.getActive(pool);
      this.refuseExisting(entry, spec.name);
      await ensureSpace(entry, spec.name, capacity);
      const vol = await entry.backend.cloneVolume({ ...spec, capacity }, src);
      entry.volumes.set(vol.name, vol);
      return this.refOf(entry, vol);
    });
  }

  async storageVolDelete(vol: VolumeRef, flags = 0): Promise<void> {
    checkFlags(flags, 0, 'storageVolDelete');
    await this.reg.withLock(vol.pool, async () => {
      const found = this.find(vol);
      this.refuseInUse(found.vol, 'deleted');
      await found.entry.backend.deleteVolume(found.vol);
      found.entry.volumes.delete(found.vol.name);
    });
  }

  /** virStorageVolWipe with the zero algorithm: afterwards every byte of the volume reads as zero. */
  async storageVolWipe(vol: VolumeRef, flags = 0): Promise<void> {
    checkFlags(flags, 0, 'storageVolWipe');
    await this.reg.withLock(vol.pool, async () => {
      const found = this.find(vol);
      this.refuseInUse(found.vol, 'wiped');
      await found.entry.backend.wipeVolume(found.vol);
      await this.reread(found.entry, found.vol.name);
    });
  }

  /** virStorageVolResize: grow; shrink only with SHRINK (and DELTA|SHRINK subtracts). */
  async storageVolResize(vol: VolumeRef, capacity: bigint, flags = 0): Promise<void> {
    checkFlags(
      flags,
      VolResizeFlags.ALLOCATE | VolResizeFlags.DELTA | VolResizeFlags.SHRINK,
      'storageVolResize',
    );
    const shrink = (flags & VolResizeFlags.SHRINK) !== 0;
    await this.reg.withLock(vol.pool, async () => {
      const { entry, vol: desc } = this.find(vol);
      const delta = (flags & VolResizeFlags.DELTA) !== 0;
      const target = delta ? (shrink ? desc.capacity - capacity : desc.capacity + capacity) : capacity;
      checkResize(desc, target, shrink);
      if (target < desc.capacity) this.refuseInUse(desc, 'shrunk');
      if (target > desc.capacity) await ensureSpace(entry, desc.name, target - desc.capacity);
      const updated = await entry.backend.resizeVolume(desc, target, {
        allocate: (flags & VolResizeFlags.ALLOCATE) !== 0,
        shrink,
      });
      entry.volumes.set(updated.name, updated);
    });
  }

  private async reread(entry: PoolEntry, name: string): Promise<void> {
    const vols = await entry.backend.listVolumes();
    const vol = vols.find((v) => v.name === name);
    if (vol) entry.volumes.set(name, vol);
    else entry.volumes.delete(name);
  }

  async storageVolGetInfo(vol: VolumeRef): Promise<VolumeInfo> {
    const { vol: desc } = this.find(vol);
    return {
      type: desc.type === 'file' ? VolType.FILE : VolType.BLOCK,
      capacity: desc.capacity,
      allocation: desc.allocation,
    };
  }

  async storageVolGetXMLDesc(vol: VolumeRef, flags = 0): Promise<string> {
    checkFlags(flags, 0, 'storageVolGetXMLDesc');
    return formatVolumeXml(this.find(vol).vol);
  }

  async storageVolGetPath(vol: VolumeRef): Promise<string> {
    return this.find(vol).vol.path;
  }

  /** For the domain driver: what to give qemu for `<source pool='P' volume='V'/>`. */
  async resolveVolume(
    pool: string,
    volume: string,
  ): Promise<{ path: string; kind: 'file' | 'block'; format: FileFormat }> {
    validateName('volume', volume);
    const { entry, vol } = this.find({ pool, name: volume });
    const path = await entry.backend.ioPath(vol);
    if (!(FILE_FORMATS as readonly string[]).includes(vol.format)) {
      throw new TsvirtError(
        'ERR_NOT_SUPPORTED',
        `storage volume '${volume}' has format '${vol.format}', which tsvirt does not attach; convert it with vol-clone`,
        { volume, format: vol.format },
      );
    }
    return { path, kind: vol.type, format: vol.format as FileFormat };
  }

  /** vol-upload: write `source` into the volume's bytes at offset, at most length bytes; returns the bytes written. */
  async uploadVolume(vol: VolumeRef, source: Readable, range: TransferRange = {}): Promise<number> {
    return this.reg.withLock(vol.pool, async () => {
      const { entry, vol: desc } = this.find(vol);
      this.refuseInUse(desc, 'overwritten');
      const written = await writeFromStream(await entry.backend.ioPath(desc), source, range);
      await this.reread(entry, desc.name);
      return written;
    });
  }

  /** vol-download: the volume's bytes from offset, length of them when given. */
  async downloadVolume(vol: VolumeRef, range: TransferRange = {}): Promise<Readable> {
    const { entry, vol: desc } = this.find(vol);
    return readToStream(await entry.backend.ioPath(desc), range);
  }
}
