import { describe, expect, it } from 'vitest';
import { isTsvirtError, TsvirtError } from '../../src/errors.js';
import {
  decodeWith,
  encodeWith,
  xdrDouble,
  xdrHyper,
  xdrInt,
  xdrNonnullString,
  xdrStruct,
  xdrUint,
  xdrUnion,
  xdrVoid,
  type Codec,
} from '../../src/remote/xdr-codec.js';
import { hex } from './hex.js';

function errorOf(fn: () => unknown, code: 'ERR_RPC' | 'ERR_INVALID_ARG' = 'ERR_RPC'): TsvirtError {
  try {
    fn();
  } catch (err) {
    if (isTsvirtError(err, code)) return err;
    throw err;
  }
  throw new Error(`expected an ${code} error`);
}

/** union sample switch (int kind) { case 1: int i; case 2: hyper h; case 3: string s; case -1: void; } */
const sample = xdrUnion({ 1: xdrInt, 2: xdrHyper, 3: xdrNonnullString, [-1]: xdrVoid }, { name: 'sample' });

describe('XDR unions', () => {
  it('writes the discriminant word, then the int arm', () => {
    const bytes = hex(`
      00000001 # discriminant 1: int arm
      fffffffe # i = -2
    `);
    expect(encodeWith(sample, { tag: 1, value: -2 })).toEqual(bytes);
    expect(decodeWith(sample, bytes)).toEqual({ tag: 1, value: -2 });
  });

  it('writes the hyper arm as 8 bytes after the discriminant', () => {
    const bytes = hex(`
      00000002          # discriminant 2: hyper arm
      00000001 00000000 # h = 2^32
    `);
    expect(encodeWith(sample, { tag: 2, value: 2n ** 32n })).toEqual(bytes);
    expect(decodeWith(sample, bytes)).toEqual({ tag: 2, value: 2n ** 32n });
  });

  it('writes the string arm with its length word and padding', () => {
    const bytes = hex(`
      00000003          # discriminant 3: string arm
      00000003 766461 00 # s = "vda", one byte of padding
    `);
    expect(encodeWith(sample, { tag: 3, value: 'vda' })).toEqual(bytes);
    expect(decodeWith(sample, bytes)).toEqual({ tag: 3, value: 'vda' });
  });

  it('writes a void arm as the discriminant alone, here a negative one', () => {
    const bytes = hex('ffffffff # discriminant -1: void arm');
    expect(encodeWith(sample, { tag: -1, value: undefined })).toEqual(bytes);
    expect(decodeWith(sample, bytes)).toEqual({ tag: -1, value: undefined });
  });

  it('reads an unsigned discriminant as unsigned', () => {
    const codec = xdrUnion({ 0x80000000: xdrInt }, { name: 'high', discriminant: 'uint' });
    const bytes = hex(`
      80000000 # discriminant 2^31, as unsigned int
      00000007 # the int arm
    `);
    expect(decodeWith(codec, bytes)).toEqual({ tag: 0x80000000, value: 7 });
    expect(encodeWith(codec, { tag: 0x80000000, value: 7 })).toEqual(bytes);
  });

  it('rejects an unknown discriminant, naming the union, the value and the arms it has', () => {
    const err = errorOf(() => decodeWith(sample, hex('00000009 00000000')));
    expect(err.message).toMatch(/unknown discriminant 9; sample has arms 1, 2, 3, -1/);
    expect(err.fields).toMatchObject({ union: 'sample', value: 9, expected: [1, 2, 3, -1] });
  });

  it('names the struct field that holds an unknown discriminant', () => {
    const codec = xdrStruct({ id: xdrInt, value: sample });
    const err = errorOf(() => decodeWith(codec, hex('00000005 | 00000004 00000000')));
    expect(err.fields).toMatchObject({ field: 'value', value: 4 });
    expect(err.message).toMatch(/^xdr: value has unknown discriminant 4/);
  });

  it('refuses to write a discriminant that has no arm', () => {
    const value = { tag: 5, value: 0 } as unknown as Parameters<typeof sample.write>[1];
    const err = errorOf(() => encodeWith(sample, value), 'ERR_INVALID_ARG');
    expect(err.message).toMatch(/xdr union sample: discriminant 5 has no arm; use one of 1, 2, 3, -1/);
  });

  it('sends every other discriminant to the default arm and keeps its value', () => {
    const codec = xdrUnion({ 0: xdrVoid }, { name: 'opt', default: xdrUint });
    expect(decodeWith(codec, hex('00000000'))).toEqual({ tag: 0, value: undefined });
    const bytes = hex(`
      0000002a # discriminant 42: no arm of its own
      ffffffff # the default arm, unsigned int
    `);
    expect(decodeWith(codec, bytes)).toEqual({ tag: 42, value: 4294967295 });
    expect(encodeWith(codec, { tag: 42, value: 4294967295 })).toEqual(bytes);
  });

  it('rejects an arm that its discriminant type cannot hold when the codec is built', () => {
    errorOf(() => xdrUnion({ [-1]: xdrVoid }, { name: 'u', discriminant: 'uint' }), 'ERR_INVALID_ARG');
    errorOf(() => xdrUnion({ 0x80000000: xdrVoid }, { name: 'i' }), 'ERR_INVALID_ARG');
  });

  it('describes itself in its shape', () => {
    const codec = xdrUnion({ 1: xdrInt, 7: xdrNonnullString }, { name: 'u', default: xdrVoid });
    expect(codec.shape).toEqual({
      kind: 'union',
      discriminant: 'int',
      arms: [
        [1, { kind: 'int' }],
        [7, { kind: 'string', max: 4194304 }],
      ],
      default: { kind: 'void' },
    });
  });
});

