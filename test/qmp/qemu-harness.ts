import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDetached, type DetachedChild } from '../../src/exec/index.js';
import { run } from '../../src/exec/index.js';
import { QmpClient } from '../../src/qmp/index.js';
import { afterEach, expect } from 'vitest';

/** One qemu started by a test, with its temp folder and QMP socket. */
export interface TestQemu {
  child: DetachedChild;
  pid: number;
  dir: string;
  sock: string;
  logFile: string;
}

/** Whether qemu-system-x86_64 can be run here; the reason when not. */
export async function probeQemu(): Promise<string | undefined> {
  try {
    await run(['qemu-system-x86_64', '--version'], { timeoutMs: 10_000 });
    return undefined;
  } catch (err) {
    return `qemu-system-x86_64 is not usable here (${(err as Error).message}); install qemu-system-x86`;
  }
}

/** Start qemu with QMP on a unix socket in a fresh temp folder; `args` come after the common flags. */
export async function startQemu(args: readonly string[]): Promise<TestQemu> {
  const dir = await mkdtemp(join(tmpdir(), 'tsvirt-qmp-qemu-'));
  const sock = join(dir, 'qmp.sock');
  const logFile = join(dir, 'qemu.log');
  const argv = [
    'qemu-system-x86_64',
    ...args,
    '-nodefaults',
    '-display',
    'none',
    '-qmp',
    `unix:${sock},server=on,wait=off`,
    '-pidfile',
    join(dir, 'qemu.pid'),
  ];
  const child = await spawnDetached(argv, { logFile });
  return { child, pid: child.pid, dir, sock, logFile };
}

/** Kill a test's qemu if it still runs, wait for it, remove its folder; true when its pid is gone. */
export async function stopQemu(q: TestQemu): Promise<boolean> {
  if (existsSync(`/proc/${q.pid}`)) {
    try {
      process.kill(q.pid, 'SIGKILL');
    } catch {
      // Already gone between the check and the kill.
    }
  }
  await Promise.race([q.child.exited, new Promise((r) => setTimeout(r, 5_000))]);
  await rm(q.dir, { recursive: true, force: true });
  return !existsSync(`/proc/${q.pid}`);
}

/**
 * Registers an afterEach that closes the clients and stops the qemus it handed out, and returns the
 * function that starts one qemu with `args` and connects a QMP client to it.
 */
export function useQemuWithClient(): (args: readonly string[]) => Promise<{ q: TestQemu; c: QmpClient }> {
  const started: TestQemu[] = [];
  const clients: QmpClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const q of started.splice(0)) expect(await stopQemu(q), `qemu pid ${q.pid} is gone`).toBe(true);
  });
  return async (args) => {
    const q = await startQemu(args);
    started.push(q);
    const c = await QmpClient.connect(q.sock, { connectTimeoutMs: 10_000 });
    clients.push(c);
    return { q, c };
  };
}
