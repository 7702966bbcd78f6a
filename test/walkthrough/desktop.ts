/**
 * Test helper: a private desktop for virt-manager. An Xvfb display, a D-Bus session bus (which starts the
 * accessibility bus on demand), a HOME with its own XDG folders and a GSettings keyfile, so that nothing
 * of the host's settings is read or written; and a network namespace joined to the host by a veth pair,
 * in which virt-manager runs, so that it reaches tsvirtd by an address that is not loopback, as a remote
 * host (virt-manager refuses a VNC console on a loopback address over qemu+tcp).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { run, spawnDetached } from '../../src/exec/index.js';
import { waitUntil } from '../driver/helpers.js';

/** A running desktop: its environment for GUI clients and what the host side of the veth is. */
export interface Desktop {
  /** Environment for virt-manager and the UI driver: DISPLAY, the session bus, HOME, XDG folders. */
  env: Record<string, string>;
  /** The host end of the veth pair: tsvirtd listens here for virt-manager. */
  hostAddress: string;
  /** The namespace virt-manager runs in. */
  netns: string;
  /** Starts virt-manager (with --debug, its log in `logName` in the desktop folder) in the namespace; returns its pid. */
  startVirtManager(logName: string): Promise<number>;
  /** Ends every process started here (by process group), removes the namespace; returns pids that survived. */
  stop(): Promise<number[]>;
}

/**
 * GSettings of the private HOME: accessibility on (dogtail needs it), new disks in raw format (named
 * NAME.img, as in the walk-through), and the XML tabs editable (the volume dialog's size field has no MiB).
 */
const KEYFILE = `[org/gnome/desktop/interface]
toolkit-accessibility=true

[org/virt-manager/virt-manager]
xmleditor-enabled=true

[org/virt-manager/virt-manager/new-vm]
storage-format='raw'
`;

/** Process group ids (from /proc/PID/stat) of processes still alive in any of `groups`. */
function findGroupMembers(groups: readonly number[]): number[] {
  const left: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[0] is the state, fields[2] the process group.
      if (fields[0] !== 'Z' && groups.includes(Number(fields[2]))) left.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return left;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** A display number whose X socket and lock are free. */
function pickDisplay(): number {
  for (;;) {
    const n = randomInt(100, 900);
    if (!existsSync(`/tmp/.X11-unix/X${n}`) && !existsSync(`/tmp/.X${n}-lock`)) return n;
  }
}

/** Starts Xvfb, a session bus and the namespace, all under `dir`. */
export async function startDesktop(dir: string): Promise<Desktop> {
  const home = join(dir, 'home');
  const runtime = join(dir, 'run');
  for (const d of [join(home, '.config', 'glib-2.0', 'settings'), join(home, '.cache'), join(home, '.local')])
    mkdirSync(d, { recursive: true });
  mkdirSync(runtime, { recursive: true, mode: 0o700 });
  writeFileSync(join(home, '.config', 'glib-2.0', 'settings', 'keyfile'), KEYFILE, { mode: 0o600 });
  const display = pickDisplay();
  const bus = join(runtime, 'bus');
  const env: Record<string, string> = {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.local'),
    XDG_RUNTIME_DIR: runtime,
    TMPDIR: dir,
    DISPLAY: `:${display}`,
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${bus}`,
    GSETTINGS_BACKEND: 'keyfile',
    NO_AT_BRIDGE: '0',
  };
  const groups: number[] = [];
  const start = async (argv: string[], log: string): Promise<number> => {
    const child = await spawnDetached(argv, { logFile: join(dir, log), env });
    groups.push(child.pid); // setsid: the child leads its own process group
    return child.pid;
  };
  const tag = randomInt(0, 0xffff).toString(16).padStart(4, '0');
  const netns = `tsvirt-vmm-${tag}`;
  const subnet = `10.${200 + randomInt(0, 50)}.${randomInt(0, 256)}`;
  const hostAddress = `${subnet}.1`;
  const desktop: Desktop = {
    env,
    hostAddress,
    netns,
    startVirtManager: (logName) =>
      start(
        [
          'ip',
          'netns',
          'exec',
          netns,
          'virt-manager',
          '--no-fork',
          '--debug',
          // No first-run probe of qemu:///system: this host's own libvirt is none of the test's business.
          '--test-options=firstrun-uri=',
        ],
        logName,
      ),
    async stop() {
      for (const g of [...groups].reverse()) signalGroup(g, 'SIGTERM');
      await waitUntil(() => findGroupMembers(groups).length === 0, 5_000, 'the desktop to exit').catch(
        () => undefined,
      );
      const left = findGroupMembers(groups);
      for (const g of groups) signalGroup(g, 'SIGKILL');
      await run(['ip', 'netns', 'del', netns]).catch(() => undefined);
      await run(['ip', 'link', 'del', `vmh-${tag}`]).catch(() => undefined);
      return left;
    },
  };
  try {
    await start(['Xvfb', `:${display}`, '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], 'xvfb.log');
    await waitUntil(() => existsSync(`/tmp/.X11-unix/X${display}`), 10_000, `Xvfb on :${display}`);
    await start(['dbus-daemon', '--session', '--nofork', `--address=unix:path=${bus}`], 'dbus.log');
    await waitUntil(() => existsSync(bus), 10_000, 'the session bus');
    await run(['ip', 'netns', 'add', netns]);
    await run(['ip', 'link', 'add', `vmh-${tag}`, 'type', 'veth', 'peer', 'name', `vmn-${tag}`]);
    await run(['ip', 'link', 'set', `vmn-${tag}`, 'netns', netns]);
    await run(['ip', 'addr', 'add', `${hostAddress}/30`, 'dev', `vmh-${tag}`]);
    await run(['ip', 'link', 'set', `vmh-${tag}`, 'up']);
    const inNs = (...argv: string[]) => run(['ip', 'netns', 'exec', netns, ...argv]);
    await inNs('ip', 'addr', 'add', `${subnet}.2/30`, 'dev', `vmn-${tag}`);
    await inNs('ip', 'link', 'set', `vmn-${tag}`, 'up');
    await inNs('ip', 'link', 'set', 'lo', 'up');
  } catch (err) {
    await desktop.stop();
    throw err;
  }
  return desktop;
}
