import type { BigIntStats } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImageInfoCache, TRUST_AFTER_MS } from '../../src/storage/image-info-cache.js';
import type { ImageInfo } from '../../src/storage/qemu-img.js';

const NOW = 1_800_000_000_000;
const ms = (t: number): bigint => BigInt(t) * 1_000_000n;

/** The stat fields the cache reads, as a file changed at `changedAt` (ms). */
function stats(
  over: Partial<Record<'dev' | 'ino' | 'size', bigint>> & { changedAt?: number } = {},
): BigIntStats {
  const t = ms(over.changedAt ?? NOW - 60_000);
  return {
    dev: over.dev ?? 2049n,
    ino: over.ino ?? 77n,
    size: over.size ?? 196_616n,
    mtimeNs: t,
    ctimeNs: t,
  } as BigIntStats;
}

const QCOW2: ImageInfo = {
  format: 'qcow2',
  virtualSizeBytes: 8n * 1024n ** 3n,
  actualSizeBytes: 200_704n,
  backingFilename: '/images/base.img',
  backingFormat: 'raw',
};

describe('ImageInfoCache', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tsvirt-infocache-'));
    file = join(dir, 'cache', 'storage', 'pool.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps an answer across processes (save, load) while the file is the same, sizes exact', async () => {
    const a = await ImageInfoCache.load(file);
    expect(a.lookup('a.qcow2', stats())).toBeUndefined();
    a.remember('a.qcow2', stats(), QCOW2, NOW);
    await a.save();
    const b = await ImageInfoCache.load(file);
    expect(b.lookup('a.qcow2', stats())).toEqual(QCOW2);
    expect(b.lookup('other.img', stats())).toBeUndefined();
  });

  it('does not reuse an answer once the inode, device, size or times differ', async () => {
    const c = await ImageInfoCache.load(file);
    c.remember('a.qcow2', stats(), QCOW2, NOW);
    expect(c.lookup('a.qcow2', stats({ ino: 78n }))).toBeUndefined();
    expect(c.lookup('a.qcow2', stats({ dev: 2050n }))).toBeUndefined();
    expect(c.lookup('a.qcow2', stats({ size: 262_144n }))).toBeUndefined();
    expect(c.lookup('a.qcow2', stats({ changedAt: NOW - 59_999 }))).toBeUndefined();
    expect(c.lookup('a.qcow2', stats())).toEqual(QCOW2);
  });

  it(`does not keep an answer about a file changed within ${TRUST_AFTER_MS} ms, and drops the old one`, async () => {
    const c = await ImageInfoCache.load(file);
    c.remember('a.qcow2', stats(), QCOW2, NOW);
    const fresh = stats({ changedAt: NOW - TRUST_AFTER_MS + 1 });
    c.remember('a.qcow2', fresh, QCOW2, NOW);
    expect(c.lookup('a.qcow2', fresh)).toBeUndefined();
    expect(c.lookup('a.qcow2', stats())).toBeUndefined();
    const settled = stats({ changedAt: NOW - TRUST_AFTER_MS });
    c.remember('a.qcow2', settled, QCOW2, NOW);
    expect(c.lookup('a.qcow2', settled)).toEqual(QCOW2);
  });

  it('retain drops the files that are gone; save writes only after a change', async () => {
    const c = await ImageInfoCache.load(file);
    c.remember('a.qcow2', stats(), QCOW2, NOW);
    c.remember(
      'b.img',
      stats({ ino: 90n }),
      { format: 'raw', virtualSizeBytes: 1024n, actualSizeBytes: 0n },
      NOW,
    );
    c.retain(new Set(['b.img']));
    await c.save();
    const text = await readFile(file, 'utf8');
    expect(Object.keys((JSON.parse(text) as { files: object }).files)).toEqual(['b.img']);
    await writeFile(file, 'sentinel');
    await c.save();
    expect(await readFile(file, 'utf8')).toBe('sentinel');
  });

  it('a damaged, foreign or older-format file reads as an empty cache', async () => {
    const c = await ImageInfoCache.load(file);
    c.remember('a.qcow2', stats(), QCOW2, NOW);
    await c.save();
    const good = await readFile(file, 'utf8');
    for (const text of [
      good.slice(0, 40),
      '[]',
      good.replace('"version":1', '"version":0'),
      good.replace(/"virtualSize":"\d+"/, '"virtualSize":"8G"'),
      good.replace('"stamp":', '"stampp":'),
    ]) {
      await writeFile(file, text);
      expect((await ImageInfoCache.load(file)).lookup('a.qcow2', stats()), text).toBeUndefined();
    }
  });

  it('a cache that cannot be saved is no error', async () => {
    await writeFile(join(dir, 'cache'), 'a file where the folder should be');
    const c = await ImageInfoCache.load(file);
    c.remember('a.qcow2', stats(), QCOW2, NOW);
    await expect(c.save()).resolves.toBeUndefined();
  });
});
