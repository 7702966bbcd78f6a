/**
 * Call bodies with raw bytes in their string fields (invalid UTF-8, control characters), which the
 * codec's string writer cannot produce: a walk over a procedure's args shape that writes XDR itself.
 * Pure.
 */
import { Limit, MIN_PACKET_BYTES } from '../../src/remote/protocol.js';
import { procedureCodecs, type KnownProcedure } from '../../src/remote/structs.js';
import type { CodecShape } from '../../src/remote/xdr-codec.js';

/** Bytes that are not UTF-8 or are control characters: 0xff, overlong NUL, lone continuation, ESC, DEL. */
const HOSTILE_BYTES = Buffer.from([
  0xff, 0xfe, 0xc0, 0x80, 0x80, 0xed, 0xa0, 0x80, 0xf5, 0x00, 0x1b, 0x5b, 0x32, 0x4a, 0x07, 0x7f, 0x0d, 0x0a,
]);

/** `n` bytes of invalid UTF-8 and control characters, starting at `offset` in the pattern. */
export function buildHostileBytes(n: number, offset = 0): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = HOSTILE_BYTES[(i + offset) % HOSTILE_BYTES.length] as number;
  return out;
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function uint(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

function counted(bytes: Buffer): Buffer {
  return Buffer.concat([uint(bytes.length), bytes, Buffer.alloc(pad4(bytes.length))]);
}

/** Number of string fields the raw encoder fills in `shape` (optionals present, arrays empty). */
export function countStrings(shape: CodecShape): number {
  switch (shape.kind) {
    case 'string':
      return 1;
    case 'optional':
      return countStrings(shape.of);
    case 'union':
      return countStrings(shape.arms[0]?.[1] ?? { kind: 'void' });
    case 'struct':
      return shape.fields.reduce((n, [, s]) => n + countStrings(s), 0);
    default:
      return 0;
  }
}

/**
 * Encodes a value of `shape`: every string (optional ones present) holds `fill(i)` for the i-th string
 * field, numbers are 0, uuids are zero, opaques and arrays are empty.
 */
export function encodeRawShape(shape: CodecShape, fill: (i: number) => Buffer): Buffer {
  let next = 0;
  const walk = (s: CodecShape): Buffer[] => {
    switch (s.kind) {
      case 'void':
        return [];
      case 'hyper':
      case 'uhyper':
      case 'double':
        return [Buffer.alloc(8)];
      case 'union': {
        // The first arm, with its discriminant.
        const [tag, arm] = s.arms[0] ?? [0, { kind: 'void' }];
        return [uint(tag), ...walk(arm)];
      }
      case 'uuid':
        return [Buffer.alloc(16)];
      case 'string':
        return [counted(fill(next++))];
      case 'opaque':
      case 'charVar':
      case 'array':
        return [uint(0)];
      case 'charFixed':
        return [Buffer.alloc(s.max + pad4(s.max))];
      case 'optional':
        return [uint(1), ...walk(s.of)];
      case 'struct':
        return s.fields.flatMap(([, f]) => walk(f));
      default:
        return [Buffer.alloc(4)];
    }
  };
  return Buffer.concat(walk(shape));
}

/** The args of `proc` with each string field filled by `fill(i)`. */
export function encodeRawArgs(proc: KnownProcedure, fill: (i: number) => Buffer): Buffer {
  return encodeRawShape(procedureCodecs[proc].args.shape, fill);
}

/** Makes the bytes of the i-th string field, `n` long. */
export type StringFill = (n: number, i: number) => Buffer;

/**
 * The args of `proc` with its strings made by `fill` (hostile bytes by default), sized so that the whole
 * packet is `packetBytes` long (each string also at most REMOTE_STRING_MAX); undefined when `proc` has
 * no string field.
 */
export function encodeArgsAtLimit(
  proc: KnownProcedure,
  packetBytes: number,
  fill: StringFill = buildHostileBytes,
): Buffer | undefined {
  const shape = procedureCodecs[proc].args.shape;
  const strings = countStrings(shape);
  if (strings === 0) return undefined;
  const fixed = encodeRawShape(shape, () => Buffer.alloc(0)).length;
  const room = packetBytes - MIN_PACKET_BYTES - fixed;
  // Each string costs its bytes rounded up to 4; keep every length a multiple of 4 so the sum is exact.
  const each = Math.min(Limit.STRING_MAX, Math.floor(room / strings / 4) * 4);
  return encodeRawShape(shape, (i) => fill(each, i));
}
