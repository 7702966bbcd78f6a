import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline, Transform, type Readable } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import type { Command, CommandContext } from '../command.js';
import { parseVerbArgs, req, type VerbArgs } from '../args.js';
import { lookupVolume } from '../lookup.js';
import { parseSize } from '../../units.js';
import type { Connection, VolumeRef } from '../../connection.js';

/** Redraw the bar at most this often. */
const PROGRESS_INTERVAL_MS = 100;

/** virsh's job progress line: `\rLABEL: [ 42.00 %]`. */
export function formatProgress(label: string, done: number, total: number): string {
  const pct = total > 0 ? Math.min(100, (done / total) * 100) : 100;
  return `\r${label}: [${pct.toFixed(2).padStart(6)} %]`;
}

/** A pass-through that counts bytes and draws a progress bar on `out` when it is a terminal. */
function progressMeter(
  label: string,
  total: number,
  out: NodeJS.WriteStream,
): { meter: Transform; complete: () => void } {
  const draw = out.isTTY === true;
  let done = 0;
  let last = 0;
  let completed = false;
  /** The final 100% line, also when the consumer stopped early (upload with --length). */
  const complete = (): void => {
    if (draw && !completed) out.write(`${formatProgress(label, total, total)}\n`);
    completed = true;
  };
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      done += chunk.length;
      const now = Date.now();
      if (draw && now - last >= PROGRESS_INTERVAL_MS) {
        last = now;
        out.write(formatProgress(label, done, total));
      }
      cb(null, chunk);
    },
    flush(cb) {
      complete();
      cb();
    },
  });
  return { meter, complete };
}

/** --offset and --length in bytes (or with a unit), 0 when absent. */
function parseRange(a: VerbArgs): { offset: bigint; length: bigint } {
  return {
    offset: a.opts.offset === undefined ? 0n : parseSize(a.opts.offset, 'bytes', 'offset'),
    length: a.opts.length === undefined ? 0n : parseSize(a.opts.length, 'bytes', 'length'),
  };
}

/** The bytes a download of `vol` from `offset` will move: the file's size where it is local, else capacity. */
async function downloadTotal(
  conn: Connection,
  vol: VolumeRef,
  offset: bigint,
  length: bigint,
): Promise<number> {
  if (length > 0n) return Number(length);
  const size = await stat(await conn.storageVolGetPath(vol)).then(
    (s) => (s.isFile() ? BigInt(s.size) : undefined),
    () => undefined,
  );
  const whole = size ?? (await conn.storageVolGetInfo(vol)).capacity;
  return Math.max(0, Number(whole - offset));
}

const USAGE_TAIL = `[--pool POOL] [--offset BYTES] [--length BYTES]

  offset, length: bytes, or with a unit (1M); length 0 means all`;

/** Parse the verb and find the volume. */
async function prepare(
  ctx: CommandContext,
  verb: string,
): Promise<{ conn: Connection; vol: VolumeRef; file: string; offset: bigint; length: bigint }> {
  const a = parseVerbArgs(ctx.args, {
    verb,
    positionals: ['vol', 'file'],
    options: ['pool', 'offset', 'length'],
  });
  const { offset, length } = parseRange(a);
  const conn = await ctx.connect();
  const vol = await lookupVolume(conn, req(a, 'vol'), a.opts.pool);
  return { conn, vol, file: req(a, 'file'), offset, length };
}

const volUpload: Command = {
  name: 'vol-upload',
  summary: 'upload file contents to a volume',
  usage: `Usage: tsvirt vol-upload <vol> <file> ${USAGE_TAIL}`,
  async run(ctx) {
    const { conn, vol, file, offset, length } = await prepare(ctx, 'vol-upload');
    const size = (await stat(file)).size;
    const total = length > 0n ? Math.min(Number(length), size) : size;
    const { meter, complete } = progressMeter('Upload', total, process.stderr);
    // pipeline, not pipe: when the upload stops reading (--length reached) the file is closed too.
    const source: Readable = pipeline(createReadStream(file), meter, () => undefined);
    await conn.storageVolUpload(vol, source, offset, length, 0);
    complete();
    if (ctx.json)
      ctx.print(JSON.stringify({ volume: vol.name, pool: vol.pool, offset: String(offset), file }));
    return 0;
  },
};

const volDownload: Command = {
  name: 'vol-download',
  summary: 'download volume contents to a file',
  usage: `Usage: tsvirt vol-download <vol> <file> ${USAGE_TAIL}`,
  async run(ctx) {
    const { conn, vol, file, offset, length } = await prepare(ctx, 'vol-download');
    const total = await downloadTotal(conn, vol, offset, length);
    const stream = await conn.storageVolDownload(vol, offset, length, 0);
    const { meter, complete } = progressMeter('Download', total, process.stderr);
    await pipelineAsync(stream, meter, createWriteStream(file));
    complete();
    if (ctx.json)
      ctx.print(JSON.stringify({ volume: vol.name, pool: vol.pool, offset: String(offset), file }));
    return 0;
  },
};

/** vol-upload and vol-download: a local file into or out of a volume. */
export const volumeTransferCommands: Command[] = [volUpload, volDownload];
