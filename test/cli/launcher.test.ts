import {
  chmodSync,
  chownSync,
  mkdirSync,
  readdirSync,
  utimesSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src/exec/index.js';
import { CLI, hasCli } from './cli-harness.js';

// The installed `tsvirt` (dist/tsvirt.mjs) runs the bundle with a V8 code cache kept in
// $TSVIRT_COMPILE_CACHE; these calls use a fresh folder each.
describe.skipIf(!hasCli)('tsvirt launcher: the compile cache', () => {
  let dir: string;
  const call = (args: string[], cacheDir = join(dir, 'cache')) =>
    run(['node', CLI, ...args], { env: { TSVIRT_COMPILE_CACHE: cacheDir }, okExitCodes: [1] });
  const cacheFiles = (cacheDir = join(dir, 'cache')): string[] =>
    readdirSync(cacheDir).filter((f) => f.endsWith('.v8cache'));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tsvirt-launcher-'));
  });
  afterEach(async () => {
    chmodSync(dir, 0o700);
    await rm(dir, { recursive: true, force: true });
  });

  it('the first call saves a cache named for the bundle and Node.js; the next one reads it and leaves it be', async () => {
    expect((await call(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const [name] = cacheFiles();
    expect(name).toMatch(new RegExp(`^tsvirt-main-${process.version}-${process.arch}-\\d+-\\d+\\.v8cache$`));
    const file = join(dir, 'cache', name as string);
    const first = statSync(file);
    expect(first.size).toBeGreaterThan(10_000);
    expect(first.mode & 0o777).toBe(0o600);
    expect((await call(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const second = statSync(file);
    expect([second.ino, second.mtimeMs]).toEqual([first.ino, first.mtimeMs]);
    expect(cacheFiles()).toEqual([name]);
  });

  it('a cache that V8 turns down (here garbage) costs nothing but the speed-up, and is saved anew', async () => {
    await call(['--version']);
    const [name] = cacheFiles();
    const file = join(dir, 'cache', name as string);
    writeFileSync(file, Buffer.alloc(4096, 0x5a));
    const r = await call(['help', 'start']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Usage: tsvirt start/);
    expect(readFileSync(file).equals(Buffer.alloc(4096, 0x5a))).toBe(false);
  });

  it('does not read a cache that another user owns or others could write; it writes its own instead', async () => {
    await call(['--version']);
    const [name] = cacheFiles();
    const file = join(dir, 'cache', name as string);
    const owners: Array<(f: string) => void> = [(f) => chmodSync(f, 0o620)];
    if (process.getuid?.() === 0) owners.push((f) => chownSync(f, 65534, 65534));
    for (const spoil of owners) {
      spoil(file);
      const before = statSync(file);
      expect((await call(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
      const after = statSync(file);
      expect(after.ino).not.toBe(before.ino);
      expect([after.mode & 0o777, after.uid]).toEqual([0o600, process.getuid?.()]);
    }
  });

  it('keeps the four newest caches: other builds of tsvirt or Node.js leave no pile behind', async () => {
    const cache = join(dir, 'cache');
    mkdirSync(cache);
    const old = ['a', 'b', 'c', 'd', 'e'].map((tag, i) => {
      const path = join(cache, `tsvirt-main-v0.0.${i}-x64-1-${tag}.v8cache`);
      writeFileSync(path, 'old build', { mode: 0o600 });
      utimesSync(path, 1_000 + i * 100, 1_000 + i * 100); // a oldest, e newest
      return path;
    });
    writeFileSync(join(cache, 'notes.txt'), 'not a cache');
    await call(['--version']);
    const [ours] = cacheFiles().filter((n) => n.startsWith(`tsvirt-main-${process.version}-`));
    expect(ours).toBeDefined();
    expect(readdirSync(cache).sort()).toEqual(
      [ours as string, 'notes.txt', ...old.slice(2).map((p) => basename(p))].sort(),
    );
  });

  it('a failing call keeps its exit status and message while the cache is saved', async () => {
    const r = await call(['no-such-verb']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe("error: unknown command: 'no-such-verb'\n");
    expect(cacheFiles()).toHaveLength(1);
  });

  it('TSVIRT_COMPILE_CACHE=off writes nothing; a folder that cannot be written is no error', async () => {
    const off = await run(['node', CLI, '--version'], {
      env: { TSVIRT_COMPILE_CACHE: 'off', XDG_CACHE_HOME: join(dir, 'xdg'), HOME: join(dir, 'home') },
    });
    expect(off.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(readdirSync(dir)).toEqual([]);
    if (process.getuid?.() === 0) {
      // root writes through any mode bits: a path under a regular file cannot be made by anyone.
      writeFileSync(join(dir, 'file'), '');
      const r = await call(['--version'], join(dir, 'file', 'cache'));
      expect(r).toMatchObject({ exitCode: 0, stderr: '' });
    } else {
      chmodSync(dir, 0o500);
      const r = await call(['--version']);
      expect(r).toMatchObject({ exitCode: 0, stderr: '' });
    }
  });
});
