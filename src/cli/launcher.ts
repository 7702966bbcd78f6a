#!/usr/bin/env node
/**
 * The `tsvirt` command as installed (dist/tsvirt.mjs). It runs the bundled CLI, dist/tsvirt-main.cjs,
 * with a V8 code cache: compiling the 1 MB bundle, and then each function the call runs, is most of
 * a short call's time after Node.js itself starts. The first call (or the first after an upgrade of
 * tsvirt or Node.js) compiles as usual and, as it exits, saves the code V8 compiled; later calls
 * start from it. V8 checks the cache against the source and its own version and flags, and turns
 * down one that does not fit; the call then compiles as usual and saves a new cache.
 *
 * The cache lives in $TSVIRT_COMPILE_CACHE if set (`off` disables it), else in
 * $XDG_CACHE_HOME/tsvirt or ~/.cache/tsvirt. A folder that cannot be made or written only costs the
 * speed-up. This file needs only Node.js's own modules and the atomic write, so it loads in no time.
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { closeSync, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { writeFileAtomic } from '../fs/atomic-write.js';

const bundle = join(dirname(fileURLToPath(import.meta.url)), 'tsvirt-main.cjs');

/** The cache folder, or undefined when caching is off. */
function cacheDir(env: NodeJS.ProcessEnv): string | undefined {
  const set = env['TSVIRT_COMPILE_CACHE'];
  if (set === 'off') return undefined;
  if (set) return set;
  const base = env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return join(base, 'tsvirt');
}

/** A name that changes with the bundle and with Node.js, so no run reads another build's cache. */
function cacheName(): string {
  const st = statSync(bundle);
  return `tsvirt-main-${process.version}-${process.arch}-${st.size}-${Math.trunc(st.mtimeMs)}.v8cache`;
}

/**
 * The cache, if it is ours: V8 runs the code in it, so a file that another user owns or could have
 * written (group or other write bits, as in a shared TSVIRT_COMPILE_CACHE folder) is not read.
 */
function readCache(file: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== process.getuid?.() || (st.mode & 0o022) !== 0) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** How many caches (builds of tsvirt, or versions of Node.js) the folder keeps, newest first. */
const KEEP_CACHES = 4;

/** Saves the cache, then drops the oldest beyond KEEP_CACHES; a failure only costs the speed-up. */
async function saveCache(dir: string, file: string, data: Buffer): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, data);
    const caches = (await readdir(dir)).filter((n) => /^tsvirt-main-.*\.v8cache$/.test(n));
    const byAge = await Promise.all(
      caches.map(async (n) => ({ path: join(dir, n), mtimeMs: (await stat(join(dir, n))).mtimeMs })),
    );
    byAge.sort((a, b) => b.mtimeMs - a.mtimeMs);
    await Promise.all(byAge.slice(KEEP_CACHES).map((c) => rm(c.path, { force: true })));
  } catch {
    // no cache, or an old one left, this time
  }
}

const dir = cacheDir(process.env);
const file = dir === undefined ? undefined : join(dir, cacheName());
const cachedData = file === undefined ? undefined : readCache(file);
const text = readFileSync(bundle, 'utf8');
// The bundle keeps the entry's #! line, which is not JavaScript inside a function wrapper.
const source = text.startsWith('#!') ? `//${text.slice(2)}` : text;
// CommonJS's module wrapper, as Node.js puts it around a .cjs file.
const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
const script = new Script(wrapped, {
  filename: bundle,
  ...(cachedData ? { cachedData } : {}),
});
if (dir !== undefined && file !== undefined && (cachedData === undefined || script.cachedDataRejected)) {
  // Once the call's work is done the cache holds every function it compiled, not only the top level.
  // (A call that ends through process.exit() saves none.)
  process.once('beforeExit', () => void saveCache(dir, file, script.createCachedData()));
}
const module = { exports: {} };
const run = script.runInThisContext() as (
  exports: object,
  require: NodeRequire,
  module: object,
  filename: string,
  dirname: string,
) => void;
run.call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
