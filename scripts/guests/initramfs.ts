import type { ArchiveEntry } from './newc.js';
import {
  ACPID_DIR,
  buildAcpidConf,
  buildInitScript,
  buildPowerButtonScript,
  buildUdhcpcScript,
  UDHCPC_SCRIPT,
} from './init-script.js';

/** What goes into the Linux guest's initramfs besides the files written by our code. */
export interface InitramfsInputs {
  /** The bytes of a statically linked busybox. */
  busybox: Buffer;
  /** `busybox --list-full` output: one applet path per line, e.g. `sbin/acpid`. */
  appletPaths: readonly string[];
  /** Kernel modules in load order. */
  modules: readonly { name: string; data: Buffer }[];
}

/** Folders of the guest's root; /proc, /sys and /dev are mount points. */
const DIRS = ['bin', 'sbin', 'usr', 'usr/bin', 'usr/sbin', 'proc', 'sys', 'dev', 'run', 'tmp', 'etc', 'lib'];

/**
 * The members of the Linux guest's initramfs: busybox and its applet links, /init, the acpid folder and
 * the modules. /dev/console is there because the kernel opens it for /init before devtmpfs is mounted.
 */
export function buildInitramfsEntries(inputs: InitramfsInputs): ArchiveEntry[] {
  const entries: ArchiveEntry[] = DIRS.map((path) => ({ kind: 'dir', path }));
  entries.push(
    { kind: 'chardev', path: 'dev/console', major: 5, minor: 1 }, // 5:1 is /dev/console
    { kind: 'file', path: 'bin/busybox', data: inputs.busybox, mode: 0o755 },
  );
  const seen = new Set(['bin/busybox']);
  for (const path of inputs.appletPaths) {
    if (seen.has(path) || !/^(usr\/)?s?bin\/[^/]+$/.test(path)) continue;
    seen.add(path);
    entries.push({ kind: 'symlink', path, target: '/bin/busybox' });
  }
  entries.push(
    { kind: 'dir', path: ACPID_DIR },
    { kind: 'file', path: `${ACPID_DIR}/acpid.conf`, data: Buffer.from(buildAcpidConf()) },
    { kind: 'file', path: `${ACPID_DIR}/pwrf`, data: Buffer.from(buildPowerButtonScript()), mode: 0o755 },
    { kind: 'file', path: UDHCPC_SCRIPT, data: Buffer.from(buildUdhcpcScript()), mode: 0o755 },
    { kind: 'dir', path: 'lib/modules' },
    ...inputs.modules.map(({ name, data }): ArchiveEntry => ({
      kind: 'file',
      path: `lib/modules/${name}.ko`,
      data,
    })),
    {
      kind: 'file',
      path: 'init',
      data: Buffer.from(buildInitScript(inputs.modules.map((m) => m.name))),
      mode: 0o755,
    },
  );
  return entries;
}
