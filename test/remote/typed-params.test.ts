import { describe, expect, it } from 'vitest';
import { isTsvirtError, TsvirtError, type ErrorCode } from '../../src/errors.js';
import {
  TYPED_PARAM_FIELD_MAX_BYTES,
  TypedParamLimit,
  TypedParamType,
  fromWireTypedParams,
  toWireTypedParams,
  typedParamsFromRecord,
  typedParamsToRecord,
  xdrTypedParam,
  xdrTypedParams,
  type TypedParam,
  type TypedParamSchema,
  type WireTypedParam,
} from '../../src/remote/typed-params.js';
import { decodeWith, encodeWith } from '../../src/remote/xdr-codec.js';
import { hex } from './hex.js';

function errorOf(fn: () => unknown, code: ErrorCode): TsvirtError {
  try {
    fn();
  } catch (err) {
    if (isTsvirtError(err, code)) return err;
    throw err;
  }
  throw new Error(`expected an ${code} error`);
}

/** One fixture per arm of remote_typed_param_value, each as a whole remote_typed_param. */
const ARMS: [string, WireTypedParam, string][] = [
  [
    'INT',
    { field: 'x', value: { tag: 1, value: -5 } },
    `00000001 78000000 # field "x", three bytes of padding
     00000001          # type VIR_TYPED_PARAM_INT
     fffffffb          # i = -5`,
  ],
  [
    'UINT',
    { field: 'vda', value: { tag: 2, value: 4294967295 } },
    `00000003 76646100 # field "vda", one byte of padding
     00000002          # type VIR_TYPED_PARAM_UINT
     ffffffff          # ui = 2^32 - 1`,
  ],
  [
    'LLONG',
    { field: 'downtime', value: { tag: 3, value: -(2n ** 63n) } },
    `00000008 646f776e 74696d65 # field "downtime", no padding
     00000003                   # type VIR_TYPED_PARAM_LLONG
     80000000 00000000          # l = -2^63`,
  ],
  [
    'ULLONG',
    { field: 'bandwidth', value: { tag: 4, value: 2n ** 64n - 1n } },
    `00000009 62616e64 77696474 68000000 # field "bandwidth", three bytes of padding
     00000004                            # type VIR_TYPED_PARAM_ULLONG
     ffffffff ffffffff                   # ul = 2^64 - 1`,
  ],
  [
    'DOUBLE',
    { field: 'cpu.user', value: { tag: 5, value: 1.5 } },
    `00000008 6370752e 75736572 # field "cpu.user"
     00000005                   # type VIR_TYPED_PARAM_DOUBLE
     3ff80000 00000000          # d = 1.5, IEEE 754 big-endian`,
  ],
  [
    'BOOLEAN',
    { field: 'auto_converge', value: { tag: 6, value: 1 } },
    `0000000d 6175746f 5f636f6e 76657267 65000000 # field "auto_converge", three bytes of padding
     00000006                                     # type VIR_TYPED_PARAM_BOOLEAN
     00000001                                     # b = 1 (true)`,
  ],
  [
    'STRING',
    { field: 'block.0.name', value: { tag: 7, value: 'vda' } },
    `0000000c 626c6f63 6b2e302e 6e616d65 # field "block.0.name"
     00000007                            # type VIR_TYPED_PARAM_STRING
     00000003 76646100                   # s = "vda", one byte of padding`,
  ],
];

