import { chmod, mkdir, readFile, readdir, rm, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { TsvirtError } from '../errors.js';

/** The files of one domain under the driver's root, laid out as DESIGN.md "State on disk" has them. */
export interface DomainPaths {
  /** etc/qemu/NAME.xml: the persistent definition. */
  config: string;
  /** etc/qemu/autostart/NAME.xml: the autostart mark. */
  autostart: string;
  /** run/qemu/NAME.xml: the live definition with its runtime facts (a domstatus document). */
  status: string;
  /** run/qemu/NAME.pid: qemu's pid, written by the driver. */
  pidFile: string;
  /** run/qemu/NAME.owners: the owners of the files given to the qemu user, to give back at stop. */
  owners: string;
  /** run/qemu/NAME.d/: the folder the qemu user owns (mode 0700) for the sockets qemu serves. */
  chanDir: string;
  /** run/qemu/NAME.d/monitor.sock: the QMP socket. */
  qmpSocket: string;
  /** run/qemu/NAME.d/console.sock: the serial console socket. */
  consoleSocket: string;
  /** run/qemu/NAME.console-holder: the socket that marks the console as taken. */
  consoleHolder: string;
  /** run/qemu/NAME.d/vnc.sock: the VNC socket, when graphics use one. */
  vncSocket: string;
  /** log/qemu/NAME.log: the argv that started qemu, then its stdout and stderr. */
  log: string;
  /** log/qemu/NAME.serial.log: what the guest wrote to its first serial port. */
  serialLog: string;
  /** lib/qemu/save/NAME.save: the managed save image (virDomainManagedSave), when there is one. */
  managedSave: string;
}

/** The folders of a driver root. */
export interface RootDirs {
  etc: string;
  autostart: string;
  run: string;
  log: string;
  /** lib/qemu/save: managed save images (0700: they hold guests' memory). */
  save: string;
  /** run/driver.lock: the root lock. */
  lockFile: string;
  /** run/next-domain-id: the next id to hand out, so that ids keep increasing across restarts. */
  nextIdFile: string;
}

/** The folders of a driver root. */
export function buildRootDirs(root: string): RootDirs {
  return {
    etc: join(root, 'etc', 'qemu'),
    autostart: join(root, 'etc', 'qemu', 'autostart'),
    run: join(root, 'run', 'qemu'),
    log: join(root, 'log', 'qemu'),
    save: join(root, 'lib', 'qemu', 'save'),
    lockFile: join(root, 'run', 'driver.lock'),
    nextIdFile: join(root, 'run', 'next-domain-id'),
  };
}

/** The files of domain `name` under `dirs`. */
export function buildDomainPaths(dirs: RootDirs, name: string): DomainPaths {
  const chanDir = join(dirs.run, `${name}.d`);
  return {
    config: join(dirs.etc, `${name}.xml`),
    autostart: join(dirs.autostart, `${name}.xml`),
    status: join(dirs.run, `${name}.xml`),
    pidFile: join(dirs.run, `${name}.pid`),
    owners: join(dirs.run, `${name}.owners`),
    chanDir,
    qmpSocket: join(chanDir, 'monitor.sock'),
    consoleSocket: join(chanDir, 'console.sock'),
    consoleHolder: join(dirs.run, `${name}.console-holder`),
    vncSocket: join(chanDir, 'vnc.sock'),
    log: join(dirs.log, `${name}.log`),
    serialLog: join(dirs.log, `${name}.serial.log`),
    managedSave: join(dirs.save, `${name}.save`),
  };
}

/**
 * Create the folders of a root with modes that do not depend on the umask: etc/ and the definitions
 * 0700 (only tsvirt reads them), run/ 0755 (the libvirt sockets' own modes decide who connects),
 * run/qemu and log/qemu 0711 (their files are 0600; the qemu user may pass through to its own).
 */
export async function ensureRootDirs(dirs: RootDirs): Promise<void> {
  const root = dirname(dirname(dirs.etc));
  await ensureDirMode(root, 0o755, false);
  await ensureDirMode(dirname(dirs.etc), 0o700);
  await ensureDirMode(dirs.etc, 0o700);
  await ensureDirMode(dirs.autostart, 0o700);
  await ensureDirMode(dirname(dirs.run), 0o755);
  await ensureDirMode(dirs.run, 0o711);
  await ensureDirMode(dirname(dirs.log), 0o711);
  await ensureDirMode(dirs.log, 0o711);
  await ensureDirMode(dirname(dirs.save), 0o700);
  await ensureDirMode(dirs.save, 0o700);
}

/**
 * Make a folder (and its parents) and give it `mode` whatever the umask; `enforce` false sets the mode
 * only on a folder this call made.
 */
export async function ensureDirMode(dir: string, mode: number, enforce = true): Promise<void> {
  const made = await mkdir(dir, { recursive: true, mode });
  if (enforce || made !== undefined) await chmod(dir, mode);
}

/** The text of a file, or undefined when it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TsvirtError(
      'ERR_IO',
      `${path}: cannot read (${(err as Error).message})`,
      { path },
      { cause: err },
    );
  }
}

/** Remove a file; a missing file is fine, any other failure is ERR_IO naming the file. */
export async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code;
    if (errno === 'ENOENT') return;
    throw new TsvirtError(
      'ERR_IO',
      `${path}: cannot remove (${(err as Error).message})`,
      { path, errno },
      { cause: err },
    );
  }
}

/** Remove the runtime files of a domain that no longer runs (the log and the owners file stay). */
export async function removeRuntimeFiles(paths: DomainPaths): Promise<void> {
  for (const p of [paths.status, paths.pidFile, paths.consoleHolder]) await removeFile(p);
  await rm(paths.chanDir, { recursive: true, force: true });
}

/** Names of the domains that have a `NAME.xml` in `dir`. */
export async function listXmlNames(dir: string): Promise<string[]> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries
    .filter((f) => f.endsWith('.xml') && !f.startsWith('.'))
    .map((f) => f.slice(0, -4))
    .sort();
}

/**
 * The domain id allocator of a root: positive, increasing, persisted in run/next-domain-id so that a
 * restart never reuses one; calls are serialized so that parallel starts get distinct ids.
 */
export function createIdAllocator(dirs: RootDirs): (minId: number) => Promise<number> {
  let last: Promise<unknown> = Promise.resolve();
  return (minId) => {
    const next = last.then(() => allocateDomainId(dirs, minId));
    last = next.catch(() => undefined);
    return next;
  };
}

async function allocateDomainId(dirs: RootDirs, minId: number): Promise<number> {
  const text = await readIfExists(dirs.nextIdFile);
  const parsed = Number.parseInt(text ?? '', 10);
  const id = Math.max(Number.isSafeInteger(parsed) && parsed > 0 ? parsed : 1, minId);
  await writeFileAtomic(dirs.nextIdFile, `${id + 1}\n`);
  return id;
}
