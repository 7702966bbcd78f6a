/** tsvirtd under test: the built daemon, on loopback TCP at a free port, its root in a temp folder. */
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
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
import { FIXTURES_DIR } from './python.js';

/** The built daemon's entry point. */
export const TSVIRTD_ENTRY = join(FIXTURES_DIR, '..', '..', 'dist', 'src', 'cli', 'tsvirtd.js');

/** Whether the built tsvirtd is the daemon (and not a placeholder): its --help names the -f option. */
export async function tsvirtdReady(): Promise<boolean> {
  if (!existsSync(TSVIRTD_ENTRY)) return false;
  try {
    const { stdout, stderr } = await run([process.execPath, TSVIRTD_ENTRY, '--help'], { timeoutMs: 10_000 });
    return /--listen|-f\b/.test(`${stdout}${stderr}`);
  } catch {
    return false;
  }
}

/**
 * Start tsvirtd with a libvirtd.conf of the same shape as the reference's, and wait for its port. With
 * `netns` (from `ip netns add`, loopback up) it runs in that network namespace, and clients reach it
 * through its unix socket (the URI names it).
 */
export async function startTsvirtd(
  options: { netns?: string } = {},
): Promise<BenchDaemon & { dir: string; logFile: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'tsvirt-bench-tsvirtd-'));
  await chmod(dir, 0o711); // the qemu user passes through to the root below
  const sockDir = join(dir, 'sock');
  const root = join(dir, 'root');
  await mkdir(sockDir);
  await mkdir(root);
  const port = await freePort();
  const conf = join(dir, 'tsvirtd.conf');
  await writeFile(conf, loopbackDaemonConf(port, sockDir));
  const logFile = join(dir, 'tsvirtd.log');
  const argv = [
    ...(options.netns === undefined ? [] : ['ip', 'netns', 'exec', options.netns]),
    process.execPath,
    TSVIRTD_ENTRY,
    '-f',
    conf,
    '-l',
    '--root',
    root,
    '-p',
    join(dir, 'tsvirtd.pid'),
  ];
  const { pid } = await spawnDetached(argv, { logFile });
  const stop = async (): Promise<void> => {
    await killAndWait(pid, 10_000);
    await rm(dir, { recursive: true, force: true });
  };
  const sockPath = join(sockDir, 'libvirt-sock');
  const isUp = (): Promise<boolean> =>
    options.netns === undefined ? canConnect(port) : canConnectPath(sockPath);
  // A daemon that cannot serve exits at once; do not wait out the whole bound for it.
  await waitFor(async () => !isAlive(pid) || (await isUp()), 15_000);
  if (!isAlive(pid) || !(await isUp())) {
    const err = await notUpError('tsvirtd', port, logFile);
    await stop();
    throw err;
  }
  return {
    name: 'tsvirtd',
    pid,
    uri:
      options.netns === undefined
        ? `qemu+tcp://127.0.0.1:${port}/system`
        : `qemu+unix:///system?socket=${sockPath}`,
    helperPids: () => [],
    stop,
    dir,
    logFile,
  };
}
