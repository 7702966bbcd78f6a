/**
 * The reference: Debian's libvirtd 9.0 with its qemu driver, in system mode, confined without editing
 * the host. Privileged libvirtd reads /etc/libvirt/qemu.conf and nothing else (no variable or flag moves
 * it; session mode would run unprivileged and skip the work system mode does), so it runs in a private
 * mount namespace where a temp folder is bound over /etc/libvirt and /run/libvirt and an overlay sits on
 * /var. TCP on 127.0.0.1 at a free port, no auth, unix sockets in the temp folder.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canConnect,
  canConnectPath,
  freePort,
  isAlive,
  killAndWait,
  loopbackDaemonConf,
  notUpError,
  waitFor,
} from '../../scripts/loopback-daemon.js';
import { run, spawnDetached } from '../../src/exec/index.js';
import type { BenchDaemon } from './daemon.js';
import { prepareIptablesLayers } from './iptables-layer.js';
import { MountNamespace } from './namespace.js';
import { cmdline } from './proc.js';

/** Path of libvirtd, or undefined when libvirt-daemon is not installed. */
export const LIBVIRTD = ['/usr/sbin/libvirtd', '/usr/bin/libvirtd'].find((p) => existsSync(p));

/** Whether the qemu driver module of libvirtd is installed (libvirt-daemon-driver-qemu). */
export const HAS_QEMU_DRIVER = existsSync(
  '/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so',
);

/** qemu.conf for this host: no libvirt-qemu user, no virtlogd, no AppArmor/SELinux profile here. */
export const QEMU_CONF = [
  'user = "root"',
  'group = "root"',
  'stdio_handler = "file"',
  'security_driver = "none"',
  '',
].join('\n');

const QEMU_USER_LINE = 'libvirt-qemu:x:64055:64055:Libvirt Qemu:/var/lib/libvirt:/usr/sbin/nologin';
const QEMU_GROUP_LINE = 'libvirt-qemu:x:64055:';

/** Folders and files of one confined libvirtd, all under its temp folder. */
interface Tree {
  etc: string;
  run: string;
  varUp: string;
  varWork: string;
  passwd: string;
  group: string;
  hosts: string;
}

/**
 * Where a confined libvirtd runs. By default on 127.0.0.1 at a free port in the host's network; with
 * `netns`, in that network namespace with a hostname of its own, listening on `address` at libvirt's
 * port 16509, so that it stands for one host of a migration pair.
 */
export interface ConfinedLibvirtdOptions {
  netns?: string;
  /** The address it listens on and tells migration sources to send to (migration_host). */
  address?: string;
  hostname?: string;
  /** host_uuid: two libvirtds (or a libvirtd and a tsvirtd) in a migration pair must differ. */
  hostUuid?: string;
  /** log_filters for libvirtd's log, e.g. "1:qemu.qemu_migration_cookie" to see the cookies. */
  logFilters?: string;
  /**
   * Overlay Debian's iptables on /usr (see iptables-layer.ts) for libvirtd's network driver, which runs
   * iptables; this host has nftables only. Use with `netns`, so that its rules stay there.
   */
  iptables?: boolean;
}

/** libvirt's default TCP port. */
const LIBVIRT_TCP_PORT = 16509;

/** Lay out the folders and files that the namespace binds over the host's. */
async function prepareTree(dir: string, opts: ConfinedLibvirtdOptions): Promise<Tree> {
  const t: Tree = {
    etc: join(dir, 'etc'),
    run: join(dir, 'run'),
    varUp: join(dir, 'var-up'),
    varWork: join(dir, 'var-work'),
    passwd: join(dir, 'passwd'),
    group: join(dir, 'group'),
    hosts: join(dir, 'hosts'),
  };
  for (const d of [t.etc, t.run, t.varUp, t.varWork]) await mkdir(d, { recursive: true });
  for (const f of ['libvirt.conf', 'libvirt-admin.conf']) {
    if (existsSync(`/etc/libvirt/${f}`)) await copyFile(`/etc/libvirt/${f}`, join(t.etc, f));
  }
  const migrationHost = opts.address === undefined ? '' : `migration_host = "${opts.address}"\n`;
  await writeFile(join(t.etc, 'qemu.conf'), QEMU_CONF + migrationHost);
  // The qemu driver resolves its built-in default user and group (Debian: libvirt-qemu) before it reads
  // qemu.conf, and fails when they do not exist; libvirt-daemon-system would create them. Here they
  // exist only in the namespace's copy of passwd and group.
  await writeFile(t.passwd, `${await readFile('/etc/passwd', 'utf8')}${QEMU_USER_LINE}\n`);
  await writeFile(t.group, `${await readFile('/etc/group', 'utf8')}${QEMU_GROUP_LINE}\n`);
  // Its own hostname resolves to its address, as on a real host: libvirt looks it up for each
  // migration cookie, and an unresolvable name costs a failed DNS query each time.
  if (opts.hostname !== undefined && opts.address !== undefined) {
    const hosts = await readFile('/etc/hosts', 'utf8').catch(() => '');
    await writeFile(t.hosts, `${hosts}${opts.address} ${opts.hostname}\n`);
  }
  return t;
}