describe('XDR double', () => {
  it('writes IEEE 754 binary64 big-endian', () => {
    expect(encodeWith(xdrDouble, 1.5)).toEqual(hex('3ff80000 00000000'));
    expect(encodeWith(xdrDouble, -0.25)).toEqual(hex('bfd00000 00000000'));
    expect(decodeWith(xdrDouble, hex('3fb99999 9999999a'))).toBe(0.1);
  });

  it('keeps negative zero, infinities and NaN', () => {
    for (const v of [-0, Infinity, -Infinity, NaN, Number.MIN_VALUE, Number.MAX_VALUE]) {
      expect(Object.is(decodeWith(xdrDouble, encodeWith(xdrDouble, v)), v)).toBe(true);
    }
  });
});

/** Every strict prefix of `bytes` fails with a clean ERR_RPC; the whole decodes; a byte more is rejected. */
function expectCleanCuts<T>(codec: Codec<T>, bytes: Buffer, value: T): void {
  for (let cut = 0; cut < bytes.length; cut++) {
    const err = errorOf(() => decodeWith(codec, bytes.subarray(0, cut)));
    expect(err.message, `cut at ${cut}`).toMatch(/truncated|padding/);
  }
  expect(decodeWith(codec, bytes)).toEqual(value);
  errorOf(() => decodeWith(codec, Buffer.concat([bytes, Buffer.from([0])])));
}

describe('XDR unions cut short', () => {
  it.each([
    ['int', { tag: 1, value: 5 }],
    ['hyper', { tag: 2, value: -(2n ** 40n) }],
    ['string', { tag: 3, value: 'naïve vm' }],
    ['void', { tag: -1, value: undefined }],
  ] as const)('fails cleanly at every byte offset of the %s arm', (_, value) => {
    const v = value as Parameters<typeof sample.write>[1];
    expectCleanCuts(sample, encodeWith(sample, v), v);
  });

  it('fails cleanly at every byte offset of a double', () => {
    expectCleanCuts(xdrDouble, hex('3ff80000 00000000'), 1.5);
  });
});

describe('XDR unions fed garbage', () => {
  it('decodes or rejects with ERR_RPC, never another error', () => {
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const codec = xdrStruct({ a: sample, b: sample });
    let rejected = 0;
    for (let i = 0; i < 2_000; i++) {
      const bytes = Buffer.alloc(random() % 40);
      for (let j = 0; j < bytes.length; j++) bytes[j] = random() & 0xff;
      // Small discriminants half the time, so that arms are reached too.
      if (bytes.length >= 4 && i % 2 === 0) bytes.writeInt32BE((random() % 5) - 1, 0);
      try {
        decodeWith(codec, bytes);
      } catch (err) {
        expect(isTsvirtError(err, 'ERR_RPC'), String(err)).toBe(true);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(0);
  });
});
