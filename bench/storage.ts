/**
 * Storage: `tsvirt vol-create-as default NAME 8G --format qcow2` and `tsvirt vol-clone` of a 1 GiB raw
 * volume (filled with data), each against the same qemu-img command by hand, in alternating runs.
 * Node.js start-up is measured and reported on its own.
 * Run after the build from the checkout root: `node dist/bench/storage.js [runs]`.
 */
import { open, mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEmbedUri } from '../src/embedded/embedded-connection.js';
import { run } from '../src/exec/index.js';
import {
  CLI,
  cliEnv,
  formatHeader,
  formatRow,
  isMainModule,
  measureNodeStartup,
  requireCli,
  timeMs,
  writeResult,
} from './cli-timing.js';
import { summarize, type LatencySummary } from './stats.js';

const TARGET_OVERHEAD = 0.1;
const GiB = 1024 ** 3;

/** Fill a file with 1 GiB of data (one random MiB repeated), so that the clone copies real bytes. */
async function fillGiB(path: string): Promise<void> {
  const chunk = randomBytes(1024 * 1024);
  const fh = await open(path, 'r+');
  try {
    for (let off = 0; off < GiB; off += chunk.length) await fh.write(chunk, 0, chunk.length, off);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

interface Pair {
  name: string;
  ours: () => Promise<unknown>;
  bare: () => Promise<unknown>;
  /** Undo one run of either kind (not timed). */
  reset: () => Promise<unknown>;
}

async function measurePair(
  pair: Pair,
  runs: number,
): Promise<{ ours: LatencySummary; bare: LatencySummary }> {
  const ours: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    for (const which of i % 2 === 0 ? ['ours', 'bare'] : ['bare', 'ours']) {
      if (which === 'ours') ours.push(await timeMs(pair.ours));
      else bare.push(await timeMs(pair.bare));
      await pair.reset();
    }
  }
  return { ours: summarize(ours), bare: summarize(bare) };
}

/** Runs the benchmark and writes bench/results/storage.json. */
export async function main(runs = Number(process.argv[2] ?? 10)): Promise<void> {
  requireCli();
  const root = await mkdtemp(join(tmpdir(), 'tsvb-storage-'));
  const uri = buildEmbedUri(root);
  const images = join(root, 'images');
  const tsvirt = (...args: string[]) =>
    run(['node', CLI, '-c', uri, ...args], { timeoutMs: 600_000, env: cliEnv() });
  const rmImage = (name: string) => rm(join(images, name), { force: true });
  try {
    await tsvirt('vol-create-as', 'default', 'src.img', '1G');
    await fillGiB(join(images, 'src.img'));
    const pairs: Pair[] = [
      {
        name: 'vol-create-as qcow2 8G',
        ours: () => tsvirt('vol-create-as', 'default', 'q.qcow2', '8G', '--format', 'qcow2'),
        bare: () =>
          run(['qemu-img', 'create', '-q', '-f', 'qcow2', join(images, 'q.qcow2'), String(8 * GiB)]),
        reset: () => rmImage('q.qcow2'),
      },
      {
        name: 'vol-clone 1 GiB raw',
        ours: () => tsvirt('vol-clone', 'src.img', 'dst.img', '--pool', 'default'),
        bare: () =>
          run(
            [
              'qemu-img',
              'convert',
              '-q',
              '-f',
              'raw',
              '-O',
              'raw',
              join(images, 'src.img'),
              join(images, 'dst.img'),
            ],
            {
              timeoutMs: 600_000,
            },
          ),
        reset: () => rmImage('dst.img'),
      },
    ];
    const results: Record<string, { ours: LatencySummary; bare: LatencySummary }> = {};
    for (const pair of pairs) results[pair.name] = await measurePair(pair, runs);
    await report(runs, results, await measureNodeStartup(runs));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function report(
  runs: number,
  results: Record<string, { ours: LatencySummary; bare: LatencySummary }>,
  node: Awaited<ReturnType<typeof measureNodeStartup>>,
): Promise<void> {
  console.log(formatHeader(`storage through the CLI vs qemu-img by hand, ${runs} alternating runs, ms`));
  const verdicts: Record<string, unknown> = {};
  for (const [name, r] of Object.entries(results)) {
    console.log(formatRow(`tsvirt ${name}`, r.ours));
    console.log(formatRow(`qemu-img by hand (${name})`, r.bare));
    const overhead = (r.ours.p50 - node.nodeE0.p50) / r.bare.p50 - 1;
    const overheadExclCliLoad = (r.ours.p50 - node.cliVersion.p50) / r.bare.p50 - 1;
    console.log(
      `  overhead excluding Node.js start-up: ${(overhead * 100).toFixed(1)}% (${overhead <= TARGET_OVERHEAD ? 'meets' : 'MISSES'} target ${TARGET_OVERHEAD * 100}%); excluding the CLI's load too: ${(overheadExclCliLoad * 100).toFixed(1)}%`,
    );
    verdicts[name] = {
      ...r,
      overheadExcludingNodeStartup: overhead,
      overheadExcludingCliLoad: overheadExclCliLoad,
    };
  }
  console.log(formatRow('node -e 0', node.nodeE0));
  console.log(formatRow('node dist/tsvirt.mjs --version', node.cliVersion));
  await writeResult('storage', {
    bench: 'storage',
    unit: 'ms',
    runs,
    results: verdicts,
    nodeStartup: node.nodeE0,
    cliVersion: node.cliVersion,
    target: TARGET_OVERHEAD,
    node: process.version,
    date: new Date().toISOString(),
  });
}

if (isMainModule(import.meta.url)) await main();
