import { run } from '../exec/index.js';
import { TsvirtError } from '../errors.js';

/** What `qemu-img info --output=json` tells about one image. */
export interface ImageInfo {
  format: string;
  virtualSizeBytes: bigint;
  actualSizeBytes: bigint;
  backingFilename?: string;
  backingFormat?: string;
}

/** Limits for `qemu-img info` on files tsvirt did not write: a crafted image can make it use unbounded resources. */
export const INFO_LIMITS = { memoryBytes: 1024 ** 3, cpuSeconds: 30 } as const;

/** Parse the JSON that `qemu-img info --output=json` prints. */
export function parseImageInfo(json: string): ImageInfo {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(json) as Record<string, unknown>;
  } catch (cause) {
    throw new TsvirtError(
      'ERR_INTERNAL',
      'qemu-img info printed something that is not JSON; report this',
      { stdout: json },
      { cause },
    );
  }
  const format = doc['format'];
  const virtual = doc['virtual-size'];
  if (typeof format !== 'string' || typeof virtual !== 'number') {
    throw new TsvirtError('ERR_INTERNAL', 'qemu-img info JSON lacks format or virtual-size; report this', {
      stdout: json,
    });
  }
  const info: ImageInfo = {
    format,
    virtualSizeBytes: BigInt(virtual),
    actualSizeBytes: BigInt(typeof doc['actual-size'] === 'number' ? doc['actual-size'] : 0),
  };
  const backing = doc['full-backing-filename'] ?? doc['backing-filename'];
  if (typeof backing === 'string') info.backingFilename = backing;
  if (typeof doc['backing-filename-format'] === 'string') info.backingFormat = doc['backing-filename-format'];
  return info;
}

/** `qemu-img info -U --output=json`, run under INFO_LIMITS; -U (force-share) so a running guest's lock does not block it. */
export async function readImageInfo(path: string, format?: string): Promise<ImageInfo> {
  const argv = ['qemu-img', 'info', '-U', '--output=json', ...(format ? ['-f', format] : []), path];
  const result = await run(argv, { limits: INFO_LIMITS, timeoutMs: 60_000 });
  return parseImageInfo(result.stdout);
}

/** Options of `qemu-img create`. */
export interface CreateImageOptions {
  format: string;
  sizeBytes: bigint;
  /** qemu-img's preallocation option: 'off', 'metadata', 'falloc' or 'full'. */
  preallocation?: 'metadata' | 'falloc' | 'full';
  backingPath?: string;
  backingFormat?: string;
}

/** One image of `qemu-img info --backing-chain`, top first. */
export interface ChainImage {
  path: string;
  format: string;
}

/** `qemu-img info -U --backing-chain --output=json -f FMT PATH`: the image and every image below it. */
export async function readImageChain(path: string, format: string): Promise<ChainImage[]> {
  const r = await run(['qemu-img', 'info', '-U', '--backing-chain', '--output=json', '-f', format, path], {
    timeoutMs: 60_000,
  });
  const docs = JSON.parse(r.stdout) as { filename?: unknown; format?: unknown }[];
  return docs.map((d) => ({ path: String(d.filename), format: String(d.format) }));
}

/** `qemu-img create -f FMT [-o preallocation=..] [-b BACKING -F FMT] PATH SIZE`. */
export async function createImage(path: string, options: CreateImageOptions): Promise<void> {
  const argv = ['qemu-img', 'create', '-q', '-f', options.format];
  if (options.preallocation) argv.push('-o', `preallocation=${options.preallocation}`);
  if (options.backingPath) argv.push('-b', options.backingPath, '-F', options.backingFormat ?? 'raw');
  argv.push(path, String(options.sizeBytes));
  await run(argv, { timeoutMs: 600_000 });
}

/** `qemu-img convert -f SRC_FMT -O DST_FMT SRC DST` (`-n` when the target already exists, e.g. an LV). */
export async function convertImage(
  source: { path: string; format: string },
  target: { path: string; format: string; exists?: boolean },
): Promise<void> {
  const argv = ['qemu-img', 'convert', '-q', '-f', source.format, '-O', target.format];
  if (target.exists) argv.push('-n');
  argv.push(source.path, target.path);
  await run(argv, { timeoutMs: 3_600_000 });
}

/** `qemu-img resize -f FMT [--shrink] [--preallocation=falloc] PATH SIZE`. */
export async function resizeImage(
  path: string,
  options: { format: string; sizeBytes: bigint; shrink?: boolean; allocate?: boolean },
): Promise<void> {
  const argv = ['qemu-img', 'resize', '-q', '-f', options.format];
  if (options.shrink) argv.push('--shrink');
  if (options.allocate) argv.push('--preallocation=falloc');
  argv.push(path, String(options.sizeBytes));
  await run(argv, { timeoutMs: 600_000 });
}
