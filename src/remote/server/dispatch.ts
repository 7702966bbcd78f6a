/**
 * One CALL from decoded packet to reply body: the open check, the table lookup, the read-only check of
 * mutating procedures, argument decoding, the flag-dependent read-only check, the handler, and return
 * encoding. Pure of sockets: the session writes the result.
 */
import type { Connection } from '../../connection.js';
import type { Packet } from '../packet.js';
import { MessageStatus } from '../protocol.js';
import { decodeArgs, encodeRet, isKnownProcedure, type KnownProcedure } from '../structs.js';
import type { RemoteError } from '../structs-common.js';
import type { ClientContext, Handler } from './dispatch-types.js';
import { PRE_OPEN_PROCEDURES, PROCEDURE_TABLE } from './dispatch-table.js';
import { isDeniedReadOnly, MUTATING_PROCEDURES, readOnlyDeniedError } from './readonly.js';
import { noSupportError, notOpenError, remoteErrorFrom, rpcError } from './rpc-errors.js';

/** The outcome of one call: a ret payload, or an error body; `fatal` asks the session to close after it. */
export type CallResult = { ok: true; payload: Buffer } | { ok: false; error: RemoteError; fatal: boolean };

function fail(error: RemoteError, fatal = false): CallResult {
  return { ok: false, error, fatal };
}

/** The handler of `proc`, or undefined when the server does not implement it. */
function handlerFor(proc: number): Handler<KnownProcedure> | undefined {
  if (!isKnownProcedure(proc)) return undefined;
  return PROCEDURE_TABLE[proc] as Handler<KnownProcedure> | undefined;
}

/** Runs one REMOTE_PROGRAM call for `client`. Never throws. */
export async function runCall(conn: Connection, client: ClientContext, packet: Packet): Promise<CallResult> {
  const { header } = packet;
  if (header.status !== MessageStatus.OK) return fail(rpcError(`Unexpected message status ${header.status}`));
  if (!client.isOpen && !PRE_OPEN_PROCEDURES.has(header.proc)) return fail(notOpenError());
  const handler = handlerFor(header.proc);
  if (!handler) return fail(noSupportError(header.proc));
  const proc = header.proc as KnownProcedure;
  // A read-only client is refused a mutating call before its body is even decoded.
  if (client.readOnly && MUTATING_PROCEDURES.has(proc)) return fail(readOnlyDeniedError(proc));
  let args: unknown;
  try {
    args = decodeArgs(proc, packet.payload);
  } catch (err) {
    // The packet was framed correctly but its body breaks the protocol; libvirtd's peer is broken.
    return fail(rpcError(`Unable to decode message payload: ${(err as Error).message}`), true);
  }
  const flags = (args as { flags?: unknown } | undefined)?.flags;
  if (client.readOnly && isDeniedReadOnly(proc, typeof flags === 'number' ? flags : undefined)) {
    return fail(readOnlyDeniedError(proc));
  }
  try {
    const ret = await handler({ conn, client, header }, args as never);
    return { ok: true, payload: encodeRet(proc, ret as never) };
  } catch (err) {
    return fail(remoteErrorFrom(err));
  }
}
