/**
 * Whom qemu runs as: qemu.conf's user and group resolved to ids, and the setpriv(1) prefix that drops
 * to them with no capabilities before qemu is executed (libvirt does the same between fork and exec).
 */
import { readFile } from 'node:fs/promises';
import { TsvirtError } from '../errors.js';
import { run } from '../exec/index.js';

/** The credentials of a qemu process. */
export interface QemuUser {
  name: string;
  uid: number;
  gid: number;
  /** The supplementary groups (the user's, from the group database). */
  groups: number[];
}

/** How qemu processes are confined; resolved once when the driver opens. */
export interface QemuConfinement {
  /** Run qemu as this user; undefined: as this process (tsvirt not running as root). */
  user: QemuUser | undefined;
  /** Give the qemu user a guest's files while it runs, and give them back after. */
  dynamicOwnership: boolean;
  /** `-sandbox on,...` on every qemu. */
  seccompSandbox: boolean;
  /** Empty bounding and inheritable capability sets, so qemu has no capability even as root. */
  clearCapabilities: boolean;
}

/** Settings that say how to confine qemu (qemu.conf's, as src/embedded/qemu-conf.ts reads them). */
export interface QemuConfinementConf {
  /** `user`: a name, or `+UID`. */
  user: string;
  /** `group`: a name, or `+GID`. */
  group: string;
  /** `dynamic_ownership`: give the qemu user a guest's files while it runs. */
  dynamicOwnership: boolean;
  /** `seccomp_sandbox`: start qemu with `-sandbox on,...`. */
  seccompSandbox: boolean;
  /** `clear_emulator_capabilities`: qemu keeps no capabilities, even as root. */
  clearEmulatorCapabilities: boolean;
}

/** The user qemu runs as when qemu.conf names none (scripts/setup.sh creates it). */
export const DEFAULT_QEMU_USER = 'tsvirt-qemu';
/** The group qemu runs as when qemu.conf names none: the group that owns /dev/kvm on Debian. */
export const DEFAULT_QEMU_GROUP = 'kvm';

/** qemu.conf's defaults, as libvirt's, with tsvirt's own user. */
export const DEFAULT_QEMU_CONFINEMENT: QemuConfinementConf = {
  user: DEFAULT_QEMU_USER,
  group: DEFAULT_QEMU_GROUP,
  dynamicOwnership: true,
  seccompSandbox: true,
  clearEmulatorCapabilities: true,
};

/**
 * Resolve qemu.conf's user and group. Run as non-root, this process cannot change user: qemu runs as
 * it, as libvirt's session driver does, and `warn` says so when qemu.conf asked for someone else.
 */
export async function resolveConfinement(
  conf: QemuConfinementConf,
  warn: (line: string) => void,
): Promise<QemuConfinement> {
  const base = {
    dynamicOwnership: conf.dynamicOwnership,
    seccompSandbox: conf.seccompSandbox,
    clearCapabilities: conf.clearEmulatorCapabilities,
  };
  if (process.getuid?.() !== 0) return { ...base, user: undefined, dynamicOwnership: false };
  const user = await lookupUser(conf.user, conf.group);
  if (user.uid === 0) {
    warn(
      `qemu runs as root (qemu.conf user = "${conf.user}"): a guest that escapes qemu owns the host; set user = "tsvirt-qemu"`,
    );
  }
  return { ...base, user };
}

/**
 * Look up a user (name or +UID) and a group (name or +GID): in /etc/passwd and /etc/group first (no
 * child process, so an embedded open stays fast), else through getent(1) for other NSS sources.
 */
