/**
 * The one table between tsvirt's ErrorCode and libvirt's (virErrorNumber, virErrorDomain), both ways.
 * Outbound (server) uses the first row with a code; inbound (client) the first row with a number.
 */
import { TsvirtError, type ErrorCode } from '../errors.js';
import type { RemoteError } from './structs-common.js';

/** virErrorNumber values tsvirt uses (libvirt's virterror.h). */
export const VirErrorNumber = {
  INTERNAL_ERROR: 1, // internal error
  NO_MEMORY: 2, // out of memory
  NO_SUPPORT: 3, // no support for this function
  INVALID_CONN: 6, // invalid connection object
  INVALID_DOMAIN: 7, // invalid domain object
  INVALID_ARG: 8, // invalid function argument
  OPERATION_FAILED: 9, // a command to the hypervisor failed
  XML_ERROR: 27, // an XML description is not well formed or broken
  DOM_EXIST: 28, // the domain already exists
  OPERATION_DENIED: 29, // forbidden value or operation
  CONF_SYNTAX: 33, // configuration file syntax error
  SYSTEM_ERROR: 38, // system call or library error
  RPC: 39, // RPC protocol error
  NO_DOMAIN: 42, // domain not found
  NO_NETWORK: 43, // network not found
  AUTH_FAILED: 45, // authentication failed
  INVALID_STORAGE_POOL: 46, // invalid storage pool object
  INVALID_STORAGE_VOL: 47, // invalid storage vol object
  NO_STORAGE_POOL: 49, // storage pool not found
  NO_STORAGE_VOL: 50, // storage volume not found
  NO_SECURITY_MODEL: 54, // security model not found
  OPERATION_INVALID: 55, // operation is not applicable at this time
  CONFIG_UNSUPPORTED: 67, // valid but unsupported configuration
  OPERATION_TIMEOUT: 68, // timeout occurred during operation
  ARGUMENT_UNSUPPORTED: 74, // valid but unsupported argument value
  NO_DOMAIN_SNAPSHOT: 72, // domain snapshot not found
  NO_DOMAIN_METADATA: 80, // the metadata is not present
  OPERATION_UNSUPPORTED: 84, // the requested operation is not supported
  RESOURCE_BUSY: 87, // resource is busy
  ACCESS_DENIED: 88, // operation on the object is denied
  STORAGE_VOL_EXIST: 90, // the storage volume already exists
  XML_INVALID_SCHEMA: 92, // XML document does not validate against the schema
  DEVICE_MISSING: 99, // fail to find the desired device
} as const;

/** virErrorDomain values tsvirt uses. */
export const VirErrorDomain = {
  NONE: 0, // no particular subsystem
  XML: 5, // XML parser
  RPC: 7, // RPC layer
  CONF: 9, // configuration file handling
  QEMU: 10, // the QEMU driver
  TEST: 12, // the test driver
  REMOTE: 13, // the remote driver
  NETWORK: 19, // the network driver
  STORAGE: 18, // the storage driver
  DOMAIN: 20, // domain configuration
  AUTH: 46, // authentication
  DOMAIN_SNAPSHOT: 35, // domain snapshots
  ACCESS: 55, // access control
} as const;

interface ErrorMapRow {
  code: ErrorCode;
  number: number;
  domain: number;
}

const N = VirErrorNumber;
const D = VirErrorDomain;

