/**
 * The remote_error bodies the server sends: our TsvirtError mapped through the one error table, and the
 * server-level errors libvirtd sends itself (wrong program, connection not open, unknown procedure).
 */
import { isTsvirtError } from '../../errors.js';
import { libvirtErrorFor, VirErrorDomain, VirErrorNumber } from '../error-map.js';
import { buildRemoteError, type RemoteError } from '../structs-common.js';

/** virErrorNumber VIR_ERR_NO_CONNECT: no driver for the URI given to CONNECT_OPEN. */
const NO_CONNECT = 5;

/** A remote_error for anything a handler threw; non-TsvirtErrors are internal errors. */
export function remoteErrorFrom(err: unknown): RemoteError {
  if (err instanceof RemoteErrorReply) return err.body;
  if (isTsvirtError(err)) {
    const { number, domain } = libvirtErrorFor(err.code);
    return buildRemoteError(number, domain, err.message);
  }
  const message = `internal error: ${err instanceof Error ? err.message : String(err)}`;
  return buildRemoteError(VirErrorNumber.INTERNAL_ERROR, VirErrorDomain.NONE, message);
}

/** libvirtd's answer to a packet for another program or version (39/7). */
export function unknownProgramError(prog: number, vers: number): RemoteError {
  return buildRemoteError(
    VirErrorNumber.RPC,
    VirErrorDomain.RPC,
    `Cannot find program ${prog >>> 0} version ${vers >>> 0}`,
  );
}

/** libvirtd's answer to a call before CONNECT_OPEN, or after a failed second open (1/7). */
export function notOpenError(): RemoteError {
  return buildRemoteError(
    VirErrorNumber.INTERNAL_ERROR,
    VirErrorDomain.RPC,
    'internal error: hypervisor connection not open',
  );
}

/** libvirtd's answer to a second CONNECT_OPEN (1/7). */
export function alreadyOpenError(): RemoteError {
  return buildRemoteError(
    VirErrorNumber.INTERNAL_ERROR,
    VirErrorDomain.RPC,
    'internal error: connection already open',
  );
}

/** A procedure tsvirt does not implement (3, as libvirt drivers report unsupported APIs). */
export function noSupportError(proc: number): RemoteError {
  return buildRemoteError(
    VirErrorNumber.NO_SUPPORT,
    VirErrorDomain.NONE,
    `this function is not supported by the connection driver: remote procedure ${proc} is not implemented by tsvirtd`,
  );
}

/** CONNECT_OPEN with a URI this daemon does not serve. */
export function noConnectError(name: string): RemoteError {
  return buildRemoteError(
    NO_CONNECT,
    VirErrorDomain.NONE,
    `no connection driver available for ${name}; tsvirtd serves qemu:///system and qemu:///session`,
  );
}

/** A malformed packet or payload (39/7); `detail` says what was wrong. */
export function rpcError(detail: string): RemoteError {
  return buildRemoteError(VirErrorNumber.RPC, VirErrorDomain.RPC, detail);
}

/** Thrown by a handler to send exactly this remote_error. */
export class RemoteErrorReply extends Error {
  constructor(readonly body: RemoteError) {
    super(body.message ?? `libvirt error ${body.code}`);
    this.name = 'RemoteErrorReply';
  }
}
