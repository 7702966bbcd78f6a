import { readdirSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmbedUri } from '../../src/embedded/embedded-connection.js';
import { run } from '../../src/exec/index.js';
import { CLI, hasCli, makeCliRoot, tsvirt } from './cli-harness.js';

const TPM_XML = `<domain type='qemu'>
  <name>sealed</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><tpm model='tpm-tis'><backend type='emulator'/></tpm></devices>
</domain>`;

describe.skipIf(!hasCli)('tsvirt errors', () => {
  let root = '';
  const t = (...args: string[]) => tsvirt(root, args);

  beforeAll(async () => {
    ({ root } = await makeCliRoot());
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('an unknown domain gives "error: failed to get domain" and exit 1', async () => {
    expect(await t('dominfo', 'x')).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: failed to get domain 'x'\n",
    });
  }, 15_000);

  it('--json puts the error on stderr as one JSON document with its code and fields', async () => {
    const r = await t('--json', 'dominfo', 'x');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr)).toEqual({
      error: { code: 'ERR_DOMAIN_NOT_FOUND', message: "failed to get domain 'x'", fields: { domain: 'x' } },
    });
  }, 15_000);

  it('a domain XML with an element tsvirt does not support names it, and defines nothing', async () => {
    const file = join(root, 'tpm.xml');
    await writeFile(file, TPM_XML);
    const r = await t('define', file);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^error: Failed to define domain from ${file}\nerror: .*<tpm>`));
    expect(readdirSync(join(root, 'etc', 'qemu')).filter((f) => f.endsWith('.xml'))).toEqual([]);
  }, 15_000);

  it('XML that is not well-formed gives the line and column', async () => {
    const file = join(root, 'cut.xml');
    await writeFile(file, "<domain type='qemu'><name>b</name");
    const r = await t('define', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: Failed to define domain from .*\nerror: XML is not well-formed at line 1, column \d+/,
    );
  }, 15_000);

  it('an unknown verb and an unknown option are errors with exit 1', async () => {
    expect(await t('frobnicate')).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: unknown command: 'frobnicate'\n",
    });
    expect(await t('list', '--bogus')).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: command 'list' doesn't support option --bogus\n",
    });
    expect(await t('console')).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: command 'console' requires <domain> option\n",
    });
  }, 15_000);

  it('does not crash when the reader of its stdout goes away (tsvirt list | true)', async () => {
    // `exec true` exits before node has started, so every write to the pipe fails with EPIPE.
    const script = 'node "$0" -c "$1" list --all | (exec true); echo "status=${PIPESTATUS[0]}"';
    const r = await run(['bash', '-c', script, CLI, buildEmbedUri(root)], { timeoutMs: 15_000 });
    expect(r.stdout).toBe('status=0\n');
    expect(r.stderr).toBe('');
  }, 15_000);
});