/** The table. Row order matters: see the file comment. */
export const ERROR_MAP: readonly ErrorMapRow[] = [
  { code: 'ERR_INTERNAL', number: N.INTERNAL_ERROR, domain: D.QEMU },
  { code: 'ERR_NOT_SUPPORTED', number: N.NO_SUPPORT, domain: D.QEMU },
  { code: 'ERR_CONNECTION_CLOSED', number: N.INVALID_CONN, domain: D.RPC },
  { code: 'ERR_INVALID_ARG', number: N.INVALID_ARG, domain: D.QEMU },
  { code: 'ERR_OPERATION_FAILED', number: N.OPERATION_FAILED, domain: D.QEMU },
  { code: 'ERR_XML_INVALID', number: N.XML_ERROR, domain: D.DOMAIN },
  { code: 'ERR_XML_PARSE', number: N.XML_ERROR, domain: D.XML },
  { code: 'ERR_DOMAIN_EXISTS', number: N.DOM_EXIST, domain: D.QEMU },
  { code: 'ERR_ACCESS_DENIED', number: N.ACCESS_DENIED, domain: D.ACCESS },
  { code: 'ERR_CONFIG_FILE', number: N.CONF_SYNTAX, domain: D.CONF },
  { code: 'ERR_IO', number: N.SYSTEM_ERROR, domain: D.NONE },
  { code: 'ERR_RPC', number: N.RPC, domain: D.RPC },
  { code: 'ERR_DOMAIN_NOT_FOUND', number: N.NO_DOMAIN, domain: D.QEMU },
  { code: 'ERR_NO_METADATA', number: N.NO_DOMAIN_METADATA, domain: D.DOMAIN },
  { code: 'ERR_SNAPSHOT_NOT_FOUND', number: N.NO_DOMAIN_SNAPSHOT, domain: D.DOMAIN_SNAPSHOT },
  { code: 'ERR_AUTH_FAILED', number: N.AUTH_FAILED, domain: D.AUTH },
  { code: 'ERR_POOL_NOT_FOUND', number: N.NO_STORAGE_POOL, domain: D.STORAGE },
  { code: 'ERR_VOLUME_NOT_FOUND', number: N.NO_STORAGE_VOL, domain: D.STORAGE },
  { code: 'ERR_OPERATION_INVALID', number: N.OPERATION_INVALID, domain: D.QEMU },
  { code: 'ERR_DEVICE_MISSING', number: N.DEVICE_MISSING, domain: D.QEMU },
  { code: 'ERR_DOMAIN_BUSY', number: N.OPERATION_TIMEOUT, domain: D.QEMU },
  { code: 'ERR_VOLUME_EXISTS', number: N.STORAGE_VOL_EXIST, domain: D.STORAGE },
  // Inbound only: further libvirt numbers that fold into one of our codes.
  { code: 'ERR_INTERNAL', number: N.NO_MEMORY, domain: D.NONE },
  { code: 'ERR_INVALID_ARG', number: N.INVALID_DOMAIN, domain: D.NONE },
  { code: 'ERR_INVALID_ARG', number: N.INVALID_STORAGE_POOL, domain: D.STORAGE },
  { code: 'ERR_INVALID_ARG', number: N.INVALID_STORAGE_VOL, domain: D.STORAGE },
  { code: 'ERR_ACCESS_DENIED', number: N.OPERATION_DENIED, domain: D.NONE },
  { code: 'ERR_NOT_SUPPORTED', number: N.NO_SECURITY_MODEL, domain: D.NONE },
  { code: 'ERR_NOT_SUPPORTED', number: N.CONFIG_UNSUPPORTED, domain: D.QEMU },
  { code: 'ERR_NOT_SUPPORTED', number: N.ARGUMENT_UNSUPPORTED, domain: D.QEMU },
  { code: 'ERR_NOT_SUPPORTED', number: N.OPERATION_UNSUPPORTED, domain: D.QEMU },
  { code: 'ERR_DOMAIN_BUSY', number: N.RESOURCE_BUSY, domain: D.QEMU },
  { code: 'ERR_XML_INVALID', number: N.XML_INVALID_SCHEMA, domain: D.DOMAIN },
  // Outbound only: our codes with no libvirt counterpart of their own.
  { code: 'ERR_POOL_EXISTS', number: N.OPERATION_FAILED, domain: D.STORAGE },
  { code: 'ERR_VOLUME_IN_USE', number: N.OPERATION_INVALID, domain: D.STORAGE },
  { code: 'ERR_NO_SPACE', number: N.SYSTEM_ERROR, domain: D.STORAGE },
  { code: 'ERR_NO_DEVICE_MAPPER', number: N.NO_SUPPORT, domain: D.STORAGE },
  { code: 'ERR_ROOT_LOCKED', number: N.RESOURCE_BUSY, domain: D.NONE },
  { code: 'ERR_KVM_UNAVAILABLE', number: N.CONFIG_UNSUPPORTED, domain: D.QEMU },
  { code: 'ERR_KVM_IOCTL', number: N.SYSTEM_ERROR, domain: D.QEMU },
  { code: 'ERR_QEMU_NOT_FOUND', number: N.OPERATION_FAILED, domain: D.QEMU },
  { code: 'ERR_QMP_PROTOCOL', number: N.INTERNAL_ERROR, domain: D.QEMU },
  { code: 'ERR_QMP_TIMEOUT', number: N.OPERATION_TIMEOUT, domain: D.QEMU },
  { code: 'ERR_QMP_DISCONNECTED', number: N.OPERATION_FAILED, domain: D.QEMU },
  { code: 'ERR_DOMAIN_DESTROYED', number: N.OPERATION_FAILED, domain: D.QEMU },
  { code: 'ERR_QMP_COMMAND', number: N.INTERNAL_ERROR, domain: D.QEMU },
  { code: 'ERR_COMMAND_FAILED', number: N.OPERATION_FAILED, domain: D.NONE },
  { code: 'ERR_COMMAND_TIMEOUT', number: N.OPERATION_TIMEOUT, domain: D.NONE },
  { code: 'ERR_COMMAND_NOT_FOUND', number: N.SYSTEM_ERROR, domain: D.NONE },
  { code: 'ERR_RPC_FRAMING', number: N.RPC, domain: D.RPC },
  { code: 'ERR_RPC_TIMEOUT', number: N.RPC, domain: D.RPC },
  { code: 'ERR_NETWORK_NOT_FOUND', number: N.NO_NETWORK, domain: D.NETWORK },
  { code: 'ERR_NETWORK_EXISTS', number: N.OPERATION_FAILED, domain: D.NETWORK },
  { code: 'ERR_NETWORK_CLASH', number: N.INTERNAL_ERROR, domain: D.NETWORK },
];

/** Our code for an inbound virErrorNumber; numbers not in the table become ERR_OPERATION_FAILED. */
export function errorCodeFromLibvirt(number: number): ErrorCode {
  return ERROR_MAP.find((row) => row.number === number)?.code ?? 'ERR_OPERATION_FAILED';
}

/** libvirt's (number, domain) for one of our codes; codes not in the table become INTERNAL_ERROR. */
export function libvirtErrorFor(code: ErrorCode): { number: number; domain: number } {
  const row = ERROR_MAP.find((r) => r.code === code);
  return row ? { number: row.number, domain: row.domain } : { number: N.INTERNAL_ERROR, domain: D.NONE };
}

/** Turns a received remote_error into a TsvirtError that keeps libvirt's numbers and message. */
export function errorFromRemote(err: RemoteError, context: { proc?: number } = {}): TsvirtError {
  const message = err.message ?? `libvirt error ${err.code} (domain ${err.domain}) with no message`;
  return new TsvirtError(errorCodeFromLibvirt(err.code), message, {
    libvirtCode: err.code,
    libvirtDomain: err.domain,
    ...(context.proc === undefined ? {} : { proc: context.proc }),
  });
}
