import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connect, isTsvirtError, TsvirtError } from '../src/index.js';

describe("the package's public API", () => {
  it('connects with a URI to the embedded driver and answers as libvirt does', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tsvirt-api-'));
    try {
      const conn = await connect(`qemu:///embed?root=${root}`);
      try {
        expect(await conn.getType()).toBe('QEMU');
        expect((await conn.listAllStoragePools()).map((p) => p.name)).toEqual(['default']);
        const err = await conn.lookupDomainByName('nope').catch((e: unknown) => e);
        expect(isTsvirtError(err, 'ERR_DOMAIN_NOT_FOUND')).toBe(true);
      } finally {
        await conn.close();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('names an unsupported URI and what it takes instead', async () => {
    const err = (await connect('xen:///system').catch((e: unknown) => e)) as TsvirtError;
    expect(err).toBeInstanceOf(TsvirtError);
    expect(err.code).toBe('ERR_INVALID_ARG');
    expect(err.message).toMatch(
      /^xen:\/\/\/system: unsupported connection URI; use qemu:\/\/\/embed\?root=DIR/,
    );
  });
});
