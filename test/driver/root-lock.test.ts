import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src/exec/index.js';
import { RootLock, parseHolder } from '../../src/driver/root-lock.js';
import { readProcStat } from '../../src/driver/proc.js';

describe('the root lock', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tsvirt-lock-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the holder pid and start time, and frees the file on release', async () => {
    const path = join(dir, 'run', 'driver.lock');
    const lock = await RootLock.acquire(path, 0);
    const holder = parseHolder(await readFile(path, 'utf8'));
    expect(holder).toEqual({ pid: process.pid, startTicks: readProcStat(process.pid)?.startTicks });
    await lock.release();
    await expect(readFile(path, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('makes a second owner wait the bounded time, then fail with ERR_ROOT_LOCKED naming the pid', async () => {
    const path = join(dir, 'driver.lock');
    const lock = await RootLock.acquire(path, 0);
    const started = Date.now();
    await expect(RootLock.acquire(path, 200)).rejects.toMatchObject({
      code: 'ERR_ROOT_LOCKED',
      message: `${path}: the root is in use by process ${process.pid}; stop that process or use another --root`,
      fields: { pid: process.pid },
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    await lock.release();
  });

  it('hands the lock to a waiter as soon as the holder releases it', async () => {
    const path = join(dir, 'driver.lock');
    const lock = await RootLock.acquire(path, 0);
    const waiting = RootLock.acquire(path, 5_000);
    setTimeout(() => void lock.release(), 100);
    const second = await waiting;
    await second.release();
  });

  it('takes over a stale lock of a dead pid, or of a pid now used by another process', async () => {
    const path = join(dir, 'driver.lock');
    const { stdout } = await run(['sh', '-c', 'echo $$']);
    await writeFile(path, `${stdout.trim()} 12345\n`);
    const lock = await RootLock.acquire(path, 0);
    await lock.release();
    // A live pid whose start time differs from the one recorded is another process: stale.
    await writeFile(path, `${process.pid} 1\n`);
    const again = await RootLock.acquire(path, 0);
    expect(parseHolder(await readFile(path, 'utf8'))?.startTicks).not.toBe(1);
    await again.release();
    await writeFile(path, 'garbage');
    await (await RootLock.acquire(path, 0)).release();
  });
});
