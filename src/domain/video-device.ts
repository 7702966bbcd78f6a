import type { VideoConfig } from './types.js';

/** A qemu -device object: driver, id and properties (as in device-objects). */
type DeviceObject = { driver: string; id: string } & Record<string, unknown>;

/** qemu's device of each video model: [as the primary (VGA-compatible), as a secondary]. */
const VIDEO_DRIVERS: Record<VideoConfig['model'], [string, string | undefined] | undefined> = {
  vga: ['VGA', undefined],
  cirrus: ['cirrus-vga', undefined],
  qxl: ['qxl-vga', 'qxl'],
  virtio: ['virtio-vga', 'virtio-gpu-pci'],
  bochs: ['bochs-display', 'bochs-display'],
  ramfb: ['ramfb', undefined],
  none: undefined,
};

/** libvirt's alias of the Nth video, sound, rng: video0, sound0, rng0. */
export function buildMediaAlias(prefix: 'video' | 'sound' | 'rng', index: number): string {
  return `${prefix}${index}`;
}

/**
 * A <video>'s device, with qemu's size properties as libvirt passes them (qxl: ram_size, vram_size in
 * bytes, vgamem_mb; VGA: vgamem_mb; bochs: vgamem in bytes; max_outputs from heads), or undefined for
 * model none. `placement` is its bus and addr (ramfb has none).
 */
export function buildVideoDevice(
  video: VideoConfig,
  primary: boolean,
  id: string,
  placement: Record<string, unknown>,
): DeviceObject | undefined {
  const driver = VIDEO_DRIVERS[video.model]?.[primary ? 0 : 1];
  if (driver === undefined) return undefined;
  const dev: DeviceObject = { driver, id };
  if (video.model === 'qxl') {
    dev.max_outputs = video.heads ?? 1;
    dev.ram_size = (video.ramKiB ?? 65536) * 1024;
    dev.vram_size = (video.vramKiB ?? 65536) * 1024;
    dev.vram64_size_mb = 0;
    dev.vgamem_mb = (video.vgamemKiB ?? 16384) / 1024;
  } else if (video.model === 'vga' && video.vramKiB !== undefined) {
    dev.vgamem_mb = video.vramKiB / 1024;
  } else if (video.model === 'virtio') {
    dev.max_outputs = video.heads ?? 1;
  } else if (video.model === 'bochs' && video.vramKiB !== undefined) {
    dev.vgamem = video.vramKiB * 1024;
  }
  return { ...dev, ...placement };
}
