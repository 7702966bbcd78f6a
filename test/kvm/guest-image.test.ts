import { describe, expect, it } from 'vitest';
import { buildSelfTestImage, SELF_TEST_MARKER } from '../../src/kvm/guest-image.js';

describe('self-test guest image', () => {
  it('is twelve bytes of real-mode code that write the marker to COM1 and halt, then the marker', () => {
    const image = buildSelfTestImage('hi!', 0x1000);
    expect(image.toString('hex')).toBe(
      [
        'baf803', // mov dx, 0x3f8
        'be0c10', // mov si, 0x100c (the marker, right after the code)
        'b90300', // mov cx, 3
        'f36e', // rep outsb
        'f4', // hlt
        '686921', // "hi!"
      ].join(''),
    );
  });

  it('carries the standard marker by default', () => {
    const image = buildSelfTestImage();
    expect(image.subarray(12).toString('latin1')).toBe(SELF_TEST_MARKER);
    expect(image.readUInt16LE(7)).toBe(SELF_TEST_MARKER.length);
  });

  it('refuses an empty marker and one that would cross 64 KiB', () => {
    expect(() => buildSelfTestImage('')).toThrow(RangeError);
    expect(() => buildSelfTestImage('x'.repeat(10), 0xfff0)).toThrow(RangeError);
  });
});
