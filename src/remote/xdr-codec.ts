/**
 * Composable XDR codecs: each one writes and reads one wire type, so one declaration gives both the
 * client's direction (encode args, decode ret) and the server's (decode args, encode ret). Pure.
 */
import { TsvirtError } from '../errors.js';
import { XdrReader, XdrWriter } from './xdr.js';
import { Limit } from './protocol.js';

/** What a codec puts on the wire, for documentation, tests and tools. */
export type CodecShape =
  | { kind: 'void' | 'int' | 'uint' | 'hyper' | 'uhyper' | 'double' | 'intBool' | 'uuid' }
  | { kind: 'string' | 'opaque' | 'charVar' | 'charFixed'; max: number }
  | { kind: 'optional'; of: CodecShape }
  | { kind: 'array'; of: CodecShape; max: number }
  | { kind: 'struct'; fields: [string, CodecShape][] }
  | {
      kind: 'union';
      /** How the discriminant word is read: signed `int` or `unsigned int` (also enums). */
      discriminant: 'int' | 'uint';
      /** Each arm's discriminant value and what follows it, in declaration order. */
      arms: [number, CodecShape][];
      /** The `default:` arm, when the union has one. */
      default?: CodecShape;
    };

/** Both directions of one XDR type. */
export interface Codec<T> {
  write(w: XdrWriter, value: T): void;
  read(r: XdrReader): T;
  readonly shape: CodecShape;
}

/** The TypeScript value type of a codec. */
export type ValueOf<C> = C extends Codec<infer T> ? T : never;

/** Encodes `value` to a standalone buffer. */
export function encodeWith<T>(codec: Codec<T>, value: T): Buffer {
  const w = new XdrWriter();
  codec.write(w, value);
  return w.finish();
}

/** Decodes a whole buffer; trailing bytes are an error. */
export function decodeWith<T>(codec: Codec<T>, buf: Buffer): T {
  const r = new XdrReader(buf);
  const value = codec.read(r);
  r.expectEnd();
  return value;
}

/**
 * Decodes the value at the start of a buffer and ignores any bytes after it, as libvirt's XDR filters
 * do (libvirtd decodes a call's arguments and never looks at what follows them).
 */
export function decodePrefix<T>(codec: Codec<T>, buf: Buffer): T {
  return codec.read(new XdrReader(buf));
}

/** An empty body (void args or ret). */
export const xdrVoid: Codec<void> = {
  write: () => undefined,
  read: () => undefined,
  shape: { kind: 'void' },
};

/** int. */
export const xdrInt: Codec<number> = {
  write: (w, v) => w.writeInt(v),
  read: (r) => r.readInt(),
  shape: { kind: 'int' },
};

/** unsigned int; also libvirt's `unsigned char`, `char` and `unsigned short` scalars (4 bytes each). */
export const xdrUint: Codec<number> = {
  write: (w, v) => w.writeUint(v),
  read: (r) => r.readUint(),
  shape: { kind: 'uint' },
};

/** hyper as bigint. */
export const xdrHyper: Codec<bigint> = {
  write: (w, v) => w.writeHyper(v),
  read: (r) => r.readHyper(),
  shape: { kind: 'hyper' },
};

/** unsigned hyper as bigint. */
export const xdrUhyper: Codec<bigint> = {
  write: (w, v) => w.writeUhyper(v),
  read: (r) => r.readUhyper(),
  shape: { kind: 'uhyper' },
};

/** double: IEEE 754 binary64, big-endian, 8 bytes (RFC 4506 section 4.7). */
export const xdrDouble: Codec<number> = {
  write: (w, v) => {
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleBE(v, 0);
    w.writeFixedOpaque(bytes);
  },
  read: (r) => r.readFixedOpaque(8).readDoubleBE(0),
  shape: { kind: 'double' },
};

/** An `int` that libvirt uses as a boolean (persistent, active, autostart, supported): non-zero is true. */
export const xdrIntBool: Codec<boolean> = {
  write: (w, v) => w.writeInt(v ? 1 : 0),
  read: (r) => r.readInt() !== 0,
  shape: { kind: 'intBool' },
};

/** `string<max>`; remote_nonnull_string when max is REMOTE_STRING_MAX. */
export function xdrString(max: number = Limit.STRING_MAX): Codec<string> {
  return {
    write: (w, v) => w.writeString(v),
    read: (r) => r.readString(max),
    shape: { kind: 'string', max },
  };
}

/** remote_nonnull_string. */
export const xdrNonnullString = xdrString();

/** `opaque<max>`. */
export function xdrVarOpaque(max: number): Codec<Buffer> {
  return {
    write: (w, v) => w.writeVarOpaque(v),
    read: (r) => r.readVarOpaque(max),
    shape: { kind: 'opaque', max },
  };
}