export async function lookupUser(userSpec: string, groupSpec: string): Promise<QemuUser> {
  const [passwd, group] = await Promise.all(
    ['/etc/passwd', '/etc/group'].map((f) => readFile(f, 'utf8').catch(() => '')),
  );
  const fromFiles = findInAccountFiles(passwd ?? '', group ?? '', userSpec, groupSpec);
  if (fromFiles) return fromFiles;
  const pw = await getent('passwd', userSpec.startsWith('+') ? userSpec.slice(1) : userSpec);
  const gr = await getent('group', groupSpec.startsWith('+') ? groupSpec.slice(1) : groupSpec);
  if (!pw && !userSpec.startsWith('+')) throw missing('user', userSpec);
  if (!gr && !groupSpec.startsWith('+')) throw missing('group', groupSpec);
  const uid = pw ? Number(pw[2]) : Number(userSpec.slice(1));
  const gid = gr ? Number(gr[2]) : Number(groupSpec.slice(1));
  const name = pw?.[0] ?? String(uid);
  const groups = pw ? await listGroups(name) : [gid];
  return { name, uid, gid, groups: [...new Set([gid, ...groups])] };
}

/**
 * The user and group as /etc/passwd and /etc/group have them (name or +ID each), with the groups that
 * list the user as a member; undefined when either is not there. Pure.
 */
export function findInAccountFiles(
  passwd: string,
  group: string,
  userSpec: string,
  groupSpec: string,
): QemuUser | undefined {
  const rows = (text: string): string[][] =>
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(':'));
  const matches = (row: string[], spec: string): boolean =>
    spec.startsWith('+') ? row[2] === spec.slice(1) : row[0] === spec;
  const pw = rows(passwd).find((r) => matches(r, userSpec));
  const groups = rows(group);
  const gr = groups.find((r) => matches(r, groupSpec));
  if (!pw || !gr) return undefined;
  const [name = '', , uid = '', primary = ''] = pw;
  const gid = Number(gr[2]);
  const member = groups.filter((r) => (r[3] ?? '').split(',').includes(name)).map((r) => Number(r[2]));
  return { name, uid: Number(uid), gid, groups: [...new Set([gid, Number(primary), ...member])] };
}

function missing(what: 'user' | 'group', name: string): TsvirtError {
  return new TsvirtError(
    'ERR_CONFIG_FILE',
    `qemu.conf: the ${what} '${name}' that qemu runs as does not exist; create it (scripts/setup.sh makes tsvirt-qemu in group kvm) or set ${what} = "..." in qemu.conf`,
    { field: what, value: name, expected: `an existing ${what}` },
  );
}

/** One entry of getent(1), split on ':', or undefined when the database has no such key. */
async function getent(db: 'passwd' | 'group', key: string): Promise<string[] | undefined> {
  const out = await run(['getent', db, key], { okExitCodes: [2], timeoutMs: 10_000 });
  const line = out.stdout.split('\n')[0] ?? '';
  return out.exitCode === 0 && line ? line.split(':') : undefined;
}

/** The ids of every group `name` belongs to. */
async function listGroups(name: string): Promise<number[]> {
  const out = await run(['id', '-G', '--', name], { timeoutMs: 10_000 });
  return out.stdout.trim().split(/\s+/).filter(Boolean).map(Number);
}

/**
 * The argv prefix that runs a program as `confinement.user` with no capabilities left (setpriv(1) from
 * util-linux; it executes the program in place, so the pid stays the program's). Empty when qemu runs
 * as this process and keeps what it has. Pure.
 */
export function buildDropPrivilegesArgv(confinement: QemuConfinement): string[] {
  const { user, clearCapabilities } = confinement;
  if (!user) return [];
  const argv = ['setpriv'];
  if (user.uid !== 0 || user.gid !== 0) {
    argv.push(`--reuid=${user.uid}`, `--regid=${user.gid}`, `--groups=${user.groups.join(',')}`);
  }
  // Bounding set empty: nothing a later exec could regain. Inheritable empty: none passed on.
  if (clearCapabilities) argv.push('--inh-caps=-all', '--bounding-set=-all');
  if (argv.length === 1) return [];
  return [...argv, '--'];
}
