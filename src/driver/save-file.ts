/**
 * Save image files on disk: written by tsvirtd itself (root), never by qemu, into a temp file beside
 * the target that is renamed over it only once qemu's stream is complete and synced; read back
 * through the header codec of save-image-format.ts.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TsvirtError } from '../errors.js';
import {
  SAVE_HEADER_FIXED_BYTES,
  STREAM_LENGTH_OFFSET,
  decodeSaveHeader,
  encodeSaveHeader,
  encodeStreamLength,
  measureSaveHeader,
  type SaveImageHeader,
} from './save-image-format.js';

/** The mode of a save image: it holds the guest's memory, so only root reads it (libvirt's 0600). */
export const SAVE_IMAGE_MODE = 0o600;

let tempCounter = 0;

/** A save image being written: fed qemu's stream, then committed (renamed into place) or discarded. */
export interface PendingSaveImage {
  /** The temp file written until commit. */
  readonly tempPath: string;
  /** Copy `source` after the header until it ends; resolves with the stream's length in bytes. */
  receive(source: Readable): Promise<bigint>;
  /** Write the stream length, sync, and rename over the target. */
  commit(streamBytes: bigint): Promise<void>;
  /** Remove the temp file (after a failure); never throws. */
  discard(): Promise<void>;
}

/** The error of a file operation on a save image: ERR_NO_SPACE on a full disk, else ERR_IO. */
function buildFileError(path: string, action: string, cause: unknown): TsvirtError {
  const errno = (cause as NodeJS.ErrnoException).code;
  const full = errno === 'ENOSPC';
  return new TsvirtError(
    full ? 'ERR_NO_SPACE' : 'ERR_IO',
    `${path}: cannot ${action} the save image (${(cause as Error).message})${full ? '; free some space on that file system' : ''}`,
    { path, errno },
    { cause },
  );
}

/** Begin a save image at `target` (header with state and XML written, stream length still 0). */
export async function createSaveImage(target: string, xml: string, state: number): Promise<PendingSaveImage> {
  const tempPath = join(dirname(target), `.${basename(target)}.${process.pid}.${++tempCounter}.tmp`);
  const header = encodeSaveHeader(xml, state);
  try {
    const fh = await open(tempPath, 'wx', SAVE_IMAGE_MODE);
    try {
      await fh.write(header, 0, header.length, 0);
    } finally {
      await fh.close();
    }
  } catch (cause) {
    await rm(tempPath, { force: true });
    throw buildFileError(target, 'create', cause);
  }
  return {
    tempPath,
    receive: async (source) => {
      let bytes = 0n;
      source.on('data', (chunk: Buffer) => (bytes += BigInt(chunk.length)));
      const out = createWriteStream(tempPath, { flags: 'r+', start: header.length });
      await pipeline(source, out).catch((cause: unknown) => {
        throw buildFileError(target, 'write', cause);
      });
      return bytes;
    },
    commit: async (streamBytes) => {
      try {
        const fh = await open(tempPath, 'r+');
        try {
          await fh.sync();
          const field = encodeStreamLength(streamBytes);
          await fh.write(field, 0, field.length, STREAM_LENGTH_OFFSET);
          await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(tempPath, target);
        await syncDir(dirname(target));
      } catch (cause) {
        await rm(tempPath, { force: true });
        throw buildFileError(target, 'finish', cause);
      }
    },
    discard: () => rm(tempPath, { force: true }).catch(() => undefined),
  };
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Read and check the header of the save image at `path`: ERR_OPERATION_INVALID when it is not one. */
export async function readSaveImageHeader(path: string): Promise<SaveImageHeader> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (cause) {
    throw new TsvirtError(
      'ERR_IO',
      `cannot open save image ${path}: ${(cause as Error).message}`,
      { path, errno: (cause as NodeJS.ErrnoException).code },
      { cause },
    );
  }
  try {
    const size = BigInt((await fh.stat()).size);
    const fixed = Buffer.alloc(SAVE_HEADER_FIXED_BYTES);
    const { bytesRead } = await fh.read(fixed, 0, fixed.length, 0);
    const total = measureSaveHeader(fixed.subarray(0, bytesRead));
    if (total === undefined || BigInt(total) > size)
      return decodeSaveHeader(fixed.subarray(0, bytesRead), size, path);
    const head = Buffer.alloc(total);
    await fh.read(head, 0, total, 0);
    return decodeSaveHeader(head, size, path);
  } finally {
    await fh.close();
  }
}

/** qemu's stream of a checked image, as a byte stream. */
export function openSaveImageStream(path: string, header: SaveImageHeader): Readable {
  return createReadStream(path, { start: header.streamOffset });
}

/** Replace the domain XML of a save image (save-image-define): the whole image is rewritten, then renamed. */
export async function rewriteSaveImageXml(path: string, xml: string, state: number): Promise<void> {
  const header = await readSaveImageHeader(path);
  const image = await createSaveImage(path, xml, state);
  try {
    const bytes = await image.receive(openSaveImageStream(path, header));
    await image.commit(bytes);
  } catch (err) {
    await image.discard();
    throw err;
  }
}

/** The size of a file in bytes, or undefined when it does not exist. */
export async function statSize(path: string): Promise<bigint | undefined> {
  return stat(path).then(
    (s) => BigInt(s.size),
    () => undefined,
  );
}
