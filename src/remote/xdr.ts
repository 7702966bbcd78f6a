/**
 * XDR (RFC 4506) as libvirt's remote protocol uses it: big-endian 4-byte units, 8-byte hypers as bigint,
 * strings and variable opaques padded to a multiple of 4. Pure: no I/O.
 */
import { TsvirtError } from '../errors.js';

/** Bytes of zero padding after `len` bytes of string or opaque data. */
export function padLength(len: number): number {
  return (4 - (len % 4)) % 4;
}

/** Appends XDR units to a growable buffer; `finish()` returns the bytes written. */
export class XdrWriter {
  private buf: Buffer;
  private offset = 0;

  constructor(initialBytes = 256) {
    this.buf = Buffer.alloc(initialBytes);
  }

  private reserve(n: number): void {
    if (this.offset + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.offset + n));
    this.buf.copy(next, 0, 0, this.offset);
    this.buf = next;
  }

  /** XDR int: a signed 32-bit value. */
  writeInt(v: number): void {
    this.reserve(4);
    this.buf.writeInt32BE(v, this.offset);
    this.offset += 4;
  }

  /** XDR unsigned int (also used for enums and the 4-byte char/short scalars of libvirt). */
  writeUint(v: number): void {
    this.reserve(4);
    this.buf.writeUInt32BE(v >>> 0, this.offset);
    this.offset += 4;
  }

  /** XDR hyper: a signed 64-bit value. */
  writeHyper(v: bigint): void {
    this.reserve(8);
    this.buf.writeBigInt64BE(v, this.offset);
    this.offset += 8;
  }

  /** XDR unsigned hyper: an unsigned 64-bit value. */
  writeUhyper(v: bigint): void {
    this.reserve(8);
    this.buf.writeBigUInt64BE(v, this.offset);
    this.offset += 8;
  }

  /** Fixed-length opaque: the bytes and padding, no length word. */
  writeFixedOpaque(bytes: Uint8Array): void {
    const pad = padLength(bytes.length);
    this.reserve(bytes.length + pad);
    this.buf.set(bytes, this.offset);
    this.buf.fill(0, this.offset + bytes.length, this.offset + bytes.length + pad);
    this.offset += bytes.length + pad;
  }

  /** Variable-length opaque: a uint32 length, the bytes, padding. */
  writeVarOpaque(bytes: Uint8Array): void {
    this.writeUint(bytes.length);
    this.writeFixedOpaque(bytes);
  }

  /** XDR string: UTF-8 bytes with a length word and padding, no NUL. */
  writeString(s: string): void {
    this.writeVarOpaque(Buffer.from(s, 'utf8'));
  }

  /** The bytes written so far (a copy, so the writer may be reused). */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.offset));
  }
}

/** Reads XDR units from one buffer, checking every length against its declared maximum. */
export class XdrReader {
  private offset = 0;
  /** Field names of the structs being read, for error messages. */
  readonly path: string[] = [];

  constructor(private readonly buf: Buffer) {}

  /** Bytes not yet read. */
  get remaining(): number {
    return this.buf.length - this.offset;
  }

  private fail(message: string, fields: Record<string, unknown>): never {
    const field = this.path.join('.') || undefined;
    throw new TsvirtError('ERR_RPC', `xdr: ${field ?? 'value'} ${message}`, {
      field,
      offset: this.offset,
      ...fields,
    });
  }

  private take(n: number): number {
    if (this.offset + n > this.buf.length) {
      this.fail(`is truncated: needs ${n} bytes, ${this.remaining} left`, {
        expected: n,
        value: this.remaining,
      });
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  /** XDR int. */
  readInt(): number {
    return this.buf.readInt32BE(this.take(4));
  }

  /** XDR unsigned int. */
  readUint(): number {
    return this.buf.readUInt32BE(this.take(4));
  }

  /** XDR hyper as bigint. */
  readHyper(): bigint {
    return this.buf.readBigInt64BE(this.take(8));
  }

  /** XDR unsigned hyper as bigint. */
  readUhyper(): bigint {
    return this.buf.readBigUInt64BE(this.take(8));
  }

  /** A count word of a variable array, string or opaque, checked against `max`. */
  readCount(max: number): number {
    const n = this.readUint();
    if (n > max) this.fail(`length ${n} exceeds the maximum ${max}`, { value: n, expected: `<= ${max}` });
    return n;
  }

  /**
   * Fixed-length opaque of `len` bytes plus padding. The padding's bytes are skipped unread, as libvirt's
   * decoder skips them: a peer that leaves them unzeroed is still understood.
   */
  readFixedOpaque(len: number): Buffer {
    const at = this.take(len);
    this.take(padLength(len));
    return Buffer.from(this.buf.subarray(at, at + len));
  }

  /** Variable-length opaque of at most `max` bytes. */
  readVarOpaque(max: number): Buffer {
    return this.readFixedOpaque(this.readCount(max));
  }

  /** XDR string of at most `max` bytes, decoded as UTF-8. */
  readString(max: number): string {
    return this.readVarOpaque(max).toString('utf8');
  }

  /** Throws unless every byte has been consumed. */
  expectEnd(): void {
    if (this.remaining !== 0) {
      this.fail(`has ${this.remaining} trailing bytes`, { value: this.remaining, expected: 0 });
    }
  }
}
