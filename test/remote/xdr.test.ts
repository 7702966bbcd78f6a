import { describe, expect, it } from 'vitest';
import { XdrReader, XdrWriter } from '../../src/remote/xdr.js';
import {
  decodeWith,
  encodeWith,
  xdrArray,
  xdrCharFixed,
  xdrCharVar,
  xdrHyper,
  xdrInt,
  xdrNonnullString,
  xdrOptString,
  xdrString,
  xdrStruct,
  xdrUhyper,
  xdrUint,
  xdrUuid,
  xdrVarOpaque,
} from '../../src/remote/xdr-codec.js';
import { isTsvirtError, TsvirtError } from '../../src/errors.js';
import { hex } from './hex.js';

function rpcError(fn: () => unknown): TsvirtError {
  try {
    fn();
  } catch (err) {
    if (isTsvirtError(err, 'ERR_RPC')) return err;
    throw err;
  }
  throw new Error('expected an ERR_RPC error');
}

describe('XDR strings', () => {
  it('encodes "test" as a length word and four bytes with no padding', () => {
    expect(encodeWith(xdrNonnullString, 'test')).toEqual(hex('00000004 74657374'));
  });

  it('encodes "foo" with one zero byte of padding', () => {
    expect(encodeWith(xdrNonnullString, 'foo')).toEqual(hex('00000003 666f6f00'));
  });

  it('decodes both fixtures back to the same strings', () => {
    expect(decodeWith(xdrNonnullString, hex('00000004 74657374'))).toBe('test');
    expect(decodeWith(xdrNonnullString, hex('00000003 666f6f00'))).toBe('foo');
  });

  it('counts UTF-8 bytes, not characters', () => {
    expect(encodeWith(xdrNonnullString, 'ü')).toEqual(hex('00000002 c3bc0000'));
  });

  it('rejects a string longer than its declared maximum, naming the limit', () => {
    const err = rpcError(() => decodeWith(xdrString(3), hex('00000004 74657374')));
    expect(err.fields).toMatchObject({ value: 4, expected: '<= 3' });
  });

  it('rejects a length word past REMOTE_STRING_MAX before reading any data', () => {
    const err = rpcError(() => decodeWith(xdrNonnullString, hex('00400001')));
    expect(err.message).toContain('4194304');
  });

  it('reads past non-zero padding, as libvirt does', () => {
    expect(decodeWith(xdrNonnullString, hex('00000003 666f6f01'))).toBe('foo');
  });

  it('rejects a string cut short', () => {
    const err = rpcError(() => decodeWith(xdrNonnullString, hex('00000004 7465')));
    expect(err.message).toContain('truncated');
  });

  it('rejects trailing bytes after a whole value', () => {
    rpcError(() => decodeWith(xdrInt, hex('00000001 00')));
  });
});

describe('XDR optional values', () => {
  it('encodes NULL as 0 and a present string as 1 followed by the string', () => {
    expect(encodeWith(xdrOptString, null)).toEqual(hex('00000000'));
    expect(encodeWith(xdrOptString, 'qemu:///system')).toEqual(
      hex('00000001 0000000e 71656d75 3a2f2f2f 73797374 656d0000'),
    );
  });

  it('takes any non-zero presence flag for present, as libvirt decodes an XDR bool', () => {
    expect(decodeWith(xdrOptString, hex('01000000 00000001 41000000'))).toBe('A');
    expect(decodeWith(xdrOptString, hex('ffffffff 00000000'))).toBe('');
    expect(decodeWith(xdrOptString, hex('00000000'))).toBeNull();
    rpcError(() => decodeWith(xdrOptString, hex('00000002'))); // present, but no string follows
  });

  it('skips the padding of strings and opaques unread, and still writes it as zeros', () => {
    expect(decodeWith(xdrOptString, hex('00000001 00000001 41ffeedd'))).toBe('A');
    expect(encodeWith(xdrOptString, 'A')).toEqual(hex('00000001 00000001 41000000'));
    rpcError(() => decodeWith(xdrOptString, hex('00000001 00000001 41ffee'))); // the padding is still owed
  });
});

describe('XDR numbers', () => {
  it('keeps hypers as bigint, signed and unsigned', () => {
    expect(encodeWith(xdrHyper, -2n)).toEqual(hex('ffffffff fffffffe'));
    expect(decodeWith(xdrUhyper, hex('ffffffff fffffffe'))).toBe(2n ** 64n - 2n);
    expect(decodeWith(xdrHyper, hex('ffffffff fffffffe'))).toBe(-2n);
  });

  it('reads ints signed and uints unsigned', () => {
    expect(decodeWith(xdrInt, hex('ffffffff'))).toBe(-1);
    expect(decodeWith(xdrUint, hex('ffffffff'))).toBe(4294967295);
  });

  it('rejects a truncated hyper', () => {
    rpcError(() => decodeWith(xdrUhyper, hex('00000000 0000')));
  });
});

describe('XDR arrays and opaques', () => {
  it('rejects an array count past its maximum, naming the struct field', () => {
    const codec = xdrStruct({ ids: xdrArray(xdrInt, 2) });
    const err = rpcError(() => decodeWith(codec, hex('00000003 00000001 00000002 00000003')));
    expect(err.fields).toMatchObject({ field: 'ids', value: 3 });
  });

  it('pads a 2-byte opaque to 4 bytes', () => {
    expect(encodeWith(xdrVarOpaque(16), Buffer.from([0xff, 0xff]))).toEqual(hex('00000002 ffff0000'));
  });

  it('writes a uuid as 16 raw bytes and reads it back in canonical form', () => {
    const uuid = '6695eb01-f6a4-8304-79aa-97f2502e193f';
    const bytes = encodeWith(xdrUuid, uuid);
    expect(bytes).toEqual(hex('6695eb01 f6a48304 79aa97f2 502e193f'));
    expect(decodeWith(xdrUuid, bytes)).toBe(uuid);
  });
});

describe('libvirt char arrays', () => {
  it('encodes char model[32] as 32 separate 4-byte units, zero-filled', () => {
    const bytes = encodeWith(xdrCharFixed(32), 'i686');
    expect(bytes.length).toBe(128);
    expect(bytes.subarray(0, 20)).toEqual(hex('00000069 00000036 00000038 00000036 00000000'));
    expect(bytes.subarray(16).every((b) => b === 0)).toBe(true);
    expect(decodeWith(xdrCharFixed(32), bytes)).toBe('i686');
  });

  it('encodes char model<257> with the trailing NUL counted, as libvirtd sends "testSecurity"', () => {
    const bytes = encodeWith(xdrCharVar(257), 'testSecurity');
    expect(bytes.readUInt32BE(0)).toBe(13);
    expect(bytes.length).toBe(4 + 13 * 4);
    expect(bytes.subarray(4, 12)).toEqual(hex('00000074 00000065'));
    expect(bytes.subarray(bytes.length - 4)).toEqual(hex('00000000'));
    expect(decodeWith(xdrCharVar(257), bytes)).toBe('testSecurity');
  });

  it('encodes an empty char array as a zero count', () => {
    expect(encodeWith(xdrCharVar(257), '')).toEqual(hex('00000000'));
  });
});

describe('XdrWriter', () => {
  it('grows past its initial buffer', () => {
    const w = new XdrWriter(4);
    for (let i = 0; i < 100; i++) w.writeUint(i);
    const r = new XdrReader(w.finish());
    for (let i = 0; i < 100; i++) expect(r.readUint()).toBe(i);
    r.expectEnd();
  });
});
