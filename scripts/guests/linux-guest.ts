import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { run } from '../../src/exec/index.js';
import { writeFileAtomic } from '../../src/fs/atomic-write.js';
import {
  OPTIONAL_MODULES,
  REQUIRED_MODULES,
  buildAcpidConf,
  buildInitScript,
  buildPowerButtonScript,
  buildUdhcpcScript,
} from './init-script.js';
import { buildInitramfsEntries } from './initramfs.js';
import { collectModules, findKernelFiles, resolveKernelPackage, unpackPackage } from './kernel-package.js';
import { encodeNewcArchive } from './newc.js';

/** The statically linked busybox of Debian's busybox-static package. */
export const BUSYBOX_PATH = '/bin/busybox';

/** Bump when the archive layout changes in a way the recipe text does not show. */
const LAYOUT_VERSION = 1;

/** Where the Linux guest's files live inside the guest cache folder. */
export interface LinuxGuestFiles {
  kernel: string;
  initrd: string;
  stamp: string;
}

/** What the stamp file records about a finished build. */
export interface LinuxGuestStamp {
  recipe: string;
  kernelPackage: string;
  modules: string[];
}

/**
 * A digest of everything our code puts in the initramfs (scripts, module list, layout) and of the host's
 * busybox, so that a changed recipe or busybox rebuilds the guest.
 */
export async function computeLinuxRecipe(): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ LAYOUT_VERSION, REQUIRED_MODULES, OPTIONAL_MODULES }));
  hash.update(buildInitScript([...REQUIRED_MODULES, ...OPTIONAL_MODULES]));
  hash.update(buildPowerButtonScript());
  hash.update(buildAcpidConf());
  hash.update(buildUdhcpcScript());
  hash.update(await readFile(BUSYBOX_PATH));
  return hash.digest('hex');
}

/** Whether the stamp at `files.stamp` says the kernel and initrd were built from `recipe`. */
export async function isLinuxGuestCurrent(files: LinuxGuestFiles, recipe: string): Promise<boolean> {
  try {
    const stamp = JSON.parse(await readFile(files.stamp, 'utf8')) as Partial<LinuxGuestStamp>;
    if (stamp.recipe !== recipe) return false;
    await Promise.all([access(files.kernel), access(files.initrd)]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Build the Linux guest into `files`: download and unpack Debian's cloud kernel in a temp folder under
 * `cacheDir`, then write vmlinuz, the gzipped newc initramfs and, last, the stamp (each atomically).
 */
export async function buildLinuxGuest(
  cacheDir: string,
  files: LinuxGuestFiles,
  recipe: string,
  log: (line: string) => void,
): Promise<LinuxGuestStamp> {
  await mkdir(cacheDir, { recursive: true });
  const workDir = await mkdtemp(join(cacheDir, 'linux-build-'));
  try {
    const kernelPackage = await resolveKernelPackage();
    log(`linux guest: downloading ${kernelPackage}`);
    const root = await unpackPackage(kernelPackage, workDir);
    const kernel = await findKernelFiles(root);
    const modules = await collectModules(kernel, [...REQUIRED_MODULES, ...OPTIONAL_MODULES]);
    const { stdout } = await run([BUSYBOX_PATH, '--list-full'], { timeoutMs: 10_000 });
    const entries = buildInitramfsEntries({
      busybox: await readFile(BUSYBOX_PATH),
      appletPaths: stdout.split('\n').filter((l) => l.length > 0),
      modules,
    });
    await mkdir(join(files.kernel, '..'), { recursive: true });
    await writeFileAtomic(files.kernel, await readFile(kernel.vmlinuzPath));
    await writeFileAtomic(files.initrd, gzipSync(encodeNewcArchive(entries)));
    const stamp: LinuxGuestStamp = { recipe, kernelPackage, modules: modules.map((m) => m.name) };
    await writeFileAtomic(files.stamp, `${JSON.stringify(stamp, null, 2)}\n`);
    log(`linux guest: built ${files.initrd} with modules ${stamp.modules.join(' ')}`);
    return stamp;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
