/**
 * Hostile libvirt RPC packets from a seeded PRNG: bad lengths, unknown programs and procedures,
 * truncated and bit-flipped XDR, huge string and array counts, wrong serials, types and statuses.
 * Pure: each packet says whether the server owes a reply and whether it leaves the stream unusable.
 */
import { callHeader, encodePacket, type PacketHeader } from '../../src/remote/packet.js';
import { MAX_PACKET_BYTES, MessageType, Procedure, Program } from '../../src/remote/protocol.js';
import { encodeArgs, procedureCodecs, type KnownProcedure } from '../../src/remote/structs.js';
import { encodeWith } from '../../src/remote/xdr-codec.js';
import { zeroValue } from '../remote/server/zero-args.js';

/** One hostile packet. */
export interface HostilePacket {
  kind: string;
  bytes: Buffer;
  /** The serial a reply must carry (a CALL), or undefined when the server may stay silent. */
  replySerial: number | undefined;
  /** The stream is out of step afterwards (bad length, short packet): it must be the last one sent. */
  terminal: boolean;
}

/** The well-formed CONNECT_OPEN that starts a "valid handshake then mutated calls" connection. */
export function buildOpenCall(serial: number): Buffer {
  return encodePacket(
    header(Procedure.CONNECT_OPEN, serial),
    encodeArgs(Procedure.CONNECT_OPEN, { name: 'qemu:///system', flags: 0 }),
  );
}

/** A call that every server state answers (AUTH_LIST needs no open), to prove a connection still works. */
export function buildSentinelCall(serial: number): Buffer {
  return encodePacket(header(Procedure.AUTH_LIST, serial));
}

const KNOWN = Object.keys(procedureCodecs).map(Number) as KnownProcedure[];
/** Procedures whose valid args are worth mutating: every known one but CONNECT_CLOSE (it ends the talk). */
const MUTABLE = KNOWN.filter((p) => p !== Procedure.CONNECT_CLOSE);

function header(proc: number, serial: number, over: Partial<PacketHeader> = {}): PacketHeader {
  return { ...callHeader(proc, serial), ...over };
}

/** Makes hostile packets from one PRNG; serials increase per generator unless a case breaks them. */
export class HostilePacketGenerator {
  private serial = 1000;

  constructor(private readonly rand: () => number) {}

  private int(n: number): number {
    return Math.floor(this.rand() * n);
  }
  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  private bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
  private validArgs(proc: KnownProcedure): Buffer {
    const codec = procedureCodecs[proc];
    return encodeWith(codec.args as never, zeroValue(codec.args.shape) as never);
  }
  private call(kind: string, h: PacketHeader, payload: Buffer): HostilePacket {
    return { kind, bytes: encodePacket(h, payload), replySerial: h.serial, terminal: false };
  }

  /** The next hostile packet. */
  next(): HostilePacket {
    const serial = this.serial++;
    const roll = this.int(100);
    if (roll < 3) return this.badLength(serial);
    if (roll < 5) return this.shortPacket(serial);
    if (roll < 7)
      return { kind: 'garbage', bytes: this.bytes(1 + this.int(48)), replySerial: undefined, terminal: true };
    if (roll < 17)
      return this.call(
        'unknown program',
        header(1, serial, this.programOverride()),
        this.bytes(this.int(16)),
      );
    if (roll < 32)
      return this.call('unknown procedure', header(this.unknownProc(), serial), this.bytes(this.int(32)));
    if (roll < 47) return this.truncated(serial);
    if (roll < 67) return this.flipped(serial);
    if (roll < 75) return this.hugeCount(serial);
    if (roll < 83) return this.wrongSerial();
    if (roll < 89)
      return this.call(
        'bad status',
        header(this.pick(MUTABLE), serial, { status: 1 + this.int(5) }),
        Buffer.alloc(0),
      );
    if (roll < 95) return this.notACall(serial);
    return this.call('valid', header(this.pick(MUTABLE), serial), Buffer.alloc(0));
  }

  private programOverride(): Partial<PacketHeader> {
    const choices: Array<Partial<PacketHeader>> = [
      { prog: this.int(2 ** 32) },
      { prog: Program.REMOTE, vers: 2 + this.int(1000) },
      { prog: Program.KEEPALIVE, vers: Program.KEEPALIVE_VERSION, proc: 1 },
      { prog: 0x11223344 },
    ];
    return this.pick(choices);
  }

