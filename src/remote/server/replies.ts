/**
 * The packets the server writes for a call's outcome. Never throws: error text is capped at libvirt's
 * VIR_ERROR_MAX_LENGTH, and a reply that cannot be encoded (a ret over libvirt's 16 MiB packet limit, a
 * string over REMOTE_STRING_MAX) becomes a short RPC error naming the procedure. Pure.
 */
import { encodePacket, type PacketHeader } from '../packet.js';
import { MessageStatus, MessageType } from '../protocol.js';
import { capRemoteError, remoteError, type RemoteError } from '../structs-common.js';
import { encodeWith } from '../xdr-codec.js';
import { rpcError } from './rpc-errors.js';

function errorPacket(header: PacketHeader, type: number, error: RemoteError): Buffer {
  const body = encodeWith(remoteError, capRemoteError(error));
  return encodePacket({ ...header, type, status: MessageStatus.ERROR }, body);
}

function unencodable(header: PacketHeader, what: string, err: unknown): RemoteError {
  const detail = err instanceof Error ? err.message : String(err);
  return rpcError(`the ${what} to procedure ${header.proc} cannot be encoded: ${detail}`);
}

/** A REPLY with status ERROR carrying `error`; `type` is STREAM for a stream's error. */
export function encodeErrorPacket(
  header: PacketHeader,
  error: RemoteError,
  type: number = MessageType.REPLY,
): Buffer {
  try {
    return errorPacket(header, type, error);
  } catch (err) {
    return errorPacket(header, type, unencodable(header, 'error reply', err));
  }
}

/**
 * A REPLY with status OK and `payload`, or an error reply when that packet would break libvirt's limits.
 * With `numFds`, a REPLY_WITH_FDS: the count (uint) comes first in the body, as libvirt's
 * virNetMessageEncodeNumFDs puts it; the descriptors follow the packet, one byte each.
 */
export function encodeOkPacket(header: PacketHeader, payload: Buffer, numFds?: number): Buffer {
  try {
    if (numFds !== undefined) {
      const count = Buffer.alloc(4);
      count.writeUInt32BE(numFds, 0);
      const type = MessageType.REPLY_WITH_FDS;
      return encodePacket({ ...header, type, status: MessageStatus.OK }, Buffer.concat([count, payload]));
    }
    return encodePacket({ ...header, type: MessageType.REPLY, status: MessageStatus.OK }, payload);
  } catch (err) {
    return encodeErrorPacket(header, unencodable(header, 'reply', err));
  }
}
