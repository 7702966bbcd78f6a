import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { TsvirtError } from '../errors.js';

/** Where a transfer starts and how many bytes it moves; length 0 or absent means "to the end". */
export interface TransferRange {
  offset?: bigint | number;
  length?: bigint | number;
}

function toRange(range: TransferRange): { offset: number; length: number } {
  const offset = Number(range.offset ?? 0);
  const length = Number(range.length ?? 0);
  for (const [field, value] of [
    ['offset', offset],
    ['length', length],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new TsvirtError(
        'ERR_INVALID_ARG',
        `${field} ${value} is not a byte count; give a whole number >= 0`,
        { field, value, expected: 'a whole number >= 0' },
      );
    }
  }
  return { offset, length };
}

/**
 * Write a stream into a volume's bytes, starting at `offset`, stopping after `length` bytes when given.
 * The volume is not truncated, as virsh vol-upload does not. Resolves to the number of bytes written.
 */
export async function writeFromStream(path: string, source: Readable, range: TransferRange): Promise<number> {
  const { offset, length } = toRange(range);
  const handle = await open(path, 'r+');
  let written = 0;
  try {
    for await (const chunk of source) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      const take = length > 0 ? Math.min(buf.length, length - written) : buf.length;
      for (let done = 0; done < take;) {
        const { bytesWritten } = await handle.write(buf, done, take - done, offset + written + done);
        done += bytesWritten;
      }
      written += take;
      if (length > 0 && written >= length) break;
    }
    await handle.sync();
  } finally {
    await handle.close();
    if (!source.destroyed) source.destroy();
  }
  return written;
}

/** A stream of a volume's bytes from `offset`, `length` of them when given; an offset past the end is refused. */
export async function readToStream(path: string, range: TransferRange): Promise<Readable> {
  const { offset, length } = toRange(range);
  const info = await stat(path);
  const size = info.isBlockDevice() ? Number.MAX_SAFE_INTEGER : info.size;
  if (offset > size) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `offset ${offset} is past the end of ${path} (${size} bytes); give a smaller offset`,
      { field: 'offset', value: offset, expected: `<= ${size}` },
    );
  }
  return createReadStream(path, { start: offset, ...(length > 0 ? { end: offset + length - 1 } : {}) });
}
