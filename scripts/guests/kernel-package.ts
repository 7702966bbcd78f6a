import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../src/exec/index.js';
import { TsvirtError } from '../../src/errors.js';
import { buildLoadOrder, parseModuleDepends, parseModuleName } from './kernel-modules.js';

/** Debian's metapackage that always depends on the current cloud kernel image. */
export const KERNEL_METAPACKAGE = 'linux-image-cloud-amd64';

/** Bound on one apt-get download of a ~27 MB package. */
const DOWNLOAD_TIMEOUT_MS = 600_000;

/** The real image package named by the metapackage's `Depends:` line in `apt-cache depends` output. */
export function parseKernelDependency(aptCacheDepends: string): string | undefined {
  const match = /^\s*Depends:\s*(linux-image-\S+-cloud-amd64)\s*$/m.exec(aptCacheDepends);
  return match?.[1];
}

/** Resolve the metapackage to the kernel image package it currently depends on. */
export async function resolveKernelPackage(): Promise<string> {
  const { stdout } = await run(['apt-cache', 'depends', KERNEL_METAPACKAGE], { timeoutMs: 60_000 });
  const name = parseKernelDependency(stdout);
  if (!name) {
    throw new TsvirtError(
      'ERR_OPERATION_FAILED',
      `${KERNEL_METAPACKAGE}: apt-cache names no linux-image-*-cloud-amd64 dependency; run apt-get update`,
      { field: 'Depends', value: stdout.trim(), expected: 'linux-image-*-cloud-amd64' },
    );
  }
  return name;
}

/** Download a package's .deb into `workDir` (no install) and unpack it with dpkg -x into `workDir/root`. */
export async function unpackPackage(pkg: string, workDir: string): Promise<string> {
  await run(['apt-get', 'download', pkg], { cwd: workDir, timeoutMs: DOWNLOAD_TIMEOUT_MS });
  const deb = (await readdir(workDir)).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (!deb) {
    throw new TsvirtError(
      'ERR_IO',
      `${pkg}: apt-get download left no .deb in ${workDir}; check apt sources`,
      {
        field: 'deb',
        value: workDir,
      },
    );
  }
  const root = join(workDir, 'root');
  await run(['dpkg', '-x', deb, 'root'], { cwd: workDir, timeoutMs: 300_000 });
  return root;
}

/** The pieces of an unpacked kernel package that a test guest needs. */
export interface UnpackedKernel {
  vmlinuzPath: string;
  /** Module name -> absolute path of its .ko or .ko.xz. */
  modulePaths: Map<string, string>;
}

/** Find vmlinuz and index every module file of the unpacked kernel package under `root`. */
export async function findKernelFiles(root: string): Promise<UnpackedKernel> {
  const vmlinuz = (await readdir(join(root, 'boot'))).find((f) => f.startsWith('vmlinuz-'));
  const modulesBase = ['lib/modules', 'usr/lib/modules'].map((p) => join(root, p)).find((p) => existsSync(p));
  const version = modulesBase ? (await readdir(modulesBase))[0] : undefined;
  if (!vmlinuz || !modulesBase || !version) {
    throw new TsvirtError(
      'ERR_IO',
      `${root}: the kernel package has no boot/vmlinuz-* or lib/modules/VERSION`,
      {
        field: 'root',
        value: root,
      },
    );
  }
  const modulePaths = new Map<string, string>();
  const files = await readdir(join(modulesBase, version), { recursive: true });
  for (const rel of files) {
    const base = rel.split('/').pop() ?? rel;
    if (/\.ko(\.xz)?$/.test(base)) modulePaths.set(parseModuleName(base), join(modulesBase, version, rel));
  }
  return { vmlinuzPath: join(root, 'boot', vmlinuz), modulePaths };
}

/** The bytes of a module, decompressing a .ko.xz with xz(1) next to it (in the unpacked tree). */
async function readModule(path: string): Promise<Buffer> {
  if (!path.endsWith('.xz')) return readFile(path);
  await run(['xz', '-d', '-k', '-f', path], { timeoutMs: 60_000 });
  return readFile(path.slice(0, -'.xz'.length));
}

/** The wanted modules and everything they depend on, in load order, with their uncompressed bytes. */
export async function collectModules(
  kernel: UnpackedKernel,
  wanted: readonly string[],
): Promise<{ name: string; data: Buffer }[]> {
  const bytes = new Map<string, Buffer>();
  const load = async (name: string): Promise<void> => {
    if (bytes.has(name)) return;
    const path = kernel.modulePaths.get(name);
    if (!path) {
      throw new TsvirtError('ERR_IO', `kernel module ${name} is not in the kernel package`, {
        field: 'module',
        value: name,
      });
    }
    const data = await readModule(path);
    bytes.set(name, data);
    for (const dep of parseModuleDepends(data)) await load(dep);
  };
  for (const name of wanted) await load(name);
  const order = buildLoadOrder(wanted, (name) => parseModuleDepends(bytes.get(name) ?? Buffer.alloc(0)));
  return order.map((name) => ({ name, data: bytes.get(name) as Buffer }));
}