  private unknownProc(): number {
    const candidates = [-1 - this.int(1000), 0, 450 + this.int(10_000), 2 ** 31 - 1, -(2 ** 31)];
    return this.pick(candidates);
  }

  /** A length word out of 28..MAX: the server answers if it can, and closes. */
  private badLength(serial: number): HostilePacket {
    const bytes = encodePacket(header(Procedure.CONNECT_GET_TYPE, serial));
    const lengths = [0, 4, 27, MAX_PACKET_BYTES + 1, 0xffffffff, MAX_PACKET_BYTES + 1 + this.int(1000)];
    bytes.writeUInt32BE(this.pick(lengths) >>> 0, 0);
    return { kind: 'bad length', bytes, replySerial: undefined, terminal: true };
  }

  /** A valid length word that promises more bytes than follow: the server must wait, then see our end. */
  private shortPacket(serial: number): HostilePacket {
    const full = encodePacket(header(Procedure.CONNECT_GET_TYPE, serial), this.bytes(64));
    return {
      kind: 'short packet',
      bytes: full.subarray(0, 4 + this.int(full.length - 5)),
      replySerial: undefined,
      terminal: true,
    };
  }

  /** Valid args of a known procedure cut short. */
  private truncated(serial: number): HostilePacket {
    const proc = this.pick(MUTABLE);
    const args = this.validArgs(proc);
    const cut = args.length === 0 ? this.bytes(1 + this.int(7)) : args.subarray(0, this.int(args.length));
    return this.call('truncated xdr', header(proc, serial), cut);
  }

  /** Valid args with bytes flipped, inserted or appended. */
  private flipped(serial: number): HostilePacket {
    const proc = this.pick(MUTABLE);
    const args = Buffer.from(this.validArgs(proc));
    for (let i = 0, n = 1 + this.int(4); i < n && args.length > 0; i++)
      args[this.int(args.length)] = this.int(256);
    const tail = this.int(4) === 0 ? this.bytes(1 + this.int(12)) : Buffer.alloc(0);
    return this.call('mutated xdr', header(proc, serial), Buffer.concat([args, tail]));
  }

  /** A string or array count far beyond what follows (or beyond the protocol's maximum). */
  private hugeCount(serial: number): HostilePacket {
    const proc = this.pick([
      Procedure.CONNECT_OPEN,
      Procedure.DOMAIN_DEFINE_XML,
      Procedure.DOMAIN_LOOKUP_BY_NAME,
      Procedure.STORAGE_POOL_DEFINE_XML,
      Procedure.DOMAIN_PIN_VCPU,
    ]);
    const count = this.pick([0x7fffffff, 0xffffffff, 4194305, 16 * 1024 * 1024, 1 + this.int(4096)]);
    const word = Buffer.alloc(4);
    word.writeUInt32BE(count >>> 0, 0);
    // CONNECT_OPEN's name is optional: a 1 (present) comes before the string.
    const lead = proc === Procedure.CONNECT_OPEN ? Buffer.from([0, 0, 0, 1]) : Buffer.alloc(0);
    return this.call(
      'huge count',
      header(proc, serial),
      Buffer.concat([lead, word, this.bytes(this.int(64))]),
    );
  }

  /** A call whose serial repeats an earlier one or sits at the edges of uint32. */
  private wrongSerial(): HostilePacket {
    const serial = this.pick([0, 0xffffffff, 0x80000000, Math.max(0, this.serial - 1 - this.int(5))]);
    return this.call('wrong serial', header(Procedure.CONNECT_GET_TYPE, serial), Buffer.alloc(0));
  }

  /** REPLY, MESSAGE, STREAM or an undefined type from the client: logged and ignored by the server. */
  private notACall(serial: number): HostilePacket {
    const type = this.pick([
      MessageType.REPLY,
      MessageType.MESSAGE,
      MessageType.STREAM,
      MessageType.REPLY_WITH_FDS,
      6 + this.int(100),
      -1,
    ]);
    const h = header(this.pick(MUTABLE), serial, { type });
    return {
      kind: 'not a call',
      bytes: encodePacket(h, this.bytes(this.int(24))),
      replySerial: undefined,
      terminal: false,
    };
  }
}
