import { open } from 'node:fs/promises';
import { TsvirtError } from '../errors.js';
import { requireDeviceNode, type PoolBackend, type SizedVolumeSpec } from './backend.js';
import { probeSignature } from './blkid.js';
import type { LvmTools } from './lvm.js';
import type { PoolDef, PoolSizes } from './pool-xml.js';
import { convertImage } from './qemu-img.js';
import type { VolumeDesc } from './volume-xml.js';

// LVM's own rule for LV names: letters, digits and + _ . -, not starting with '-'.
const LV_NAME_RE = /^[A-Za-z0-9+_.][A-Za-z0-9+_.-]*$/;
const ZERO_CHUNK_BYTES = 1 << 20;

/** A `logical` pool: an LVM volume group whose LVs are volumes. */
export class LogicalBackend implements PoolBackend {
  constructor(
    readonly def: PoolDef,
    private readonly lvm: LvmTools,
  ) {}

  private get vg(): string {
    return this.def.source.name ?? this.def.name;
  }

  async build(options: { overwrite: boolean }): Promise<void> {
    const devices = this.def.source.devices;
    if (devices.length === 0) {
      throw new TsvirtError(
        'ERR_INVALID_ARG',
        `storage pool '${this.def.name}' names no source device; add <device path='...'/> to <source>`,
        { field: 'pool.source.device', pool: this.def.name },
      );
    }
    if (!options.overwrite) {
      for (const device of devices) {
        const signature = await probeSignature(device);
        if (signature !== undefined) {
          throw new TsvirtError(
            'ERR_OPERATION_INVALID',
            `device ${device} already holds data (${signature}); build with the overwrite flag to erase it`,
            { device, signature, pool: this.def.name },
          );
        }
      }
    }
    await this.lvm.pvcreate(devices, options.overwrite);
    try {
      await this.lvm.vgcreate(this.vg, devices);
    } catch (err) {
      await this.lvm.pvremove(devices).catch(() => undefined);
      throw err;
    }
  }

  async check(): Promise<void> {
    if (await this.lvm.vgs(this.vg)) return;
    throw new TsvirtError(
      'ERR_OPERATION_FAILED',
      `storage pool '${this.def.name}': volume group '${this.vg}' not found; build the pool first (pool-build)`,
      { pool: this.def.name, vg: this.vg },
    );
  }

  async deleteStorage(): Promise<void> {
    await this.lvm.vgremove(this.vg);
    await this.lvm.pvremove(this.def.source.devices);
  }

  async sizes(): Promise<PoolSizes> {
    const vg = await this.lvm.vgs(this.vg);
    if (!vg) return { capacity: 0n, allocation: 0n, available: 0n };
    return { capacity: vg.sizeBytes, allocation: vg.sizeBytes - vg.freeBytes, available: vg.freeBytes };
  }

  async listVolumes(): Promise<VolumeDesc[]> {
    const lvs = await this.lvm.lvs(this.vg);
    return lvs.map((lv) => ({
      name: lv.name,
      key: lv.uuid,
      path: lv.path || `${this.def.target.path}/${lv.name}`,
      type: 'block' as const,
      format: 'raw',
      capacity: lv.sizeBytes,
      allocation: lv.sizeBytes,
    }));
  }

  async createVolume(spec: SizedVolumeSpec): Promise<VolumeDesc> {
    this.checkSpec(spec);
    await this.lvm.lvcreate(this.vg, spec.name, spec.capacity);
    return this.describe(spec.name);
  }

  async cloneVolume(spec: SizedVolumeSpec, source: VolumeDesc): Promise<VolumeDesc> {
    this.checkSpec(spec);
    await this.lvm.lvcreate(this.vg, spec.name, spec.capacity);
    try {
      const vol = await this.describe(spec.name);
      await requireDeviceNode(vol.path);
      await convertImage(
        { path: source.path, format: source.format },
        { path: vol.path, format: 'raw', exists: true },
      );
      return vol;
    } catch (err) {
      await this.lvm.lvremove(this.vg, spec.name).catch(() => undefined);
      throw err;
    }
  }

  private checkSpec(spec: SizedVolumeSpec): void {
    if (!LV_NAME_RE.test(spec.name)) {
      throw new TsvirtError(
        'ERR_INVALID_ARG',
        `volume name '${spec.name}' is not a valid LV name; use letters, digits and + _ . -`,
        { field: 'volume.name', value: spec.name, expected: LV_NAME_RE.source },
      );
    }
    if ((spec.format && spec.format !== 'raw') || spec.backing) {
      throw new TsvirtError(
        'ERR_NOT_SUPPORTED',
        `logical volumes are raw block devices; format '${spec.format ?? 'raw'}'${spec.backing ? ' with a backing store' : ''} is not supported there`,
        { field: 'volume.target.format', value: spec.format },
      );
    }
  }

  private async describe(name: string): Promise<VolumeDesc> {
    const vol = (await this.listVolumes()).find((v) => v.name === name);
    if (!vol)
      throw new TsvirtError('ERR_INTERNAL', `LV ${this.vg}/${name} vanished right after lvm changed it`, {
        vg: this.vg,
        volume: name,
      });
    return vol;
  }

  async deleteVolume(vol: VolumeDesc): Promise<void> {
    await this.lvm.lvremove(this.vg, vol.name);
  }

  async wipeVolume(vol: VolumeDesc): Promise<void> {
    await requireDeviceNode(vol.path);
    const handle = await open(vol.path, 'r+');
    try {
      const zeros = Buffer.alloc(ZERO_CHUNK_BYTES);
      for (let offset = 0n; offset < vol.capacity; offset += BigInt(ZERO_CHUNK_BYTES)) {
        const length = Number(
          vol.capacity - offset < BigInt(ZERO_CHUNK_BYTES) ? vol.capacity - offset : BigInt(ZERO_CHUNK_BYTES),
        );
        await handle.write(zeros, 0, length, Number(offset));
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async resizeVolume(vol: VolumeDesc, capacity: bigint): Promise<VolumeDesc> {
    await this.lvm.lvresize(this.vg, vol.name, capacity);
    return this.describe(vol.name);
  }

  async ioPath(vol: VolumeDesc): Promise<string> {
    await requireDeviceNode(vol.path);
    return vol.path;
  }
}
