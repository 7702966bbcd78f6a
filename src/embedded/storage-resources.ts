/**
 * The storage driver's part in a guest's start: every `<source pool= volume=>` disk gets its path,
 * as libvirt's QEMU driver asks its storage driver before it builds the command line. Volumes are not
 * reserved, so there is nothing to give back at stop or to claim at re-adoption.
 */
import type { DomainConfig } from '../domain/index.js';
import type { GuestResourceProvider } from '../driver/guest-resources.js';

/** Resolves a `<source pool= volume=>` disk to a path (the storage driver's resolveVolume). */
export type VolumeResolver = (
  pool: string,
  volume: string,
) => Promise<{ path: string; kind: 'file' | 'block'; format: string }>;

/** A provider that resolves volume disks through `resolve` (the storage driver, loaded on first use). */
export function buildStorageResources(resolve: VolumeResolver): GuestResourceProvider {
  return {
    name: 'storage',
    async prepare(def: DomainConfig): Promise<void> {
      for (const disk of def.devices.disks) {
        const source = disk.source;
        if (source?.kind !== 'volume') continue;
        const vol = await resolve(source.pool, source.volume);
        source.resolved = { path: vol.path, kind: vol.kind };
      }
    },
  };
}
