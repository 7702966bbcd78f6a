/**
 * tsvirt's save image format (pure codec, no I/O). A save image is, in order:
 *
 *   offset  size  field
 *   0       16    magic "TSVIRT-SAVE-IMG\n"
 *   16      4     version (u32 BE), SAVE_IMAGE_VERSION
 *   20      4     state at save (u32 BE): 1 running, 2 paused (what a restore brings back by default)
 *   24      4     xml length in bytes (u32 BE)
 *   28      4     reserved, 0
 *   32      8     stream length in bytes (u64 BE); 0 while the image is being written
 *   40      n     the domain XML (UTF-8)
 *   40+n    m     qemu's migration stream
 *
 * The stream length is written last, once qemu's stream is complete and synced: an image whose
 * length is 0, or whose size disagrees with it, was never finished and is refused.
 */
import { TsvirtError } from '../errors.js';

/** The first bytes of every tsvirt save image. */
export const SAVE_IMAGE_MAGIC = Buffer.from('TSVIRT-SAVE-IMG\n', 'latin1');
/** The header version this codec writes and reads. */
export const SAVE_IMAGE_VERSION = 1;
/** The fixed part of the header, before the XML. */
export const SAVE_HEADER_FIXED_BYTES = 40;
/** Offset of the stream length field, written when the image is complete. */
export const STREAM_LENGTH_OFFSET = 32;
/** Largest XML a header may carry (libvirt's remote string limit). */
const MAX_XML_BYTES = 4 * 1024 * 1024;

/** The guest's state when it was saved (the header's state field). */
export const SavedState = {
  RUNNING: 1, // the vCPUs ran; a restore resumes them unless told to pause
  PAUSED: 2, // the guest was paused; a restore leaves it paused unless told to run
} as const;

/** A decoded save image header. */
export interface SaveImageHeader {
  version: number;
  state: number;
  xml: string;
  /** Bytes of qemu's stream after the header; 0n: the image was never finished. */
  streamBytes: bigint;
  /** Where qemu's stream begins in the file. */
  streamOffset: number;
}

/** The header bytes of a new image: the stream length is left 0 until the stream is complete. */
export function encodeSaveHeader(xml: string, state: number, streamBytes = 0n): Buffer {
  const xmlBytes = Buffer.from(xml, 'utf8');
  const fixed = Buffer.alloc(SAVE_HEADER_FIXED_BYTES);
  SAVE_IMAGE_MAGIC.copy(fixed, 0);
  fixed.writeUInt32BE(SAVE_IMAGE_VERSION, 16);
  fixed.writeUInt32BE(state, 20);
  fixed.writeUInt32BE(xmlBytes.length, 24);
  fixed.writeBigUInt64BE(streamBytes, STREAM_LENGTH_OFFSET);
  return Buffer.concat([fixed, xmlBytes]);
}

/** The eight bytes of the stream length field. */
export function encodeStreamLength(streamBytes: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(streamBytes);
  return b;
}

/** How many bytes decodeSaveHeader needs in front of it, given the fixed part (undefined: not ours). */
export function measureSaveHeader(fixed: Buffer): number | undefined {
  if (fixed.length < SAVE_HEADER_FIXED_BYTES) return undefined;
  if (!fixed.subarray(0, SAVE_IMAGE_MAGIC.length).equals(SAVE_IMAGE_MAGIC)) return undefined;
  return SAVE_HEADER_FIXED_BYTES + fixed.readUInt32BE(24);
}

/**
 * Decode a header from the first bytes of a file (`file` names it in errors); `fileBytes` is the file's
 * size, checked against the stream length. ERR_OPERATION_INVALID for anything that is not a complete
 * tsvirt save image.
 */
export function decodeSaveHeader(head: Buffer, fileBytes: bigint, file: string): SaveImageHeader {
  const refuse = (why: string, extra: Record<string, unknown> = {}): TsvirtError =>
    new TsvirtError('ERR_OPERATION_INVALID', `${file} is not a usable tsvirt save image: ${why}`, {
      path: file,
      ...extra,
    });
  if (head.length < SAVE_HEADER_FIXED_BYTES || measureSaveHeader(head) === undefined)
    throw refuse('it does not begin with the save image magic', {
      expected: SAVE_IMAGE_MAGIC.toString('latin1'),
    });
  const version = head.readUInt32BE(16);
  if (version !== SAVE_IMAGE_VERSION)
    throw refuse(`header version ${version} is not supported`, {
      field: 'version',
      value: version,
      expected: SAVE_IMAGE_VERSION,
    });
  const state = head.readUInt32BE(20);
  if (state !== SavedState.RUNNING && state !== SavedState.PAUSED)
    throw refuse(`saved state ${state} is unknown`, { field: 'state', value: state, expected: '1 or 2' });
  const xmlBytes = head.readUInt32BE(24);
  if (xmlBytes === 0 || xmlBytes > MAX_XML_BYTES)
    throw refuse(`domain XML length ${xmlBytes} is out of range`, { field: 'xml', value: xmlBytes });
  const streamOffset = SAVE_HEADER_FIXED_BYTES + xmlBytes;
  if (head.length < streamOffset) throw refuse('the file ends inside the domain XML');
  const streamBytes = head.readBigUInt64BE(STREAM_LENGTH_OFFSET);
  if (streamBytes === 0n) throw refuse('it was never completed (the save did not finish)');
  if (BigInt(streamOffset) + streamBytes !== fileBytes)
    throw refuse(
      `its size ${fileBytes} is not the ${BigInt(streamOffset) + streamBytes} bytes its header states`,
      {
        field: 'size',
        value: fileBytes,
        expected: BigInt(streamOffset) + streamBytes,
      },
    );
  const xml = head.subarray(SAVE_HEADER_FIXED_BYTES, streamOffset).toString('utf8');
  return { version, state, xml, streamBytes, streamOffset };
}
