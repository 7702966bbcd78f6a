/** Runs the libvirt-python fixtures of bench/fixtures with Debian's own python (python3-libvirt). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/exec/index.js';

/** Debian's python: python3-libvirt is installed for it, not for another python3 earlier on PATH. */
export const PYTHON = '/usr/bin/python3';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`bench: no package.json above ${dir}`);
    dir = parent;
  }
  return dir;
}

/** The folder of the python fixtures (sources, not built: the same path from src and from dist). */
export const FIXTURES_DIR = join(repoRoot(), 'bench', 'fixtures');

/** Whether libvirt-python can be imported. */
export async function hasLibvirtPython(): Promise<boolean> {
  if (!existsSync(PYTHON)) return false;
  try {
    await run([PYTHON, '-c', 'import libvirt'], { timeoutMs: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Run bench/fixtures/SCRIPT with args (and JSON on stdin), inside network namespace `netns` when given;
 * parse the JSON object it prints last.
 */
export async function runFixture<T>(
  script: string,
  args: readonly (string | number)[],
  options: { input?: unknown; timeoutMs?: number; netns?: string } = {},
): Promise<T> {
  const inNet = options.netns === undefined ? [] : ['ip', 'netns', 'exec', options.netns];
  const { stdout } = await run([...inNet, PYTHON, join(FIXTURES_DIR, script), ...args.map(String)], {
    timeoutMs: options.timeoutMs ?? 120_000,
    ...(options.input === undefined ? {} : { input: JSON.stringify(options.input) }),
  });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as T;
}
