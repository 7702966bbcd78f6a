import { mkdir, open, readdir, rmdir, stat, statfs, truncate, unlink } from 'node:fs/promises';
import { TsvirtError } from '../errors.js';
import type { PoolBackend, SizedVolumeSpec } from './backend.js';
import { resolveInside } from './names.js';
import type { PoolDef, PoolSizes } from './pool-xml.js';
import { ImageInfoCache } from './image-info-cache.js';
import { convertImage, createImage, readImageInfo, resizeImage } from './qemu-img.js';
import type { VolumeDesc } from './volume-xml.js';

/** How many qemu-img info calls a refresh runs at once. */
const DESCRIBE_PARALLEL = 8;

/** A `dir` pool: a folder whose regular files are volumes, made and read with qemu-img. */
export class DirBackend implements PoolBackend {
  constructor(
    readonly def: PoolDef,
    private readonly warn: (message: string) => void,
    /** The pool's ImageInfoCache file; without one, every refresh asks qemu-img about every file. */
    private readonly infoCacheFile?: string,
  ) {}

  private get dir(): string {
    return this.def.target.path;
  }

  async build(): Promise<void> {
    const mode = this.def.target.permissions?.mode;
    await mkdir(this.dir, { recursive: true, mode: mode ? parseInt(mode, 8) : 0o711 });
  }

  async check(): Promise<void> {
    const info = await stat(this.dir).catch(() => undefined);
    if (info?.isDirectory()) return;
    throw new TsvirtError(
      'ERR_OPERATION_FAILED',
      `storage pool '${this.def.name}': folder ${this.dir} does not exist; build the pool first (pool-build)`,
      { pool: this.def.name, path: this.dir },
    );
  }

