/** Salvaging a reply header from a packet whose length word is out of range. Pure. */
import type { PacketHeader } from '../packet.js';
import { MIN_PACKET_BYTES, MessageType } from '../protocol.js';

/**
 * The header to answer when the packet at the start of the undecoded bytes (`pendingBytes` at the end
 * of `recent`) carries a bad length but a whole 24-byte header of a CALL; undefined when there is none.
 */
export function framingReplyHeader(recent: Buffer, pendingBytes: number): PacketHeader | undefined {
  if (pendingBytes > recent.length || pendingBytes < MIN_PACKET_BYTES) return undefined;
  const at = recent.length - pendingBytes;
  const type = recent.readInt32BE(at + 16);
  if (type !== MessageType.CALL) return undefined;
  return {
    prog: recent.readUInt32BE(at + 4),
    vers: recent.readUInt32BE(at + 8),
    proc: recent.readInt32BE(at + 12),
    type,
    serial: recent.readUInt32BE(at + 20),
    status: recent.readInt32BE(at + 24),
  };
}
