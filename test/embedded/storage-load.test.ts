import { existsSync } from 'node:fs';
import { mkdtemp, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedConnection, type EmbeddedOptions } from '../../src/embedded/embedded-connection.js';

// When the embedded connection loads its storage pools. A running pool whose folder is gone is
// noticed only by the load (the storage driver warns and marks it inactive), which makes the load
// visible from outside.
describe('embedded connection: when the pools load', () => {
  let root: string;
  let warnings: string[];
  const open = (extra: Partial<EmbeddedOptions> = {}): Promise<EmbeddedConnection> =>
    EmbeddedConnection.open({ root, log: (line) => warnings.push(line), ...extra });
  const goneWarnings = (): string[] => warnings.filter((w) => /storage pool 'default' was running/.test(w));

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tsvirt-storage-load-'));
    warnings = [];
    // The first open of a root in this boot claims autostart, so it loads the pools: the default
    // pool exists from the first start.
    const first = await open();
    expect(existsSync(join(root, 'images'))).toBe(true);
    expect((await first.listAllStoragePools()).map((p) => p.name)).toEqual(['default']);
    await first.close();
    await rmdir(join(root, 'images'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('by default on the first storage call, not at open, and once for concurrent calls', async () => {
    const conn = await open();
    try {
      expect(goneWarnings()).toEqual([]);
      expect(await conn.listAllDomains()).toEqual([]);
      expect(goneWarnings()).toEqual([]);
      const [pools, again] = await Promise.all([conn.listAllStoragePools(), conn.listAllStoragePools()]);
      expect(pools.map((p) => p.name)).toEqual(['default']);
      expect(again.map((p) => p.name)).toEqual(['default']);
      expect(goneWarnings()).toHaveLength(1);
      expect(await conn.storagePoolIsActive({ name: 'default', uuid: pools[0]!.uuid })).toBe(false);
    } finally {
      await conn.close();
    }
  });

  it("at open with storageLoad 'open', as tsvirtd opens it", async () => {
    const conn = await open({ storageLoad: 'open' });
    try {
      expect(goneWarnings()).toHaveLength(1);
    } finally {
      await conn.close();
    }
  });
});
