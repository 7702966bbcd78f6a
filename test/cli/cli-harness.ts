/** Runs the built `tsvirt` CLI against an embedded root, as a user would from a shell. */
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEmbedUri } from '../../src/embedded/embedded-connection.js';
import { CommandFailedError, run } from '../../src/exec/index.js';

/** The repository root. */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The built CLI as the package ships it (the one-file bundle); the tests skip when it is absent. */
export const CLI = join(REPO, 'dist/tsvirt.mjs');
/** Whether the built CLI exists. */
export const hasCli = existsSync(CLI);
if (!hasCli) console.warn(`skipping the built-CLI tests: ${CLI} is absent; run npm run build`);

/** What one CLI call gave back. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `node dist/tsvirt.mjs -c qemu:///embed?root=ROOT ARGS...`; never throws for a non-zero exit. */
export async function tsvirt(
  root: string,
  args: string[],
  opts: { input?: string | Buffer; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const argv = ['node', CLI, '-c', buildEmbedUri(root), ...args];
  try {
    const r = await run(argv, {
      timeoutMs: opts.timeoutMs ?? 30_000,
      okExitCodes: [1, 2],
      ...(opts.env === undefined ? {} : { env: opts.env }),
      ...(opts.input === undefined ? {} : { input: opts.input }),
    });
    return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    if (err instanceof CommandFailedError) {
      throw new Error(`${argv.join(' ')}: ${err.message}\nstdout: ${err.stdout}\nstderr: ${err.stderr}`, {
        cause: err,
      });
    }
    throw err;
  }
}

/** A temp root (short path: unix sockets live under it) with a private copy of the boot-sector image. */
export async function makeCliRoot(bootImage?: string): Promise<{ root: string; image: string }> {
  const root = await mkdtemp(join(tmpdir(), 'tsvcli-'));
  const image = join(root, 'boot.img');
  if (bootImage) await copyFile(bootImage, image);
  return { root, image };
}
