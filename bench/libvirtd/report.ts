/** Tables and result files of the side-by-side benchmarks. */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, release } from 'node:os';
import { percentile } from '../stats.js';

/** median, p90 and max of one series, with its run count. */
export interface Figure {
  n: number;
  median: number;
  p90: number;
  max: number;
}

/** Summarise a series (nearest-rank percentiles, as bench/stats.ts). */
export function figure(samples: readonly number[]): Figure {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/** One table row: a way of doing the thing, its figure, and its median over the baseline's. */
export interface Row {
  name: string;
  fig: Figure;
  /** Median of this row over the median of the baseline row (undefined for the baseline itself). */
  ratio?: number;
}

/** Rows with ratios against the row named `baseline` (absent baseline: no ratios). */
export function withRatios(rows: Array<{ name: string; fig: Figure }>, baseline: string): Row[] {
  const base = rows.find((r) => r.name === baseline);
  return rows.map((r) =>
    r.name === baseline || !base ? { ...r } : { ...r, ratio: r.fig.median / base.fig.median },
  );
}

function num(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '-';
}

/** A fixed-width table: name, n, median, p90, max, ratio. */
export function formatTable(title: string, unit: string, rows: readonly Row[], ratioOf = ''): string {
  const digits = unit === 'ms' ? 1 : 0;
  const head = `${''.padEnd(26)}${'n'.padStart(5)}${'median'.padStart(11)}${'p90'.padStart(11)}${'max'.padStart(11)}  ratio${ratioOf}`;
  const lines = rows.map(
    (r) =>
      `${r.name.padEnd(26)}${String(r.fig.n).padStart(5)}${num(r.fig.median, digits).padStart(11)}` +
      `${num(r.fig.p90, digits).padStart(11)}${num(r.fig.max, digits).padStart(11)}  ${r.ratio === undefined ? '' : `${num(r.ratio, 2)}x`}`,
  );
  return [`${title} (${unit})`, head, ...lines].join('\n');
}

/** The machine the figures were taken on. */
export function machine(): Record<string, string | number> {
  const osRelease = readFileSync('/etc/os-release', 'utf8');
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    os: /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? 'unknown',
    kernel: release(),
    node: process.version,
    date: new Date().toISOString(),
  };
}

/** Write bench/results/NAME.json (relative to the checkout root, the working folder of `npm run bench`). */
export async function writeResult(name: string, record: Record<string, unknown>): Promise<string> {
  await mkdir('bench/results', { recursive: true });
  const path = `bench/results/${name}.json`;
  await writeFile(path, `${JSON.stringify({ bench: name, machine: machine(), ...record }, null, 2)}\n`);
  return path;
}