/**
 * `T *`: a 4-byte 0 for NULL, or 1 followed by the value. Read as libvirt's own decoder reads the flag
 * (an XDR bool): any non-zero word means present, as protocol clients outside libvirt's C library send.
 */
export function xdrOptional<T>(inner: Codec<T>): Codec<T | null> {
  return {
    write: (w, v) => {
      w.writeUint(v === null ? 0 : 1);
      if (v !== null) inner.write(w, v);
    },
    read: (r) => {
      return r.readUint() !== 0 ? inner.read(r) : null;
    },
    shape: { kind: 'optional', of: inner.shape },
  };
}

/** remote_string: an optional remote_nonnull_string. */
export const xdrOptString = xdrOptional(xdrNonnullString);

/** `T x<max>`: a count and then each element. */
export function xdrArray<T>(inner: Codec<T>, max: number): Codec<T[]> {
  return {
    write: (w, v) => {
      w.writeUint(v.length);
      for (const item of v) inner.write(w, item);
    },
    read: (r) => {
      const n = r.readCount(max);
      const out: T[] = [];
      for (let i = 0; i < n; i++) out.push(inner.read(r));
      return out;
    },
    shape: { kind: 'array', of: inner.shape, max },
  };
}

/** A byte as C's signed `char`, which is how libvirt writes it into the 4-byte unit. */
function toSignedChar(b: number): number {
  return (b << 24) >> 24;
}

function charsToString(codes: number[]): string {
  const end = codes.indexOf(0);
  const bytes = Buffer.from(end === -1 ? codes : codes.slice(0, end));
  return bytes.toString('utf8');
}

/** `char x[n]`: n separate 4-byte ints, NUL-filled; the string is cut at the first NUL. */
export function xdrCharFixed(n: number): Codec<string> {
  return {
    write: (w, v) => {
      const bytes = Buffer.from(v, 'utf8');
      // At most n-1 bytes, so the C side always finds a NUL.
      const len = Math.min(bytes.length, n - 1);
      for (let i = 0; i < n; i++) w.writeInt(i < len ? toSignedChar(bytes[i] as number) : 0);
    },
    read: (r) => {
      const codes: number[] = [];
      for (let i = 0; i < n; i++) codes.push(r.readInt() & 0xff);
      return charsToString(codes);
    },
    shape: { kind: 'charFixed', max: n },
  };
}

/** `char x<max>`: a count then one 4-byte int per char; libvirtd counts the trailing NUL, and so do we. */
export function xdrCharVar(max: number): Codec<string> {
  return {
    write: (w, v) => {
      if (v === '') return w.writeUint(0);
      const bytes = Buffer.from(v, 'utf8');
      w.writeUint(bytes.length + 1);
      for (const b of bytes) w.writeInt(toSignedChar(b));
      w.writeInt(0);
    },
    read: (r) => {
      const n = r.readCount(max);
      const codes: number[] = [];
      for (let i = 0; i < n; i++) codes.push(r.readInt() & 0xff);
      return charsToString(codes);
    },
    shape: { kind: 'charVar', max },
  };
}

/** remote_uuid (opaque[16]) as the canonical lower-case 36-character text form. */
export const xdrUuid: Codec<string> = {
  write: (w, v) => w.writeFixedOpaque(parseUuid(v)),
  read: (r) => formatUuid(r.readFixedOpaque(16)),
  shape: { kind: 'uuid' },
};

/** Parses a 36- or 32-hex-digit UUID into 16 bytes. */
export function parseUuid(text: string): Buffer {
  const hex = text.replace(/-/g, '');
  // Buffer.from stops at the first non-hex digit, so a short result means bad input (no regex: this
  // runs for every domain of every listing).
  const bytes = Buffer.from(hex, 'hex');
  if (hex.length !== 32 || bytes.length !== 16) {
    throw new TsvirtError('ERR_INVALID_ARG', `uuid '${text}' is not 32 hex digits; give it as 8-4-4-4-12`, {
      field: 'uuid',
      value: text,
      expected: 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx',
    });
  }
  return bytes;
}

