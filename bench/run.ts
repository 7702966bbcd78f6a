/**
 * Runs every benchmark in turn, each in its own Node.js process (so that one's heap and timers do not
 * disturb the next): `node dist/bench/run.js [NAME...]`, from the checkout root, after the build.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { CommandFailedError, run } from '../src/exec/index.js';

/** The benchmark modules, in the order they run. */
const BENCHMARKS = [
  'qmp-roundtrip',
  'start',
  'storage',
  'lifecycle',
  'api',
  'footprint',
  'per-guest',
  'scale',
  'ws-latency',
  'virt-install',
  'domain-stats',
] as const;

async function main(): Promise<number> {
  const names = process.argv.length > 2 ? process.argv.slice(2) : [...BENCHMARKS];
  let failed = 0;
  for (const name of names) {
    const file = resolve('dist/bench', `${name}.js`);
    if (!existsSync(file)) {
      console.error(`${name}: ${file} is absent; run npx tsc -p tsconfig.build.json`);
      failed++;
      continue;
    }
    console.log(`\n== ${name}`);
    try {
      const r = await run(['node', file], { timeoutMs: 1_800_000 });
      process.stdout.write(r.stdout);
      if (r.stderr) process.stderr.write(r.stderr);
    } catch (err) {
      failed++;
      const out = err instanceof CommandFailedError ? `${err.stdout}${err.stderr}` : '';
      console.error(`${name} failed: ${(err as Error).message}\n${out}`);
    }
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