  async deleteStorage(): Promise<void> {
    await rmdir(this.dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return;
      throw new TsvirtError(
        'ERR_OPERATION_FAILED',
        `storage pool '${this.def.name}': cannot remove ${this.dir} (${err.code}); delete its volumes first`,
        {
          pool: this.def.name,
          path: this.dir,
          errno: err.code,
        },
      );
    });
  }

  async sizes(): Promise<PoolSizes> {
    // As libvirt: capacity from f_blocks, available from f_bavail, allocation = used blocks.
    const fs = await statfs(this.dir, { bigint: true });
    return {
      capacity: fs.blocks * fs.bsize,
      allocation: (fs.blocks - fs.bfree) * fs.bsize,
      available: fs.bavail * fs.bsize,
    };
  }

  async listVolumes(): Promise<VolumeDesc[]> {
    const names = (await readdir(this.dir, { withFileTypes: true }))
      .filter((e) => e.isFile() || e.isSymbolicLink())
      .map((e) => e.name);
    const vols: VolumeDesc[] = [];
    const cache =
      this.infoCacheFile === undefined ? undefined : await ImageInfoCache.load(this.infoCacheFile);
    // One qemu-img per file not in the cache: run a few at once, so that a refresh (and every
    // embedded open) does not take the sum of their start-up times.
    for (let i = 0; i < names.length; i += DESCRIBE_PARALLEL) {
      const batch = names.slice(i, i + DESCRIBE_PARALLEL);
      const described = await Promise.allSettled(batch.map((name) => this.describe(name, cache)));
      described.forEach((d, j) => {
        if (d.status === 'fulfilled') vols.push(d.value);
        else
          this.warn(`storage pool '${this.def.name}': skipped ${batch[j]}: ${(d.reason as Error).message}`);
      });
    }
    if (cache) {
      cache.retain(new Set(vols.map((v) => v.name)));
      await cache.save();
    }
    return vols.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Read one file volume's facts with stat and qemu-img info (under resource limits), or the cache's answer. */
  async describe(name: string, cache?: ImageInfoCache): Promise<VolumeDesc> {
    const path = await resolveInside(this.dir, name);
    const st = await stat(path, { bigint: true });
    if (!st.isFile()) throw new TsvirtError('ERR_INVALID_ARG', `${path} is not a regular file`, { path });
    let info = cache?.lookup(name, st);
    if (!info) {
      info = await readImageInfo(path);
      cache?.remember(name, st, info);
    }
    const vol: VolumeDesc = {
      name,
      key: path,
      path,
      type: 'file',
      format: info.format,
      capacity: info.virtualSizeBytes,
      allocation: st.blocks * 512n,
    };
    if (info.backingFilename)
      vol.backing = {
        path: info.backingFilename,
        ...(info.backingFormat ? { format: info.backingFormat } : {}),
      };
    return vol;
  }

  async createVolume(spec: SizedVolumeSpec, options: { preallocMetadata: boolean }): Promise<VolumeDesc> {
    const format = spec.format ?? 'raw';
    if (spec.backing && format === 'raw') {
      throw new TsvirtError(
        'ERR_INVALID_ARG',
        `volume '${spec.name}': a raw volume cannot have a backing store; use format qcow2`,
        { field: 'volume.target.format', value: format, expected: 'qcow2' },
      );
    }
    const fullyAllocated = spec.allocation === undefined || spec.allocation >= spec.capacity;
    const preallocation =
      format === 'raw' && fullyAllocated && !spec.backing
        ? 'falloc'
        : format === 'qcow2' && options.preallocMetadata
          ? 'metadata'
          : undefined;
    return this.withReservedFile(spec.name, (path) =>
      createImage(path, {
        format,
        sizeBytes: spec.capacity,
        ...(preallocation ? { preallocation } : {}),
        ...(spec.backing
          ? { backingPath: spec.backing.path, backingFormat: spec.backing.format ?? 'raw' }
          : {}),
      }),
    );
  }

  async cloneVolume(spec: SizedVolumeSpec, source: VolumeDesc): Promise<VolumeDesc> {
    const format = spec.format ?? source.format;
    return this.withReservedFile(spec.name, async (path) => {
      await convertImage({ path: source.path, format: source.format }, { path, format });
      if (spec.capacity > source.capacity) await resizeImage(path, { format, sizeBytes: spec.capacity });
    });
  }

  /** Reserve the name with O_EXCL (so an existing file or link is never overwritten), make it, and remove it on failure. */
  private async withReservedFile(name: string, make: (path: string) => Promise<void>): Promise<VolumeDesc> {
    const path = await resolveInside(this.dir, name);
    const handle = await open(path, 'wx', 0o600).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST')
        throw new TsvirtError(
          'ERR_VOLUME_EXISTS',
          `storage volume '${name}' already exists in pool '${this.def.name}'; choose another name`,
          { pool: this.def.name, volume: name },
        );
      const full = err.code === 'ENOSPC';
      throw new TsvirtError(
        full ? 'ERR_NO_SPACE' : 'ERR_IO',
        `${path}: cannot create storage volume '${name}' (${err.message})${full ? '; free some space in the pool' : ''}`,
        { pool: this.def.name, volume: name, path, errno: err.code },
        { cause: err },
      );
    });
    await handle.close();
    try {
      await make(path);
      return await this.describe(name);
    } catch (err) {
      await unlink(path).catch(() => undefined);
      throw err;
    }
  }

  async deleteVolume(vol: VolumeDesc): Promise<void> {
    await unlink(await resolveInside(this.dir, vol.name));
  }

  async wipeVolume(vol: VolumeDesc): Promise<void> {
    const path = await resolveInside(this.dir, vol.name);
    if (vol.format === 'raw') {
      // Releasing every block and re-extending makes every byte read as zero without writing the whole size.
      await truncate(path, 0);
      await truncate(path, Number(vol.capacity));
      return;
    }
    await unlink(path);
    const backing = vol.backing
      ? { backingPath: vol.backing.path, backingFormat: vol.backing.format ?? 'raw' }
      : {};
    await createImage(path, { format: vol.format, sizeBytes: vol.capacity, ...backing });
  }

  async resizeVolume(
    vol: VolumeDesc,
    capacity: bigint,
    options: { allocate: boolean; shrink: boolean },
  ): Promise<VolumeDesc> {
    const path = await resolveInside(this.dir, vol.name);
    await resizeImage(path, {
      format: vol.format,
      sizeBytes: capacity,
      shrink: options.shrink,
      allocate: options.allocate,
    });
    return this.describe(vol.name);
  }

  async ioPath(vol: VolumeDesc): Promise<string> {
    const path = await resolveInside(this.dir, vol.name);
    if (!(await stat(path)).isFile())
      throw new TsvirtError('ERR_INVALID_ARG', `${path} is not a regular file`, { path });
    return path;
  }
}