/** Formats 16 bytes as a lower-case 8-4-4-4-12 UUID. */
export function formatUuid(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The value type of a struct codec built from `F`. */
export type StructValue<F> = { [K in keyof F]: F[K] extends Codec<infer T> ? T : never };

/** A struct: its fields in declaration order (object key order is the wire order). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Codec is invariant; `any` lets F infer.
export function xdrStruct<F extends Record<string, Codec<any>>>(fields: F): Codec<StructValue<F>> {
  const entries = Object.entries(fields) as [string, Codec<unknown>][];
  return {
    write: (w, v) => {
      for (const [k, c] of entries) c.write(w, (v as Record<string, unknown>)[k]);
    },
    read: (r) => {
      const out: Record<string, unknown> = {};
      for (const [k, c] of entries) {
        r.path.push(k);
        out[k] = c.read(r);
        r.path.pop();
      }
      return out as StructValue<F>;
    },
    shape: { kind: 'struct', fields: entries.map(([k, c]) => [k, c.shape]) },
  };
}

/** The value of a union codec built from arms `A`: the discriminant (`tag`) and that arm's value. */
export type UnionValue<A> = {
  [K in keyof A & number]: { tag: K; value: A[K] extends Codec<infer T> ? T : never };
}[keyof A & number];

/** Options of a union codec. */
export interface UnionOptions<D = never> {
  /** The union's XDR name, for error messages (`remote_typed_param_value`). */
  name: string;
  /** How the discriminant word is read: `int` (the default) or `unsigned int` (also enums). */
  discriminant?: 'int' | 'uint';
  /** The `default:` arm, for every discriminant that has no arm of its own. */
  default?: Codec<D>;
}

/** An unknown discriminant while reading: the union, the value found and the arms it has. */
function unknownArm(r: XdrReader, name: string, tag: number, tags: number[]): TsvirtError {
  const field = r.path.join('.') || undefined;
  return new TsvirtError(
    'ERR_RPC',
    `xdr: ${field ?? name} has unknown discriminant ${tag}; ${name} has arms ${tags.join(', ')} (the peer may be newer than tsvirt)`,
    { field, union: name, value: tag, expected: tags },
  );
}

function checkArmTag(name: string, tag: number, discriminant: 'int' | 'uint'): void {
  const [min, max] = discriminant === 'int' ? [-(2 ** 31), 2 ** 31 - 1] : [0, 2 ** 32 - 1];
  if (!Number.isInteger(tag) || tag < min || tag > max) {
    throw new TsvirtError('ERR_INVALID_ARG', `xdr union ${name}: arm ${tag} is not an ${discriminant}`, {
      field: name,
      value: tag,
      expected: `an integer in [${min}, ${max}]`,
    });
  }
}

/**
 * `union switch (int|unsigned int d) { case N: T x; ... default: U y; }`: the discriminant word, then the
 * chosen arm. `arms` maps each case value to its codec (xdrVoid for `case N: void;`). A discriminant with
 * no arm and no default is an ERR_RPC when reading and an ERR_INVALID_ARG when writing.
 */
export function xdrUnion<A extends Record<number, Codec<any>>>( // eslint-disable-line @typescript-eslint/no-explicit-any -- as xdrStruct
  arms: A,
  options: UnionOptions & { default?: undefined },
): Codec<UnionValue<A>>;
export function xdrUnion<A extends Record<number, Codec<any>>, D>( // eslint-disable-line @typescript-eslint/no-explicit-any -- as xdrStruct
  arms: A,
  options: UnionOptions<D> & { default: Codec<D> },
): Codec<UnionValue<A> | { tag: number; value: D }>;
export function xdrUnion(
  arms: Record<number, Codec<unknown>>,
  options: UnionOptions<unknown>,
): Codec<{ tag: number; value: unknown }> {
  const { name, discriminant = 'int', default: fallback } = options;
  const byTag = new Map<number, Codec<unknown>>();
  for (const [key, codec] of Object.entries(arms)) {
    checkArmTag(name, Number(key), discriminant);
    byTag.set(Number(key), codec);
  }
  const tags = [...byTag.keys()];
  return {
    write: (w, v) => {
      const arm = byTag.get(v.tag) ?? fallback;
      if (!arm) {
        throw new TsvirtError(
          'ERR_INVALID_ARG',
          `xdr union ${name}: discriminant ${v.tag} has no arm; use one of ${tags.join(', ')}`,
          { field: name, value: v.tag, expected: tags },
        );
      }
      if (discriminant === 'int') w.writeInt(v.tag);
      else w.writeUint(v.tag);
      arm.write(w, v.value);
    },
    read: (r) => {
      const tag = discriminant === 'int' ? r.readInt() : r.readUint();
      const arm = byTag.get(tag) ?? fallback;
      if (!arm) throw unknownArm(r, name, tag, tags);
      return { tag, value: arm.read(r) };
    },
    shape: {
      kind: 'union',
      discriminant,
      arms: [...byTag].map(([tag, codec]) => [tag, codec.shape]),
      ...(fallback ? { default: fallback.shape } : {}),
    },
  };
}
