import {
  link,
  lstat,
  chmod,
  mkdir,
  open,
  readdir,
  rename,
  rmdir,
  stat,
  statfs,
  truncate,
  unlink,
} from 'node:fs/promises';
import { join } from 'node:path';
import { TsvirtError } from '../errors.js';
import { isPidRunning, syncDir } from '../fs/atomic-write.js';
import type { PoolBackend, SizedVolumeSpec } from './backend.js';
import { resolveInside } from './names.js';
import type { PoolDef, PoolSizes } from './pool-xml.js';
import { ImageInfoCache } from './image-info-cache.js';
import { convertImage, createImage, readImageInfo, resizeImage } from './qemu-img.js';
import type { VolumeDesc } from './volume-xml.js';

/** How many qemu-img info calls a refresh runs at once. */
const DESCRIBE_PARALLEL = 8;

/**
 * A volume being made: `.tsvirt-vol.PID.N.tmp` in the pool folder, linked to its name only when complete,
 * so that a kill -9 mid-create leaves no volume. Listings hide such names; a refresh removes those whose
 * process is gone.
 */
const PARTIAL_NAME = /^\.tsvirt-vol\.(\d+)\.\d+\.tmp$/;
let partialCounter = 0;

/** A fresh partial name of this process. */
function buildPartialName(): string {
  return `.tsvirt-vol.${process.pid}.${++partialCounter}.tmp`;
}

/** The pid in a partial name, or undefined when `name` is not one. */
function parsePartialPid(name: string): number | undefined {
  const m = PARTIAL_NAME.exec(name);
  return m ? Number(m[1]) : undefined;
}

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
    const given = this.def.target.permissions?.mode;
    const mode = given ? parseInt(given, 8) : 0o711;
    // mkdir's mode passes through the umask; a folder this call made gets the mode as asked.
    if ((await mkdir(this.dir, { recursive: true, mode })) !== undefined) await chmod(this.dir, mode);
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
    const files = (await readdir(this.dir, { withFileTypes: true }))
      .filter((e) => e.isFile() || e.isSymbolicLink())
      .map((e) => e.name);
    await this.removeStalePartials(files);
    const names = files.filter((name) => parsePartialPid(name) === undefined);
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

  /** Remove the volumes a killed process left half-made (their partial names; see PARTIAL_NAME). */
  private async removeStalePartials(names: string[]): Promise<void> {
    for (const name of names) {
      const pid = parsePartialPid(name);
      if (pid === undefined || pid === process.pid || isPidRunning(pid)) continue;
      await unlink(join(this.dir, name)).catch(() => undefined);
      this.warn(
        `storage pool '${this.def.name}': removed ${name}, a volume left half-made by process ${pid}`,
      );
    }
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

  /**
   * Make a volume under a partial name and link it to `name` once complete (link, unlike rename, never
   * replaces an existing file or symlink); a failure or a kill leaves no file under `name`.
   */
  private async withReservedFile(name: string, make: (path: string) => Promise<void>): Promise<VolumeDesc> {
    const path = await resolveInside(this.dir, name);
    if (
      await lstat(path).then(
        () => true,
        () => false,
      )
    )
      throw this.volumeExists(name);
    const partial = join(this.dir, buildPartialName());
    const handle = await open(partial, 'wx', 0o600).catch((err: NodeJS.ErrnoException) => {
      const full = err.code === 'ENOSPC';
      throw new TsvirtError(
        full ? 'ERR_NO_SPACE' : 'ERR_IO',
        `${path}: cannot create storage volume '${name}' (${err.message})${full ? '; free some space in the pool' : ''}`,
        { pool: this.def.name, volume: name, path, errno: err.code },
        { cause: err },
      );
    });
    await handle.close();
    let linked = false;
    try {
      await make(partial);
      await this.linkIntoPlace(partial, path, name);
      linked = true;
      await unlink(partial);
      await syncDir(this.dir);
      return await this.describe(name);
    } catch (err) {
      await unlink(partial).catch(() => undefined);
      if (linked) await unlink(path).catch(() => undefined);
      throw err;
    }
  }

  /** Give the complete file its name: a hard link, or a rename where the file system has no links. */
  private async linkIntoPlace(partial: string, path: string, name: string): Promise<void> {
    try {
      await link(partial, path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw this.volumeExists(name);
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
      await rename(partial, path);
    }
  }

  private volumeExists(name: string): TsvirtError {
    return new TsvirtError(
      'ERR_VOLUME_EXISTS',
      `storage volume '${name}' already exists in pool '${this.def.name}'; choose another name`,
      { pool: this.def.name, volume: name },
    );
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
    // A new empty image under a partial name, renamed over the old one: a kill leaves one or the other.
    const partial = join(this.dir, buildPartialName());
    const backing = vol.backing
      ? { backingPath: vol.backing.path, backingFormat: vol.backing.format ?? 'raw' }
      : {};
    try {
      await createImage(partial, { format: vol.format, sizeBytes: vol.capacity, ...backing });
      await rename(partial, path);
    } catch (err) {
      await unlink(partial).catch(() => undefined);
      throw err;
    }
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