describe('remote_typed_param on the wire', () => {
  it('numbers the types as virTypedParameterType does', () => {
    expect(TypedParamType).toEqual({
      INT: 1,
      UINT: 2,
      LLONG: 3,
      ULLONG: 4,
      DOUBLE: 5,
      BOOLEAN: 6,
      STRING: 7,
    });
  });

  it.each(ARMS)('encodes and decodes the %s arm', (_, value, fixture) => {
    const bytes = hex(fixture);
    expect(encodeWith(xdrTypedParam, value)).toEqual(bytes);
    expect(decodeWith(xdrTypedParam, bytes)).toEqual(value);
  });

  it.each(ARMS)('fails cleanly when the %s arm is cut at any byte offset', (_, value, fixture) => {
    const bytes = hex(fixture);
    for (let cut = 0; cut < bytes.length; cut++) {
      const err = errorOf(() => decodeWith(xdrTypedParam, bytes.subarray(0, cut)), 'ERR_RPC');
      expect(err.message, `cut at ${cut}`).toMatch(/truncated/);
    }
  });

  it('encodes a list as a count and then each parameter, and reads it back', () => {
    const list = ARMS.map(([, value]) => value);
    const bytes = encodeWith(xdrTypedParams(TypedParamLimit.JOB_STATS_MAX), list);
    expect(bytes.subarray(0, 4)).toEqual(hex('00000007 # seven parameters'));
    expect(bytes.subarray(4)).toEqual(Buffer.concat(ARMS.map(([, , fixture]) => hex(fixture))));
    expect(decodeWith(xdrTypedParams(TypedParamLimit.JOB_STATS_MAX), bytes)).toEqual(list);
    for (let cut = 0; cut < bytes.length; cut++) {
      errorOf(() => decodeWith(xdrTypedParams(64), bytes.subarray(0, cut)), 'ERR_RPC');
    }
  });

  it('rejects a list longer than the procedure allows before reading it', () => {
    const err = errorOf(
      () => decodeWith(xdrTypedParams(TypedParamLimit.INTERFACE_PARAMETERS_MAX), hex('00000011')),
      'ERR_RPC',
    );
    expect(err.fields).toMatchObject({ value: 17, expected: '<= 16' });
  });

  it.each([0, 8, -1])('rejects type %i, naming the union and the field path', (type) => {
    const bytes = Buffer.concat([hex('00000001 78000000 # field "x"'), Buffer.alloc(8)]);
    bytes.writeInt32BE(type, 8);
    const err = errorOf(() => decodeWith(xdrTypedParam, bytes), 'ERR_RPC');
    expect(err.message).toContain(`unknown discriminant ${type}`);
    expect(err.fields).toMatchObject({
      field: 'value',
      union: 'remote_typed_param_value',
      value: type,
      expected: [1, 2, 3, 4, 5, 6, 7],
    });
  });

  it('accepts a 79-byte name and rejects an 80-byte one, which has no room for the NUL', () => {
    const ok: WireTypedParam = { field: 'a'.repeat(79), value: { tag: 1, value: 0 } };
    expect(decodeWith(xdrTypedParam, encodeWith(xdrTypedParam, ok))).toEqual(ok);
    const long: WireTypedParam = { field: 'a'.repeat(80), value: { tag: 1, value: 0 } };
    const written = errorOf(() => encodeWith(xdrTypedParam, long), 'ERR_INVALID_ARG');
    expect(written.message).toMatch(
      /is 80 bytes; libvirt allows at most 79 \(VIR_TYPED_PARAM_FIELD_LENGTH 80/,
    );
    const bytes = Buffer.concat([hex('00000050'), Buffer.alloc(80, 0x61), hex('00000001 00000000')]);
    const read = errorOf(() => decodeWith(xdrTypedParam, bytes), 'ERR_RPC');
    expect(read.fields).toMatchObject({ field: 'field', value: 80, expected: '<= 79 bytes' });
  });

  it('counts a name in UTF-8 bytes', () => {
    const name = 'é'.repeat(40); // 80 bytes
    expect(TYPED_PARAM_FIELD_MAX_BYTES).toBe(79);
    errorOf(() => toWireTypedParams([{ name, type: 'int', value: 1 }]), 'ERR_INVALID_ARG');
  });

  it('decodes garbage or rejects it with ERR_RPC, never another error', () => {
    let seed = 99;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const codec = xdrTypedParams(64);
    for (let i = 0; i < 2_000; i++) {
      const bytes = Buffer.alloc(random() % 48);
      for (let j = 0; j < bytes.length; j++) bytes[j] = random() & 0xff;
      // Plausible counts, name lengths and types, so that decoding gets past the first words.
      if (bytes.length >= 16 && i % 2 === 0) {
        bytes.writeUInt32BE(1, 0);
        bytes.writeUInt32BE(4, 4);
        bytes.writeInt32BE(random() % 9, 12);
      }
      try {
        decodeWith(codec, bytes);
      } catch (err) {
        expect(isTsvirtError(err, 'ERR_RPC'), String(err)).toBe(true);
      }
    }
  });
});

const FRIENDLY: TypedParam[] = [
  { name: 'x', type: 'int', value: -5 },
  { name: 'vda', type: 'uint', value: 4294967295 },
  { name: 'downtime', type: 'llong', value: -(2n ** 63n) },
  { name: 'bandwidth', type: 'ullong', value: 2n ** 64n - 1n },
  { name: 'cpu.user', type: 'double', value: 1.5 },
  { name: 'auto_converge', type: 'boolean', value: true },
  { name: 'block.0.name', type: 'string', value: 'vda' },
];

describe('typed parameters in friendly form', () => {
  it('turns each type into its wire arm and back', () => {
    const wire = toWireTypedParams(FRIENDLY);
    expect(wire).toEqual(ARMS.map(([, value]) => value));
    expect(fromWireTypedParams(wire)).toEqual(FRIENDLY);
    const bytes = encodeWith(xdrTypedParams(64), wire);
    expect(fromWireTypedParams(decodeWith(xdrTypedParams(64), bytes))).toEqual(FRIENDLY);
  });

  it('reads any non-zero BOOLEAN as true, as libvirt does, and writes 0 or 1', () => {
    const wire: WireTypedParam[] = [
      { field: 'a', value: { tag: 6, value: 2 } },
      { field: 'b', value: { tag: 6, value: 0 } },
    ];
    expect(fromWireTypedParams(wire).map((p) => p.value)).toEqual([true, false]);
    expect(toWireTypedParams([{ name: 'b', type: 'boolean', value: false }])).toEqual([wire[1]]);
  });

  it.each([
    ['int', 2 ** 31, /'p' \(int\) cannot hold 2147483648; give an integer in \[-2147483648, 2147483647\]/],
    ['int', 1.5, /cannot hold 1.5/],
    ['int', 5n, /cannot hold 5n/],
    ['uint', -1, /'p' \(uint\) cannot hold -1/],
    ['uint', 2 ** 32, /cannot hold 4294967296/],
    ['llong', 2n ** 63n, /'p' \(llong\) cannot hold 9223372036854775808n/],
    ['ullong', -1n, /'p' \(ullong\) cannot hold -1n/],
    ['ullong', 2 ** 53, /give a bigint or safe integer/],
    ['double', '1', /'p' \(double\) cannot hold "1"; give a number/],
    ['boolean', 1, /'p' \(boolean\) cannot hold 1; give true or false/],
    ['string', 'a\0b', /'p' \(string\) cannot hold "a\\u0000b"/],
    ['string', 5, /cannot hold 5/],
  ])('rejects a %s given %s, naming the parameter and the value', (type, value, message) => {
    const param = { name: 'p', type, value } as TypedParam;
    const err = errorOf(() => toWireTypedParams([param]), 'ERR_INVALID_ARG');
    expect(err.message).toMatch(message);
    expect(err.fields).toMatchObject({ field: 'p', type, value });
  });

  it('takes a safe integer for a hyper and sends it as a bigint', () => {
    const param = { name: 'bandwidth', type: 'ullong', value: 100 } as unknown as TypedParam;
    expect(toWireTypedParams([param])).toEqual([{ field: 'bandwidth', value: { tag: 4, value: 100n } }]);
  });

  it('rejects an unknown type name and an unknown wire tag', () => {
    const param = { name: 'p', type: 'float', value: 1 } as unknown as TypedParam;
    expect(errorOf(() => toWireTypedParams([param]), 'ERR_INVALID_ARG').message).toMatch(
      /give a type of int/,
    );
    const wire = [{ field: 'p', value: { tag: 9, value: 1 } }] as unknown as WireTypedParam[];
    expect(errorOf(() => fromWireTypedParams(wire), 'ERR_INVALID_ARG').message).toMatch(/unknown type 9/);
  });
});

const MIGRATE_SCHEMA: TypedParamSchema = {
  bandwidth: 'ullong',
  downtime: 'ullong',
  auto_converge: 'boolean',
  dname: 'string',
};

describe('typed parameters as a record', () => {
  it('collects a list by name', () => {
    expect(typedParamsToRecord(FRIENDLY)).toEqual({
      x: -5,
      vda: 4294967295,
      downtime: -(2n ** 63n),
      bandwidth: 2n ** 64n - 1n,
      'cpu.user': 1.5,
      auto_converge: true,
      'block.0.name': 'vda',
    });
  });

  it('rejects a name given twice', () => {
    const list: TypedParam[] = [
      { name: 'migrate_disks', type: 'string', value: 'vda' },
      { name: 'migrate_disks', type: 'string', value: 'vdb' },
    ];
    const err = errorOf(() => typedParamsToRecord(list), 'ERR_INVALID_ARG');
    expect(err.message).toBe("typed parameter 'migrate_disks' is given twice; give it once");
  });

  it('checks names and types against a schema', () => {
    const unknown: TypedParam[] = [{ name: 'speed', type: 'ullong', value: 1n }];
    expect(errorOf(() => typedParamsToRecord(unknown, MIGRATE_SCHEMA), 'ERR_INVALID_ARG').message).toBe(
      "typed parameter 'speed' is not supported here; supported: bandwidth, downtime, auto_converge, dname",
    );
    const wrong: TypedParam[] = [{ name: 'bandwidth', type: 'uint', value: 1 }];
    const err = errorOf(() => typedParamsToRecord(wrong, MIGRATE_SCHEMA), 'ERR_INVALID_ARG');
    expect(err.message).toBe("typed parameter 'bandwidth' is a uint; give a ullong");
    expect(typedParamsToRecord([{ name: 'dname', type: 'string', value: 'b' }], MIGRATE_SCHEMA)).toEqual({
      dname: 'b',
    });
  });

  it('builds a list in schema order from a record, typed by the schema, leaving out undefined', () => {
    const list = typedParamsFromRecord(
      { dname: 'vm2', auto_converge: false, bandwidth: 512, downtime: undefined },
      MIGRATE_SCHEMA,
    );
    expect(list).toEqual([
      { name: 'bandwidth', type: 'ullong', value: 512n },
      { name: 'auto_converge', type: 'boolean', value: false },
      { name: 'dname', type: 'string', value: 'vm2' },
    ]);
    expect(typedParamsToRecord(fromWireTypedParams(toWireTypedParams(list)), MIGRATE_SCHEMA)).toEqual({
      bandwidth: 512n,
      auto_converge: false,
      dname: 'vm2',
    });
  });

  it('rejects a record name the schema lacks and a value its type cannot hold', () => {
    errorOf(() => typedParamsFromRecord({ speed: 1n }, MIGRATE_SCHEMA), 'ERR_INVALID_ARG');
    const err = errorOf(() => typedParamsFromRecord({ downtime: -1 }, MIGRATE_SCHEMA), 'ERR_INVALID_ARG');
    expect(err.fields).toMatchObject({ field: 'downtime', value: -1, type: 'ullong' });
  });
});