/**
 * Daemons that work next to libvirtd in its namespace (virtqemud, virtlogd, virtlockd), qemu excluded.
 * The monolithic libvirtd 9.0 runs the qemu driver in-process, so this is expected to be empty; it is
 * checked rather than assumed.
 */
function findHelpers(libvirtdPid: number): number[] {
  const ns = readNs(libvirtdPid);
  if (ns === undefined) return [];
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e) && Number(e) !== libvirtdPid)
    .map(Number)
    .filter((pid) => readNs(pid) === ns && /^virt/.test(cmdline(pid)[0]?.split('/').at(-1) ?? ''));
}

function readNs(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return undefined;
  }
}

/** The daemon's libvirtd.conf: TCP without auth on `address`:`port`, sockets in `sockDir`. */
function daemonConf(port: number, sockDir: string, logFile: string, opts: ConfinedLibvirtdOptions): string {
  let conf = loopbackDaemonConf(port, sockDir, logFile);
  if (opts.address !== undefined) conf = conf.replace('"127.0.0.1"', `"${opts.address}"`);
  if (opts.hostUuid !== undefined) conf += `host_uuid = "${opts.hostUuid}"\n`;
  if (opts.logFilters !== undefined) {
    // The filters pass debug messages; the output must take them too.
    conf = conf.replace('log_outputs = "3:', 'log_outputs = "1:');
    conf += `log_filters = "${opts.logFilters}"\n`;
  }
  return conf;
}

/** Whether `address`:`port` accepts a TCP connection, tried from inside `netns` when given. */
async function accepts(address: string, port: number, netns: string | undefined): Promise<boolean> {
  if (netns === undefined) return canConnect(port);
  const probe = `exec 3<>/dev/tcp/${address}/${port}`;
  const r = await run(['ip', 'netns', 'exec', netns, 'bash', '-c', probe], {
    timeoutMs: 5_000,
    okExitCodes: [0, 1],
  }).catch(() => undefined);
  return r?.exitCode === 0;
}

/** Start the confined libvirtd and wait until its TCP port accepts. */
export async function startLibvirtd(
  opts: ConfinedLibvirtdOptions = {},
): Promise<BenchDaemon & { dir: string; logFile: string; ns: MountNamespace }> {
  if (!LIBVIRTD || !HAS_QEMU_DRIVER) {
    throw new Error('libvirtd or its qemu driver is missing; apt-get install libvirt-daemon-driver-qemu');
  }
  const dir = await mkdtemp(join(tmpdir(), 'tsvirt-bench-libvirtd-'));
  const t = await prepareTree(dir, opts);
  const sockDir = join(dir, 'sock');
  await mkdir(sockDir);
  const port = opts.netns === undefined ? await freePort() : LIBVIRT_TCP_PORT;
  const address = opts.address ?? '127.0.0.1';
  const logFile = join(dir, 'libvirtd.log');
  const conf = join(dir, 'libvirtd.conf');
  // 16 parallel clients plus margin: the defaults (max_clients 5000, max_workers 20) already allow it.
  await writeFile(conf, daemonConf(port, sockDir, logFile, opts));
  const ns = await MountNamespace.create(join(dir, 'ns.log'), {
    ...(opts.netns === undefined ? {} : { netns: opts.netns }),
    ...(opts.hostname === undefined ? {} : { hostname: opts.hostname }),
  });
  // In a network namespace with no address of its own, clients reach it through its unix socket.
  const viaSocket = opts.netns !== undefined && opts.address === undefined;
  const sockPath = join(sockDir, 'libvirt-sock');
  let pid = 0;
  const stop = async (): Promise<void> => {
    if (pid) await killAndWait(pid, 10_000);
    await ns.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await ns.bind(t.etc, '/etc/libvirt');
    await ns.bind(t.run, '/run/libvirt');
    await ns.overlay('/var', t.varUp, t.varWork);
    if (opts.iptables) await ns.stack('/usr', await prepareIptablesLayers());
    if (!/^libvirt-qemu:/m.test(await readFile('/etc/passwd', 'utf8')))
      await ns.bind(t.passwd, '/etc/passwd');
    if (!/^libvirt-qemu:/m.test(await readFile('/etc/group', 'utf8'))) await ns.bind(t.group, '/etc/group');
    if (existsSync(t.hosts)) await ns.bind(t.hosts, '/etc/hosts');
    const argv = [...ns.enterArgv(), LIBVIRTD, '--listen', '-f', conf, '-p', join(dir, 'libvirtd.pid')];
    pid = (await spawnDetached(argv, { logFile: join(dir, 'stdout.log') })).pid;
    const up = await waitFor(
      () => (viaSocket ? canConnectPath(sockPath) : accepts(address, port, opts.netns)),
      15_000,
    );
    // The port opens before the drivers initialise; a driver that fails ends the daemon soon after.
    await new Promise((r) => setTimeout(r, 500));
    if (!up || !isAlive(pid)) throw await notUpError('libvirtd', port, logFile);
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return {
    name: 'libvirtd',
    pid,
    uri:
      opts.netns === undefined
        ? `qemu+tcp://127.0.0.1:${port}/system`
        : viaSocket
          ? `qemu+unix:///system?socket=${sockPath}`
          : `qemu+tcp://${address}/system`,
    helperPids: () => findHelpers(pid),
    stop,
    dir,
    logFile,
    ns,
  };
}
