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

/** Builds a minimal well-formed remote_error, as libvirtd fills one for a plain error. */
export function buildRemoteError(code: number, domain: number, message: string): RemoteError {
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
