import { describe, expect, it } from 'vitest';
import {
  SAVE_HEADER_FIXED_BYTES,
  SavedState,
  decodeSaveHeader,
  encodeSaveHeader,
  encodeStreamLength,
  measureSaveHeader,
} from '../../src/driver/save-image-format.js';

const XML = "<domain type='qemu'><name>a</name></domain>";

/** A complete image's header for a stream of `streamBytes`, and the file size that goes with it. */
function buildComplete(streamBytes: bigint): { head: Buffer; size: bigint } {
  const head = encodeSaveHeader(XML, SavedState.RUNNING, streamBytes);
  return { head, size: BigInt(head.length) + streamBytes };
}

describe('save image header', () => {
  it('lays out magic, version, state, xml length and stream length as documented', () => {
    const head = encodeSaveHeader(XML, SavedState.PAUSED, 0x0102n);
    expect(head.subarray(0, 16).toString('latin1')).toBe('TSVIRT-SAVE-IMG\n');
    expect(head.subarray(16, 40).toString('hex')).toBe(
      [
        '00000001', // version 1
        '00000002', // state: paused
        XML.length.toString(16).padStart(8, '0'), // xml length
        '00000000', // reserved
        '0000000000000102', // stream length
      ].join(''),
    );
    expect(head.subarray(SAVE_HEADER_FIXED_BYTES).toString('utf8')).toBe(XML);
    expect(measureSaveHeader(head)).toBe(head.length);
  });

  it('decodes what it encodes', () => {
    const { head, size } = buildComplete(4096n);
    expect(decodeSaveHeader(head, size, '/f')).toEqual({
      version: 1,
      state: SavedState.RUNNING,
      xml: XML,
      streamBytes: 4096n,
      streamOffset: head.length,
    });
  });

  it('refuses an image whose stream length was never written', () => {
    const head = encodeSaveHeader(XML, SavedState.RUNNING);
    expect(() => decodeSaveHeader(head, BigInt(head.length) + 10n, '/f')).toThrow(
      '/f is not a usable tsvirt save image: it was never completed (the save did not finish)',
    );
  });

  it('refuses a file cut short or grown', () => {
    const { head, size } = buildComplete(100n);
    expect(() => decodeSaveHeader(head, size - 1n, '/f')).toThrow(/its size \d+ is not the \d+ bytes/);
    expect(() => decodeSaveHeader(head, size + 1n, '/f')).toThrow(/its size \d+ is not the \d+ bytes/);
  });

  it('refuses garbage at every length, with a TsvirtError', () => {
    const { head, size } = buildComplete(8n);
    for (let n = 0; n < head.length; n++) {
      expect(() => decodeSaveHeader(head.subarray(0, n), size, '/f')).toThrow(
        /not a usable tsvirt save image/,
      );
    }
    const other = Buffer.from(head);
    other.write('LibvirtQemudSave', 0, 'latin1');
    expect(() => decodeSaveHeader(other, size, '/f')).toThrow('it does not begin with the save image magic');
    const version = Buffer.from(head);
    version.writeUInt32BE(9, 16);
    expect(() => decodeSaveHeader(version, size, '/f')).toThrow('header version 9 is not supported');
    const state = Buffer.from(head);
    state.writeUInt32BE(7, 20);
    expect(() => decodeSaveHeader(state, size, '/f')).toThrow('saved state 7 is unknown');
  });

  it('encodes the stream length field as eight bytes big-endian', () => {
    expect(encodeStreamLength(0x1_0000_0001n).toString('hex')).toBe('0000000100000001');
  });
});
