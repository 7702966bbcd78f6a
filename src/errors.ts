/** Stable error codes. Each one names a kind of failure that callers may branch on. */
export type ErrorCode =
  // generic
  | 'ERR_INVALID_ARG' // a caller gave a value of the wrong shape or range
  | 'ERR_INTERNAL' // a fault of tsvirt itself
  | 'ERR_NOT_SUPPORTED' // a feature, element or value tsvirt does not implement
  | 'ERR_IO' // a file could not be read or written
  // child processes (src/exec)
  | 'ERR_COMMAND_FAILED'
  | 'ERR_COMMAND_TIMEOUT'
  | 'ERR_COMMAND_NOT_FOUND'
  // host (src/kvm)
  | 'ERR_KVM_UNAVAILABLE'
  | 'ERR_KVM_IOCTL'
  | 'ERR_QEMU_NOT_FOUND'
  // QMP (src/qmp)
  | 'ERR_QMP_PROTOCOL'
  | 'ERR_QMP_TIMEOUT'
  | 'ERR_QMP_DISCONNECTED'
  | 'ERR_QMP_COMMAND'
  // XML and configuration
  | 'ERR_XML_PARSE'
  | 'ERR_XML_INVALID'
  | 'ERR_CONFIG_FILE'
  // domains (src/domain, src/driver)
  | 'ERR_DOMAIN_NOT_FOUND'
  | 'ERR_DOMAIN_EXISTS'
  | 'ERR_DOMAIN_BUSY'
  | 'ERR_OPERATION_INVALID'
  | 'ERR_OPERATION_FAILED'
  | 'ERR_NO_METADATA' // a domain has no metadata of the kind asked for
  | 'ERR_DEVICE_MISSING' // a device the caller named is not in the definition
  | 'ERR_DOMAIN_DESTROYED' // the domain was destroyed while the operation was in progress
  | 'ERR_SNAPSHOT_NOT_FOUND' // a domain has no snapshot of that name (or no current one, or no parent)
  | 'ERR_ROOT_LOCKED'
  // storage (src/storage)
  | 'ERR_POOL_NOT_FOUND'
  | 'ERR_POOL_EXISTS'
  | 'ERR_VOLUME_NOT_FOUND'
  | 'ERR_VOLUME_EXISTS'
  | 'ERR_VOLUME_IN_USE'
  | 'ERR_NO_SPACE'
  | 'ERR_NO_DEVICE_MAPPER'
  | 'ERR_NETWORK_NOT_FOUND' // no virtual network of that name or uuid
  | 'ERR_NETWORK_EXISTS' // a network of that name, uuid or bridge is already defined
  | 'ERR_NETWORK_CLASH' // the network's subnet or bridge name is already used on the host
  // remote (src/remote)
  | 'ERR_RPC'
  | 'ERR_RPC_FRAMING' // a libvirt packet length word is out of range; the stream cannot be resynchronised
  | 'ERR_RPC_TIMEOUT' // a libvirt RPC call got no reply in time
  | 'ERR_AUTH_FAILED'
  | 'ERR_ACCESS_DENIED'
  | 'ERR_CONNECTION_CLOSED';

/** Structured facts attached to an error: the field, the value, what was expected, and so on. */
export type ErrorFields = Record<string, unknown>;

/** The one base class of every error tsvirt throws: a stable `code`, structured `fields`, and a `cause`. */
export class TsvirtError extends Error {
  readonly code: ErrorCode;
  readonly fields: ErrorFields;

  constructor(code: ErrorCode, message: string, fields: ErrorFields = {}, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TsvirtError';
    this.code = code;
    this.fields = fields;
  }

  /** A plain object for JSON output and logs. */
  toJSON(): { code: ErrorCode; message: string; fields: ErrorFields } {
    return { code: this.code, message: this.message, fields: this.fields };
  }
}

/** Whether `err` is a TsvirtError, optionally of one code. */
export function isTsvirtError(err: unknown, code?: ErrorCode): err is TsvirtError {
  return err instanceof TsvirtError && (code === undefined || err.code === code);
}
