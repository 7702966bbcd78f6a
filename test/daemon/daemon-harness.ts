/** Runs the built tsvirtd as a real process on a temp root, for the daemon's process tests. */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, spawnDetached, type DetachedChild } from '../../src/exec/index.js';
import { waitUntil } from '../driver/helpers.js';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The built daemon entry. */
export const TSVIRTD_JS = join(REPO_ROOT, 'dist/src/cli/tsvirtd.js');
/** The built demo. */
export const DEMO_JS = join(REPO_ROOT, 'dist/scripts/demo.js');

/** Why the process tests cannot run here, or undefined when they can. */
export function whyNoDist(): string | undefined {
  return existsSync(TSVIRTD_JS)
    ? undefined
    : `${TSVIRTD_JS} is missing; build first (npx tsc -p tsconfig.build.json)`;
}

/** A daemon process and its log. */
export interface DaemonProcess {
  child: DetachedChild;
  logFile: string;
  /** Set once the process has exited. */
  exit?: { exitCode: number | undefined; signal: string | undefined };
  log(): Promise<string>;
}

/** A temp root with a config file; returns its folder and the config path. */
export async function makeDaemonRoot(conf: string): Promise<{ root: string; confPath: string }> {
  const root = await mkdtemp(join(tmpdir(), 'tsvirtd-'));
  const confPath = join(root, 'tsvirtd.conf');
  await writeFile(confPath, conf);
  return { root, confPath };
}

/**
 * Starts tsvirtd detached with `args`; with `waitForPidFile`, resolves once it serves (or fails).
 * `argvPrefix` runs it under another program, such as `prlimit --nofile=256:4096 --`.
 */
export async function startDaemon(
  args: string[],
  logFile: string,
  waitForPidFile?: string,
  argvPrefix: readonly string[] = [],
): Promise<DaemonProcess> {
  const child = await spawnDetached([...argvPrefix, process.execPath, TSVIRTD_JS, ...args], { logFile });
  const proc: DaemonProcess = { child, logFile, log: () => readFile(logFile, 'utf8').catch(() => '') };
  void child.exited.then((e) => (proc.exit = e));
  if (waitForPidFile) {
    await waitUntil(
      async () =>
        proc.exit !== undefined ||
        (await readFile(waitForPidFile, 'utf8').catch(() => '')) === `${child.pid}\n`,
      20_000,
      `tsvirtd to write ${waitForPidFile}`,
    );
    if (proc.exit)
      throw new Error(`tsvirtd exited ${JSON.stringify(proc.exit)} at start:\n${await proc.log()}`);
  }
  return proc;
}

/** Sends SIGTERM and resolves with the exit. */
export async function stopDaemon(proc: DaemonProcess, timeoutMs = 15_000): Promise<DaemonProcess['exit']> {
  if (proc.exit) return proc.exit;
  process.kill(proc.child.pid, 'SIGTERM');
  await waitUntil(() => proc.exit !== undefined, timeoutMs, `tsvirtd ${proc.child.pid} to exit`);
  return proc.exit;
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function isTcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function findFreePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Creates a group for the test (groupadd); returns its name and gid, or undefined when that fails. */
export async function createTestGroup(): Promise<{ name: string; gid: number } | undefined> {
  const name = `tsvt${process.pid}`;
  try {
    await run(['groupadd', name], { timeoutMs: 10_000 });
    const line = (await readFile('/etc/group', 'utf8')).split('\n').find((l) => l.startsWith(`${name}:`));
    return line ? { name, gid: Number(line.split(':')[2]) } : undefined;
  } catch {
    return undefined;
  }
}

/** Removes a group made by createTestGroup. */
export async function deleteTestGroup(name: string): Promise<void> {
  await run(['groupdel', name], { timeoutMs: 10_000 }).catch(() => undefined);
}
