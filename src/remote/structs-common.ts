/**
 * Shared remote_protocol.x structs: object references, remote_error, and small one-field shapes
 * reused by many procedures. Field names are the wire names unless a comment gives the wire name.
 */
import type { Codec } from './xdr-codec.js';
import {
  xdrInt,
  xdrIntBool,
  xdrNonnullString,
  xdrOptString,
  xdrOptional,
  xdrStruct,
  xdrUint,
  xdrUuid,
} from './xdr-codec.js';
import type { DomainRef, PoolRef, VolumeRef } from '../connection.js';

/** remote_nonnull_domain { string name; remote_uuid uuid; int id }. */
export const remoteDomain: Codec<DomainRef> = xdrStruct({
  name: xdrNonnullString,
  uuid: xdrUuid,
  id: xdrInt,
});

/** remote_domain: an optional remote_nonnull_domain. */
export const remoteOptDomain = xdrOptional(remoteDomain);

/** remote_nonnull_storage_pool { string name; remote_uuid uuid }. */
export const remotePool: Codec<PoolRef> = xdrStruct({ name: xdrNonnullString, uuid: xdrUuid });

/** remote_storage_pool: an optional remote_nonnull_storage_pool. */
export const remoteOptPool = xdrOptional(remotePool);

/** remote_nonnull_storage_vol { string pool; string name; string key }. */
export const remoteVolume: Codec<VolumeRef> = xdrStruct({
  pool: xdrNonnullString,
  name: xdrNonnullString,
  key: xdrNonnullString,
});

/** remote_nonnull_network { string name; remote_uuid uuid } (only inside remote_error). */
export const remoteNetwork = xdrStruct({ name: xdrNonnullString, uuid: xdrUuid });

/** remote_error ≡ virNetMessageError, the body of every reply with status ERROR. */
export const remoteError = xdrStruct({
  code: xdrInt, // virErrorNumber
  domain: xdrInt, // virErrorDomain
  message: xdrOptString,
  level: xdrInt, // 0 none, 1 warning, 2 error
  dom: remoteOptDomain,
  str1: xdrOptString,
  str2: xdrOptString,
  str3: xdrOptString,
  int1: xdrInt,
  int2: xdrInt,
  net: xdrOptional(remoteNetwork),
});
/** A decoded remote_error. */
export type RemoteError = ReturnType<typeof remoteError.read>;

/**
 * VIR_ERROR_MAX_LENGTH (virerror.h): libvirt formats an error's detail into a buffer of this many bytes,
 * so no message it sends is much longer. Ours are cut to it, whatever a client put in them.
 */
export const ERROR_MESSAGE_MAX_BYTES = 1024;

/** Marks a message cut at ERROR_MESSAGE_MAX_BYTES. */
const CUT_MARK = '...';

/** `text` cut to at most ERROR_MESSAGE_MAX_BYTES of UTF-8 (ending in "..."), on a character boundary. */
export function capErrorText(text: string): string {
  // A UTF-16 unit is at most 3 bytes of UTF-8: short strings need no encoding to know they fit.
  if (text.length * 3 <= ERROR_MESSAGE_MAX_BYTES) return text;
  const bytes = Buffer.from(text.slice(0, ERROR_MESSAGE_MAX_BYTES), 'utf8');
  if (bytes.length <= ERROR_MESSAGE_MAX_BYTES && text.length <= ERROR_MESSAGE_MAX_BYTES) return text;
  let end = ERROR_MESSAGE_MAX_BYTES - CUT_MARK.length;
  // Step back over UTF-8 continuation bytes (10xxxxxx) to the start of the character cut in two.
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8') + CUT_MARK;
}

/** `err` with message and str1..str3 capped by capErrorText. */
export function capRemoteError(err: RemoteError): RemoteError {
  const cap = (s: string | null): string | null => (s === null ? null : capErrorText(s));
  return { ...err, message: cap(err.message), str1: cap(err.str1), str2: cap(err.str2), str3: cap(err.str3) };
}

/** Builds a minimal well-formed remote_error, as libvirtd fills one for a plain error; long text is capped. */
export function buildRemoteError(code: number, domain: number, text: string): RemoteError {
  const message = capErrorText(text);
  return {
    code,
    domain,
    message,
    level: 2,
    dom: null,
    str1: '%s',
    str2: message,
    str3: null,
    int1: -1,
    int2: -1,
    net: null,
  };
}

/** { remote_nonnull_domain dom }. */
export const domArgs = xdrStruct({ dom: remoteDomain });
/** { remote_nonnull_domain dom; unsigned int flags }. */
export const domFlagsArgs = xdrStruct({ dom: remoteDomain, flags: xdrUint });
/** { remote_nonnull_storage_pool pool }. */
export const poolArgs = xdrStruct({ pool: remotePool });
/** { remote_nonnull_storage_pool pool; unsigned int flags }. */
export const poolFlagsArgs = xdrStruct({ pool: remotePool, flags: xdrUint });
/** { remote_nonnull_storage_vol vol }. */
export const volArgs = xdrStruct({ vol: remoteVolume });
/** { remote_nonnull_storage_vol vol; unsigned int flags }. */
export const volFlagsArgs = xdrStruct({ vol: remoteVolume, flags: xdrUint });
/** { remote_nonnull_domain dom } as a ret. */
export const domRet = domArgs;
/** { remote_nonnull_storage_pool pool } as a ret. */
export const poolRet = poolArgs;
/** { remote_nonnull_storage_vol vol } as a ret. */
export const volRet = volArgs;
/** { remote_nonnull_string name } (lookups by name). */
export const nameArgs = xdrStruct({ name: xdrNonnullString });
/** { remote_uuid uuid } (lookups by uuid). */
export const uuidArgs = xdrStruct({ uuid: xdrUuid });
/** { remote_nonnull_string xml; unsigned int flags }. */
export const xmlFlagsArgs = xdrStruct({ xml: xdrNonnullString, flags: xdrUint });
/** { remote_nonnull_string xml } as a ret (the *_get_xml_desc rets). */
export const xmlRet = xdrStruct({ xml: xdrNonnullString });
/** { int callbackID } (event deregistration args and registration rets). */
export const callbackIdStruct = xdrStruct({ callbackID: xdrInt });
/** An `int` boolean ret: { int active }. */
export const activeRet = xdrStruct({ active: xdrIntBool });
/** An `int` boolean ret: { int persistent }. */
export const persistentRet = xdrStruct({ persistent: xdrIntBool });
/** An `int` boolean ret: { int autostart }. */
export const autostartRet = xdrStruct({ autostart: xdrIntBool });
