/**
 * Test helper: a real libvirtd (Debian 9.0) confined to a temp folder: TCP on 127.0.0.1 at a free port,
 * unix sockets in the temp folder, no auth, and no driver modules loaded (LIBVIRT_DRIVER_DIR points at
 * an empty folder), so only the built-in test driver answers and nothing touches the host's state.
 */
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canConnect,
  freePort,
  killAndWait,
  loopbackDaemonConf,
  notUpError,
  waitFor,
} from '../../scripts/loopback-daemon.js';
import { spawnDetached } from '../../src/exec/index.js';

/** A running confined libvirtd. */
export interface Libvirtd {
  pid: number;
  port: number;
  sockDir: string;
  logFile: string;
  stop(): Promise<void>;
}

/** Path of libvirtd, or undefined when it is not installed. */
export const LIBVIRTD = ['/usr/sbin/libvirtd', '/usr/bin/libvirtd'].find((p) => existsSync(p));

/** Starts libvirtd and waits until its TCP port accepts. */
export async function startLibvirtd(): Promise<Libvirtd> {
  if (!LIBVIRTD) throw new Error('libvirtd is not installed');
  const dir = await mkdtemp(join(tmpdir(), 'tsvirt-libvirtd-'));
  const sockDir = join(dir, 'run');
  const emptyDrivers = join(dir, 'drivers');
  await mkdir(sockDir);
  await mkdir(emptyDrivers);
  const port = await freePort();
  const logFile = join(dir, 'libvirtd.log');
  const conf = join(dir, 'libvirtd.conf');
  await writeFile(conf, loopbackDaemonConf(port, sockDir, logFile));
  const pidFile = join(dir, 'libvirtd.pid');
  const child = await spawnDetached([LIBVIRTD, '--listen', '-f', conf, '-p', pidFile], {
    logFile,
    env: { LIBVIRT_DRIVER_DIR: emptyDrivers },
  });
  const stop = async (): Promise<void> => {
    await killAndWait(child.pid, 5_000);
    await rm(dir, { recursive: true, force: true });
  };
  const up = await waitFor(() => canConnect(port), 10_000, 50);
  const sockUp = await access(join(sockDir, 'libvirt-sock')).then(
    () => true,
    () => false,
  );
  if (!up || !sockUp) {
    const err = await notUpError('libvirtd', port, logFile);
    await stop();
    throw err;
  }
  return { pid: child.pid, port, sockDir, logFile, stop };
}

/** Whether a pid is still running (for the test's final check). */
export { isAlive } from '../../scripts/loopback-daemon.js';
