/**
 * Test helper: a real libvirtd (Debian 9.0) confined to a temp folder: TCP on 127.0.0.1 at a free port,
 * unix sockets in the temp folder, no auth, and no driver modules loaded (LIBVIRT_DRIVER_DIR points at
 * an empty folder), so only the built-in test driver answers and nothing touches the host's state.
 */
import { createServer, connect } from 'node:net';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(cond: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

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
  await writeFile(
    conf,
    [
      'listen_tls = 0',
      'listen_tcp = 1',
      `tcp_port = "${port}"`,
      'listen_addr = "127.0.0.1"',
      'auth_tcp = "none"',
      'auth_unix_rw = "none"',
      'auth_unix_ro = "none"',
      `unix_sock_dir = "${sockDir}"`,
      `log_outputs = "3:file:${logFile}"`,
      '',
    ].join('\n'),
  );
  const pidFile = join(dir, 'libvirtd.pid');
  const child = await spawnDetached([LIBVIRTD, '--listen', '-f', conf, '-p', pidFile], {
    logFile,
    env: { LIBVIRT_DRIVER_DIR: emptyDrivers },
  });
  const stop = async (): Promise<void> => {
    if (isAlive(child.pid)) process.kill(child.pid, 'SIGTERM');
    if (!(await waitFor(() => !isAlive(child.pid), 5000))) process.kill(child.pid, 'SIGKILL');
    await waitFor(() => !isAlive(child.pid), 2000);
    if (isAlive(child.pid)) throw new Error(`libvirtd ${child.pid} survived SIGKILL`);
    await rm(dir, { recursive: true, force: true });
  };
  const up = await waitFor(() => canConnect(port), 10_000);
  const sockUp = await access(join(sockDir, 'libvirt-sock')).then(
    () => true,
    () => false,
  );
  if (!up || !sockUp) {
    const log = await readFile(logFile, 'utf8').catch(() => '');
    await stop();
    throw new Error(`libvirtd did not come up on port ${port}:\n${log.slice(-2000)}`);
  }
  return { pid: child.pid, port, sockDir, logFile, stop };
}

/** Whether a pid is still running (for the test's final check). */
export { isAlive };
