import type { BigIntStats } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import type { ImageInfo } from './qemu-img.js';

/**
 * What `qemu-img info` said about each file of a dir pool, kept between processes so that a refresh
 * (which every one-shot CLI call on an embedded root makes when it loads the pools) runs qemu-img
 * only for files that changed. An answer is reused while the file has the same device, inode, size,
 * mtime and ctime; any write to an image, or a rename over it, changes one of those. As git does with
 * its index, a file changed within the last TRUST_AFTER_MS is not cached: a second write inside one
 * tick of the file system's clock would leave its times as they were.
 *
 * It is only a cache: an unreadable or foreign file reads as empty, and a failed save is ignored.
 */
export class ImageInfoCache {
  private dirty = false;

  private constructor(
    private readonly file: string,
    private readonly entries: Map<string, CacheEntry>,
  ) {}

  /** Reads the cache file (a missing or damaged one is an empty cache). */
  static async load(file: string): Promise<ImageInfoCache> {
    const text = await readFile(file, 'utf8').catch(() => '');
    return new ImageInfoCache(file, parseEntries(text));
  }

  /** The cached answer for `name`, if the file is still the one it was about. */
  lookup(name: string, st: BigIntStats): ImageInfo | undefined {
    const entry = this.entries.get(name);
    return entry && entry.stamp === stampOf(st) ? decodeInfo(entry.info) : undefined;
  }

  /** Keeps qemu-img's answer for `name`, unless the file changed too recently to trust its times. */
  remember(name: string, st: BigIntStats, info: ImageInfo, nowMs = Date.now()): void {
    const changedMs = Number((st.ctimeNs > st.mtimeNs ? st.ctimeNs : st.mtimeNs) / 1_000_000n);
    if (nowMs - changedMs < TRUST_AFTER_MS) {
      if (this.entries.delete(name)) this.dirty = true;
      return;
    }
    this.entries.set(name, { stamp: stampOf(st), info: encodeInfo(info) });
    this.dirty = true;
  }

  /** Drops the entries of files that are gone. */
  retain(names: ReadonlySet<string>): void {
    for (const name of this.entries.keys()) {
      if (!names.has(name)) {
        this.entries.delete(name);
        this.dirty = true;
      }
    }
  }

  /** Writes the cache if it changed; never throws. */
  async save(): Promise<void> {
    if (!this.dirty) return;
    try {
      await mkdir(dirname(this.file), { recursive: true });
      const doc = { version: FORMAT_VERSION, files: Object.fromEntries(this.entries) };
      await writeFileAtomic(this.file, `${JSON.stringify(doc)}\n`);
      this.dirty = false;
    } catch {
      // The next refresh asks qemu-img again.
    }
  }
}

/** How old a file's last change must be before its qemu-img answer is kept. */
export const TRUST_AFTER_MS = 2_000;

const FORMAT_VERSION = 1;

interface CacheEntry {
  stamp: string;
  info: StoredInfo;
}

/** ImageInfo with its sizes as decimal strings (JSON has no bigint). */
interface StoredInfo {
  format: string;
  virtualSize: string;
  actualSize: string;
  backingFilename?: string;
  backingFormat?: string;
}

function stampOf(st: BigIntStats): string {
  return [st.dev, st.ino, st.size, st.mtimeNs, st.ctimeNs].join(':');
}

function encodeInfo(info: ImageInfo): StoredInfo {
  return {
    format: info.format,
    virtualSize: String(info.virtualSizeBytes),
    actualSize: String(info.actualSizeBytes),
    ...(info.backingFilename === undefined ? {} : { backingFilename: info.backingFilename }),
    ...(info.backingFormat === undefined ? {} : { backingFormat: info.backingFormat }),
  };
}

function decodeInfo(stored: StoredInfo): ImageInfo {
  return {
    format: stored.format,
    virtualSizeBytes: BigInt(stored.virtualSize),
    actualSizeBytes: BigInt(stored.actualSize),
    ...(stored.backingFilename === undefined ? {} : { backingFilename: stored.backingFilename }),
    ...(stored.backingFormat === undefined ? {} : { backingFormat: stored.backingFormat }),
  };
}

/** The entries of a cache file's text; anything not of this format and version reads as none. */
function parseEntries(text: string): Map<string, CacheEntry> {
  const entries = new Map<string, CacheEntry>();
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return entries;
  }
  if (!isRecord(doc) || doc['version'] !== FORMAT_VERSION || !isRecord(doc['files'])) return entries;
  for (const [name, entry] of Object.entries(doc['files'])) {
    if (isCacheEntry(entry)) entries.set(name, entry);
  }
  return entries;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCacheEntry(v: unknown): v is CacheEntry {
  if (!isRecord(v) || typeof v['stamp'] !== 'string' || !isRecord(v['info'])) return false;
  const info = v['info'];
  const optionalString = (k: string) => info[k] === undefined || typeof info[k] === 'string';
  return (
    typeof info['format'] === 'string' &&
    typeof info['virtualSize'] === 'string' &&
    /^\d+$/.test(info['virtualSize']) &&
    typeof info['actualSize'] === 'string' &&
    /^\d+$/.test(info['actualSize']) &&
    optionalString('backingFilename') &&
    optionalString('backingFormat')
  );
}
