import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/exec/index.js';
import { TRUST_AFTER_MS } from '../../src/storage/image-info-cache.js';
import { hasCli, makeCliRoot, tsvirt } from './cli-harness.js';

// Every CLI call on an embedded root refreshes the pools it loads. A qemu-img on PATH that logs its
// verb, then runs the real one, shows which files a refresh asked about.
describe.skipIf(!hasCli)('tsvirt CLI: a pool refresh asks qemu-img only about changed files', () => {
  let root: string;
  let spyLog: string;
  let env: Record<string, string>;
  const infoCalls = (): number =>
    readFileSync(spyLog, 'utf8')
      .split('\n')
      .filter((l) => l === 'info').length;
  const volList = async (): Promise<string> => {
    writeFileSync(spyLog, '');
    const r = await tsvirt(root, ['vol-list', 'default', '--details'], { env });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    return r.stdout;
  };

  beforeAll(async () => {
    ({ root } = await makeCliRoot());
    const bin = join(root, 'spy-bin');
    spyLog = join(root, 'spy.log');
    const real = (await run(['sh', '-c', 'command -v qemu-img'])).stdout.trim();
    await run(['mkdir', '-p', bin]);
    writeFileSync(join(bin, 'qemu-img'), `#!/bin/sh\necho "$1" >> '${spyLog}'\nexec '${real}' "$@"\n`);
    chmodSync(join(bin, 'qemu-img'), 0o755);
    env = { PATH: `${bin}:${process.env['PATH'] ?? ''}` };
    expect((await tsvirt(root, ['pool-list'], { env })).code).toBe(0);
    for (const name of ['a.qcow2', 'b.qcow2', 'c.qcow2'])
      await run(['qemu-img', 'create', '-q', '-f', 'qcow2', join(root, 'images', name), '1G']);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('files changed just now are asked about on every call; settled ones once; a change is seen', async () => {
    const first = await volList();
    expect(first).toMatch(/a\.qcow2 .* 1\.00 GiB/);
    expect(infoCalls()).toBe(3);
    await volList();
    expect(infoCalls()).toBe(3); // too fresh to trust their times
    await new Promise((r) => setTimeout(r, TRUST_AFTER_MS + 100));
    await volList();
    expect(infoCalls()).toBe(3); // now remembered
    expect(await volList()).toBe(first);
    expect(infoCalls()).toBe(0);
    await run(['qemu-img', 'resize', '-q', join(root, 'images', 'b.qcow2'), '2G']);
    const after = await volList();
    expect(infoCalls()).toBe(1);
    expect(after).toMatch(/b\.qcow2 .* 2\.00 GiB/);
    await rm(join(root, 'images', 'c.qcow2'));
    expect(await volList()).not.toMatch(/c\.qcow2/);
    expect(infoCalls()).toBe(1); // b changed within the last TRUST_AFTER_MS
  }, 30_000);
});
