/** The benchmark guest: the boot-sector guest (TCG), one XML for every daemon, one disk image per domain. */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildBootSectorXml } from '../../scripts/guests/domain-xml.js';
import { ensureGuests, guestPaths } from '../../scripts/guests/paths.js';

/** A random prefix for one run's domain names, so that our qemu pids can be told from anyone else's. */
export function runPrefix(): string {
  return `tsvb${randomBytes(3).toString('hex')}-`;
}

/**
 * Domain XML that both daemons accept. `<memballoon model='none'/>` in both, so neither daemon waits
 * on a balloon; libvirtd still adds its default USB controller (tsvirt's XML has no <controller>).
 */
export function guestXml(name: string, image: string, memMiB = 64): string {
  return buildBootSectorXml(name, image, { memMiB, memballoon: 'none' });
}

/**
 * Write `count` sparse copies of the boot-sector image into `dir` (qemu takes a write lock on its disk,
 * so every guest that may run at the same time as another needs its own). Returns their paths.
 */
export async function makeImages(dir: string, stem: string, count: number): Promise<string[]> {
  if (!existsSync(guestPaths().bootSectorImage)) await ensureGuests();
  const source = await readFile(guestPaths().bootSectorImage);
  const sector = source.subarray(0, 512);
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const path = join(dir, `${stem}${i}.img`);
    const fh = await open(path, 'w', 0o600);
    try {
      await fh.write(sector, 0, sector.length, 0);
      await fh.truncate(source.length);
    } finally {
      await fh.close();
    }
    paths.push(path);
  }
  return paths;
}
