import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TsvirtError } from '../../src/errors.js';
import { writeFileAtomic } from '../../src/fs/atomic-write.js';
import { BOOT_IMAGE_BYTES, SECTOR_BYTES, buildBootImage, buildBootSector } from './boot-sector.js';
import { buildLinuxGuest, computeLinuxRecipe, isLinuxGuestCurrent } from './linux-guest.js';

export {
  BOOT_SECTOR_MARKER,
  LINUX_POWEROFF_MARKER,
  LINUX_READY_MARKER,
  LINUX_REBOOT_MARKER,
} from './markers.js';

/** The repository root: the nearest folder above this module that holds package.json (src or dist). */
function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) {
      throw new TsvirtError('ERR_IO', `guests: no package.json above ${dir}; run from a tsvirt checkout`, {
        field: 'package.json',
        value: fileURLToPath(import.meta.url),
      });
    }
    dir = parent;
  }
  return dir;
}

/** The folder that holds the built test guests (`.cache/guests` at the repo root, ignored by git). */
export const GUEST_CACHE_DIR = join(findRepoRoot(), '.cache', 'guests');

/** Where each test guest's files are, once built. */
export interface GuestPaths {
  /** Raw 1 MiB disk image; sector 0 prints BOOT_SECTOR_MARKER on COM1 and halts. */
  bootSectorImage: string;
  /** Debian cloud kernel (bzImage) for `-kernel`. */
  linuxKernel: string;
  /** Gzipped newc initramfs for `-initrd`; boot with `-append 'console=ttyS0'`. */
  linuxInitrd: string;
}

/** The paths of the test guests in GUEST_CACHE_DIR (they may not be built yet; see ensureGuests). */
export function guestPaths(): GuestPaths {
  return {
    bootSectorImage: join(GUEST_CACHE_DIR, 'boot-sector.img'),
    linuxKernel: join(GUEST_CACHE_DIR, 'linux', 'vmlinuz'),
    linuxInitrd: join(GUEST_CACHE_DIR, 'linux', 'initrd.gz'),
  };
}

async function isBootImageCurrent(path: string): Promise<boolean> {
  try {
    const image = await readFile(path);
    return image.length === BOOT_IMAGE_BYTES && image.subarray(0, SECTOR_BYTES).equals(buildBootSector());
  } catch {
    return false;
  }
}

async function ensureBootImage(path: string, log: (line: string) => void): Promise<void> {
  if (await isBootImageCurrent(path)) return;
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, buildBootImage());
  log(`boot-sector guest: wrote ${path}`);
}

async function ensureLinuxGuest(paths: GuestPaths, log: (line: string) => void): Promise<void> {
  const files = {
    kernel: paths.linuxKernel,
    initrd: paths.linuxInitrd,
    stamp: join(dirname(paths.linuxInitrd), 'stamp.json'),
  };
  const recipe = await computeLinuxRecipe();
  if (await isLinuxGuestCurrent(files, recipe)) return;
  await buildLinuxGuest(GUEST_CACHE_DIR, files, recipe, log);
}

let pending: Promise<GuestPaths> | undefined;

/**
 * Build whichever test guests are missing or were built from an older recipe, and return their paths.
 * Calls in one process share one build; builds in parallel processes each finish with atomic renames.
 */
export function ensureGuests(options: { log?: (line: string) => void } = {}): Promise<GuestPaths> {
  const log = options.log ?? (() => undefined);
  pending ??= (async () => {
    const paths = guestPaths();
    await ensureBootImage(paths.bootSectorImage, log);
    await ensureLinuxGuest(paths, log);
    return paths;
  })().finally(() => {
    pending = undefined;
  });
  return pending;
}
