/** Shared pieces of the CLI benchmarks: wall-clock timing, Node.js start-up, the table and the JSON file. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { run } from '../src/exec/index.js';
import { summarize, type LatencySummary } from './stats.js';

/** The built CLI, relative to the checkout root (benchmarks run from there). */
export const CLI = resolve('dist/tsvirt.mjs');

let compileCache: string | undefined;

/**
 * The environment of every CLI call a benchmark makes: a compile cache folder of its own, new for
 * each benchmark process, so that the cache is what the benchmark's first call left (as a user's
 * is), not what some earlier run on this machine did.
 */
export function cliEnv(): Record<string, string> {
  if (compileCache === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'tsvb-compile-cache-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    compileCache = dir;
  }
  return { TSVIRT_COMPILE_CACHE: compileCache };
}

/** Fail early, with the remedy, when the CLI is not built. */
export function requireCli(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is absent; run npm run build first`);
}

/** Milliseconds that `fn` takes. */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Node.js start-up alone (`node -e 0`) and with the CLI's modules loaded (`tsvirt --version`). */
export async function measureNodeStartup(
  runs: number,
): Promise<{ nodeE0: LatencySummary; cliVersion: LatencySummary }> {
  const e0: number[] = [];
  const version: number[] = [];
  for (let i = 0; i < runs; i++) {
    e0.push(await timeMs(() => run(['node', '-e', '0'])));
    version.push(await timeMs(() => run(['node', CLI, '--version'], { env: cliEnv() })));
  }
  return { nodeE0: summarize(e0), cliVersion: summarize(version) };
}

/** One table row: a label, then median, p90 and max in ms. */
export function formatRow(label: string, s: LatencySummary): string {
  return `${label.padEnd(44)}${[s.p50, s.p90, s.max].map((v) => v.toFixed(1).padStart(9)).join('')}`;
}

/** The table header matching formatRow. */
export function formatHeader(title: string): string {
  return `${title}\n${''.padEnd(44)}${['median', 'p90', 'max'].map((h) => h.padStart(9)).join('')}`;
}

/** Write bench/results/NAME.json (from the checkout root). */
export async function writeResult(name: string, record: Record<string, unknown>): Promise<void> {
  await mkdir('bench/results', { recursive: true });
  await writeFile(`bench/results/${name}.json`, `${JSON.stringify(record, null, 2)}\n`);
}

/** Whether the module at `url` is the program node was asked to run (not imported by bench/run). */
export function isMainModule(url: string): boolean {
  return process.argv[1] !== undefined && url === pathToFileURL(resolve(process.argv[1])).href;
}
