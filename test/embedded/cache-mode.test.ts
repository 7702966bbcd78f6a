/** The host probes' cache folder under an embedded root gets its own mode, not the umask's. */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedConnection } from '../../src/embedded/embedded-connection.js';

describe('the cache folder of an embedded root', () => {
  const saved = process.umask();
  let root = '';
  afterEach(async () => {
    process.umask(saved);
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('is 0700 under umask 000', async () => {
    process.umask(0o000);
    root = await mkdtemp(join(tmpdir(), 'tsvirt-cache-mode-'));
    const conn = await EmbeddedConnection.open({ root });
    try {
      for (const dir of [join(root, 'cache'), join(root, 'cache', 'qemu')]) {
        expect(((await stat(dir)).mode & 0o7777).toString(8)).toBe('700');
      }
    } finally {
      await conn.close();
    }
  });
});
