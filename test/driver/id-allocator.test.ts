import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildRootDirs, createIdAllocator, DOMAIN_ID_BLOCK } from '../../src/driver/runtime-files.js';

describe('the domain id allocator', () => {
  const roots: string[] = [];
  const makeDirs = () => {
    const root = mkdtempSync(join(tmpdir(), 'tsvirt-ids-'));
    roots.push(root);
    mkdirSync(join(root, 'run'));
    return buildRootDirs(root);
  };
  afterEach(() => {
    for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
  });

  it('reserves ids a block at a time, so that only the first start of a block writes the file', async () => {
    const dirs = makeDirs();
    const allocate = createIdAllocator(dirs);
    const fileText = () => readFileSync(dirs.nextIdFile, 'utf8');
    expect(await allocate(1)).toBe(1);
    expect(fileText()).toBe(`${1 + DOMAIN_ID_BLOCK}\n`);
    for (let id = 2; id <= DOMAIN_ID_BLOCK; id++) expect(await allocate(1)).toBe(id);
    expect(fileText()).toBe(`${1 + DOMAIN_ID_BLOCK}\n`);
    expect(await allocate(1)).toBe(DOMAIN_ID_BLOCK + 1);
    expect(fileText()).toBe(`${1 + 2 * DOMAIN_ID_BLOCK}\n`);
  });

  it('never gives an id again after a restart, nor one below what running domains hold', async () => {
    const dirs = makeDirs();
    const first = createIdAllocator(dirs);
    expect([await first(1), await first(1), await first(1)]).toEqual([1, 2, 3]);
    const restarted = createIdAllocator(dirs);
    expect(await restarted(1)).toBe(1 + DOMAIN_ID_BLOCK);
    expect(await restarted(40)).toBe(40);
    expect(readFileSync(dirs.nextIdFile, 'utf8')).toBe(`${40 + DOMAIN_ID_BLOCK}\n`);
  });

  it('gives parallel starts distinct ids', async () => {
    const allocate = createIdAllocator(makeDirs());
    const ids = await Promise.all(Array.from({ length: 40 }, () => allocate(1)));
    expect(new Set(ids).size).toBe(40);
    expect(Math.min(...ids)).toBe(1);
  });
});
