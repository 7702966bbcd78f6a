/**
 * The files around a starting guest's qemu: its socket folder (run/qemu/NAME.d, owned by the qemu
 * user, mode 0700), its serial log (0600), and the disks, kernel and serial files it opens, given to
 * the qemu user for the run (dynamic ownership) and given back at stop.
 */
import { chmod, chown, open, realpath, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TsvirtError } from '../errors.js';
import type { DomainConfig } from '../domain/index.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import {
  giveBack,
  grantFiles,
  readOwners,
  saveOwners,
  type GuestFile,
  type OwnerRecord,
} from './ownership.js';
import type { QemuConfinement } from './qemu-user.js';
import { ensureDirMode, removeFile, type DomainPaths } from './runtime-files.js';

/**
 * Make the socket folder and the serial log, and give the qemu user what the guest opens. Throws
 * ERR_IO naming the file and the user when qemu could not open one, and ERR_NOT_SUPPORTED for a NIC
 * that a confined qemu cannot open.
 */
export async function prepareGuestFiles(
  ctx: DriverContext,
  dom: DomainObject,
  def: DomainConfig,
): Promise<void> {
  const { paths } = dom;
  const { user } = ctx.confinement;
  await ensureDirMode(paths.chanDir, 0o700);
  if (def.devices.serials.some((s) => s.type === 'pty')) await createPrivateFile(paths.serialLog, true);
  for (const s of def.devices.serials)
    if (s.type === 'file' && s.path) await createPrivateFile(s.path, false);
  checkNicsOpenable(def, ctx.confinement);
  if (!user || user.uid === 0) return;
  await chown(paths.chanDir, user.uid, user.gid);
  const earlier = await readOwners(paths.owners);
  const granted = await grantFiles(
    def.name,
    listGuestFiles(def, paths),
    user,
    ctx.confinement.dynamicOwnership,
    [dirname(ctx.dirs.etc), ctx.dirs.run],
  );
  const records = [...earlier, ...granted.filter((g) => !earlier.some((e) => e.path === g.path))];
  await saveOwners(paths.owners, records).catch(async (err: unknown) => {
    await giveBack(granted, ctx.log);
    throw err;
  });
}

/** The files a domain's qemu opens by path, with the access it needs. Pure. */
export function listGuestFiles(def: DomainConfig, paths: Pick<DomainPaths, 'serialLog'>): GuestFile[] {
  const files: GuestFile[] = [];
  if (def.type === 'kvm') {
    files.push({
      path: '/dev/kvm',
      mode: 'rw',
      what: 'the KVM device',
      remedy: 'give /dev/kvm to the group kvm with mode 0660, as udev does on Debian',
    });
  }
  for (const disk of def.devices.disks) {
    const s = disk.source;
    const path = s?.kind === 'file' ? s.path : s?.kind === 'block' ? s.dev : s?.resolved?.path;
    if (path !== undefined)
      files.push({ path, mode: disk.readonly ? 'r' : 'rw', what: `disk ${disk.targetDev}` });
    for (const image of disk.backingChain ?? [])
      files.push({ path: image.path, mode: 'r', what: `backing image of disk ${disk.targetDev}` });
  }
  if (def.os.kernel !== undefined) files.push({ path: def.os.kernel, mode: 'r', what: 'kernel' });
  if (def.os.initrd !== undefined) files.push({ path: def.os.initrd, mode: 'r', what: 'initrd' });
  def.devices.serials.forEach((s, i) => {
    if (s.type === 'file' && s.path) files.push({ path: s.path, mode: 'rw', what: `serial ${i} file` });
    if (s.type === 'pty' && !files.some((f) => f.path === paths.serialLog)) {
      files.push({ path: paths.serialLog, mode: 'rw', what: 'serial log' });
    }
  });
  return files;
}

/**
 * An ethernet NIC names a tap qemu opens itself (CAP_NET_ADMIN), which a qemu that is not root, or has no
 * capabilities, cannot do.
 */
export function checkNicsOpenable(def: DomainConfig, confinement: QemuConfinement): void {
  const { user } = confinement;
  if (!user) return; // qemu runs as this process, with what it has
  const noNetAdmin = user.uid !== 0 || confinement.clearCapabilities;
  // Bridge and network NICs get a tap tsvirtd made, as a descriptor: they need nothing of qemu.
  const nic = def.devices.interfaces.find((n) => n.type === 'ethernet' && noNetAdmin);
  if (!nic) return;
  throw new TsvirtError(
    'ERR_NOT_SUPPORTED',
    `domain '${def.name}': interface ${nic.mac} (type '${nic.type}') needs a tap device, which qemu running as ${user.name} without capabilities cannot open; use <interface type='bridge'> or type='network' (tsvirtd makes their taps), or run qemu as root with capabilities (qemu.conf: user = "root", group = "root", clear_emulator_capabilities = 0)`,
    { domain: def.name, field: 'interface', value: nic.type, expected: 'user, bridge or network' },
  );
}

/**
 * Give the files of a stopped domain (`self`, absent for a dead qemu found at re-adoption) back to their
 * owners, except those another running domain still uses: that one takes the record over.
 */
export async function restoreOwners(
  ctx: DriverContext,
  paths: DomainPaths,
  self: DomainObject | undefined,
): Promise<void> {
  const records = await readOwners(paths.owners);
  if (records.length === 0) return removeFile(paths.owners);
  const back: OwnerRecord[] = [];
  const others = ctx.registry.all().filter((d) => d !== self && d.run && d.liveDef);
  const used = await Promise.all(others.map(async (d) => ({ d, files: await realPathsOf(d) })));
  for (const r of records) {
    const taker = used.find((u) => u.files.has(r.path))?.d;
    if (!taker) back.push(r);
    else {
      const theirs = await readOwners(taker.paths.owners);
      if (!theirs.some((t) => t.path === r.path)) await saveOwners(taker.paths.owners, [...theirs, r]);
    }
  }
  await giveBack(back, ctx.log);
  await removeFile(paths.owners);
}

async function realPathsOf(dom: DomainObject): Promise<Set<string>> {
  const files = listGuestFiles(dom.liveDef as DomainConfig, dom.paths);
  return new Set(await Promise.all(files.map((f) => realpath(f.path).catch(() => f.path))));
}

/**
 * Give the root folder search permission (x, not read) for group and others, so that a qemu running as
 * another user reaches its socket folder and serial log below; what lies above the root is the host
 * owner's to open (a clear error at start names it).
 */
export async function openRootToQemu(root: string, confinement: QemuConfinement): Promise<void> {
  if (!confinement.user || confinement.user.uid === 0) return;
  const mode = (await stat(root)).mode & 0o7777;
  if ((mode & 0o011) !== 0o011) await chmod(root, mode | 0o011);
}

/** Give qemu's sockets mode 0600 (qemu made them under the umask it was started with). */
export async function lockSockets(dom: DomainObject): Promise<void> {
  for (const p of [dom.paths.qmpSocket, dom.paths.consoleSocket, dom.paths.vncSocket]) {
    await chmod(p, 0o600).catch(() => undefined);
  }
}

/** Create a file with mode 0600 whatever the umask; one that exists keeps its content (and its mode, unless `enforce`). */
async function createPrivateFile(path: string, enforce: boolean): Promise<void> {
  const fh = await open(path, 'a', 0o600);
  try {
    if (enforce) await fh.chmod(0o600);
  } finally {
    await fh.close();
  }
}
