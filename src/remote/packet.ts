/**
 * libvirt RPC packet framing: a uint32 length word (counting itself), a 24-byte header, a payload.
 * Pure: PacketDecoder turns arbitrary chunks into whole packets and never touches a socket.
 */
import { TsvirtError } from '../errors.js';
import {
  Limit,
  MAX_PACKET_BYTES,
  MIN_PACKET_BYTES,
  MessageStatus,
  MessageType,
  Program,
} from './protocol.js';

/** virNetMessageHeader. */
export interface PacketHeader {
  prog: number;
  vers: number;
  proc: number;
  type: number;
  serial: number;
  status: number;
}

/** The header of a CALL to REMOTE_PROGRAM (version 1, status OK), as every client request carries. */
export function callHeader(proc: number, serial: number): PacketHeader {
  return {
    prog: Program.REMOTE,
    vers: Program.REMOTE_VERSION,
    proc,
    type: MessageType.CALL,
    serial,
    status: MessageStatus.OK,
  };
}

/** One whole packet: its header and the XDR payload that follows it. */
export interface Packet {
  header: PacketHeader;
  payload: Buffer;
}

/** Builds the bytes of one packet, length word included. */
export function encodePacket(header: PacketHeader, payload: Buffer = Buffer.alloc(0)): Buffer {
  const length = MIN_PACKET_BYTES + payload.length;
  if (length > MAX_PACKET_BYTES) {
    throw new TsvirtError(
      'ERR_RPC',
      `packet for procedure ${header.proc} is ${length} bytes, over libvirt's limit of ${MAX_PACKET_BYTES}`,
      { field: 'length', value: length, expected: `<= ${MAX_PACKET_BYTES}` },
    );
  }
  const out = Buffer.alloc(MIN_PACKET_BYTES);
  out.writeUInt32BE(length, 0);
  out.writeUInt32BE(header.prog >>> 0, 4);
  out.writeUInt32BE(header.vers >>> 0, 8);
  out.writeInt32BE(header.proc, 12);
  out.writeInt32BE(header.type, 16);
  out.writeUInt32BE(header.serial >>> 0, 20);
  out.writeInt32BE(header.status, 24);
  return Buffer.concat([out, payload]);
}

/**
 * Checks one length word; a bad one means the stream is out of step and must be closed. `maxBytes`
 * may be lower than libvirt's limit, with `limitName` saying whose limit it is.
 */
export function checkPacketLength(
  length: number,
  maxBytes: number = MAX_PACKET_BYTES,
  limitName = "libvirt's limit",
): void {
  if (length < MIN_PACKET_BYTES || length > maxBytes) {
    const why =
      length > maxBytes && length <= MAX_PACKET_BYTES
        ? `over ${limitName} of ${maxBytes} bytes`
        : 'so the peer does not speak the libvirt protocol';
    throw new TsvirtError(
      'ERR_RPC_FRAMING',
      `packet length ${length} is outside ${MIN_PACKET_BYTES}..${maxBytes}, ${why}; the connection must be closed`,
      { field: 'length', value: length, expected: `${MIN_PACKET_BYTES}..${maxBytes}` },
    );
  }
}

/** Decodes one whole packet (length word included). */
export function decodePacket(bytes: Buffer): Packet {
  if (bytes.length < MIN_PACKET_BYTES) checkPacketLength(bytes.length);
  const length = bytes.readUInt32BE(0);
  checkPacketLength(length);
  if (length !== bytes.length) {
    throw new TsvirtError(
      'ERR_RPC',
      `packet length word says ${length} bytes but ${bytes.length} were given`,
      {
        field: 'length',
        value: length,
        expected: bytes.length,
      },
    );
  }
  const header: PacketHeader = {
    prog: bytes.readUInt32BE(4),
    vers: bytes.readUInt32BE(8),
    proc: bytes.readInt32BE(12),
    type: bytes.readInt32BE(16),
    serial: bytes.readUInt32BE(20),
    status: bytes.readInt32BE(24),
  };
  return { header, payload: Buffer.from(bytes.subarray(MIN_PACKET_BYTES)) };
}

/** virNetMessageType CALL_WITH_FDS. */
const FDS_CALL_TYPE = 4;
/** VIR_NET_MESSAGE_NUM_FDS_MAX: the most descriptors one message may carry. */
const MAX_FDS_PER_MESSAGE = 32;

/**
 * Reassembles packets from a byte stream split at any point. After a framing error every later push
 * throws the same error, because the stream cannot be resynchronised.
 */
export class PacketDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failure: TsvirtError | undefined;
  private maxBytes: number = MAX_PACKET_BYTES;
  private limitName = "libvirt's limit";
  /** Descriptor bytes still to drop: libvirt sends one byte per descriptor after a CALL_WITH_FDS. */
  private fdBytes = 0;

  /** Bytes held that do not yet form a whole packet. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** The largest length word accepted from now on (at most libvirt's), and whose limit it is. */
  setMaxPacketBytes(maxBytes: number, limitName: string): void {
    this.maxBytes = Math.min(maxBytes, MAX_PACKET_BYTES);
    this.limitName = limitName;
  }

  /** Drops every byte held, so that a closed connection keeps no memory. */
  discard(): void {
    this.chunks = [];
    this.buffered = 0;
  }

  /** Adds a chunk and returns every packet it completes, in order. */
  push(chunk: Buffer): Packet[] {
    if (this.failure) throw this.failure;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: Packet[] = [];
    for (;;) {
      if (this.fdBytes > 0 && this.buffered > 0) {
        const n = Math.min(this.fdBytes, this.buffered);
        this.take(n);
        this.fdBytes -= n;
      }
      if (this.fdBytes > 0 || this.buffered < Limit.LEN_SIZE) return out;
      const length = this.peekLength();
      try {
        checkPacketLength(length, this.maxBytes, this.limitName);
      } catch (err) {
        this.failure = err as TsvirtError;
        throw err;
      }
      if (this.buffered < length) return out;
      const packet = decodePacket(this.take(length));
      // The body of a CALL_WITH_FDS starts with the descriptor count (virNetMessageEncodeNumFDs); the
      // descriptors' bytes follow the packet. Read as plain bytes, the kernel has closed the descriptors.
      if (packet.header.type === FDS_CALL_TYPE && packet.payload.length >= 4) {
        this.fdBytes = Math.min(packet.payload.readUInt32BE(0), MAX_FDS_PER_MESSAGE);
      }
      out.push(packet);
    }
  }

  private peekLength(): number {
    const first = this.chunks[0] as Buffer;
    if (first.length >= Limit.LEN_SIZE) return first.readUInt32BE(0);
    const merged = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [merged];
    return merged.readUInt32BE(0);
  }

  private take(n: number): Buffer {
    const all =
      this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.buffered);
    const packet = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return packet;
  }
}
