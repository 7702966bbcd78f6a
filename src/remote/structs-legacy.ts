/**
 * remote_protocol.x structs of the procedures virsh falls back to (the pre-1.0 listing calls) and of the
 * queries that tsvirt answers with fixed values (security label, managed save, snapshots, messages),
 * plus the legacy domain event registration (167/168).
 */
import { Limit, Procedure } from './protocol.js';
import { xdrArray, xdrCharVar, xdrInt, xdrNonnullString, xdrStruct, xdrVoid } from './xdr-codec.js';
import { domArgs, domFlagsArgs, poolArgs, remotePool } from './structs-common.js';

/** { int num } (the *_num_of_* rets). */
export const numRet = xdrStruct({ num: xdrInt });
/** { int maxnames } (the legacy *_list_* args). */
export const maxNamesArgs = xdrStruct({ maxnames: xdrInt });
/** remote_connect_list_domains_args. */
export const listDomainsArgs = xdrStruct({ maxids: xdrInt });
/** remote_connect_list_domains_ret: ids of the running domains. */
export const listDomainsRet = xdrStruct({ ids: xdrArray(xdrInt, Limit.DOMAIN_LIST_MAX) });
/** remote_connect_list_defined_domains_ret. */
export const listDefinedDomainsRet = xdrStruct({
  names: xdrArray(xdrNonnullString, Limit.DOMAIN_LIST_MAX),
});
/** remote_connect_list_(defined_)storage_pools_ret. */
export const listPoolNamesRet = xdrStruct({
  names: xdrArray(xdrNonnullString, Limit.STORAGE_POOL_LIST_MAX),
});
/** remote_storage_pool_list_volumes_args. */
export const poolListVolumesArgs = xdrStruct({ pool: remotePool, maxnames: xdrInt });
/** remote_storage_pool_list_volumes_ret. */
export const poolListVolumesRet = xdrStruct({
  names: xdrArray(xdrNonnullString, Limit.STORAGE_VOL_LIST_MAX),
});
/** remote_domain_get_security_label_ret: char array, one 4-byte unit per char, NUL counted. */
export const domainGetSecurityLabelRet = xdrStruct({
  label: xdrCharVar(Limit.SECURITY_LABEL_MAX),
  enforcing: xdrInt,
});
/** remote_domain_has_managed_save_image_ret. */
export const hasManagedSaveRet = xdrStruct({ result: xdrInt });
/** remote_domain_get_messages_ret. */
export const domainGetMessagesRet = xdrStruct({
  msgs: xdrArray(xdrNonnullString, Limit.DOMAIN_MESSAGES_MAX),
});
/** remote_connect_domain_event_(de)register_any_args (legacy: one registration per event id). */
export const legacyEventArgs = xdrStruct({ eventID: xdrInt });

/** Args and ret codecs of the legacy and fixed-answer procedures. */
export const legacyProcedures = {
  [Procedure.CONNECT_NUM_OF_DOMAINS]: { args: xdrVoid, ret: numRet },
  [Procedure.CONNECT_LIST_DOMAINS]: { args: listDomainsArgs, ret: listDomainsRet },
  [Procedure.CONNECT_NUM_OF_DEFINED_DOMAINS]: { args: xdrVoid, ret: numRet },
  [Procedure.CONNECT_LIST_DEFINED_DOMAINS]: { args: maxNamesArgs, ret: listDefinedDomainsRet },
  [Procedure.CONNECT_NUM_OF_STORAGE_POOLS]: { args: xdrVoid, ret: numRet },
  [Procedure.CONNECT_LIST_STORAGE_POOLS]: { args: maxNamesArgs, ret: listPoolNamesRet },
  [Procedure.CONNECT_NUM_OF_DEFINED_STORAGE_POOLS]: { args: xdrVoid, ret: numRet },
  [Procedure.CONNECT_LIST_DEFINED_STORAGE_POOLS]: { args: maxNamesArgs, ret: listPoolNamesRet },
  [Procedure.STORAGE_POOL_NUM_OF_VOLUMES]: { args: poolArgs, ret: numRet },
  [Procedure.STORAGE_POOL_LIST_VOLUMES]: { args: poolListVolumesArgs, ret: poolListVolumesRet },
  [Procedure.DOMAIN_GET_SECURITY_LABEL]: { args: domArgs, ret: domainGetSecurityLabelRet },
  [Procedure.DOMAIN_HAS_MANAGED_SAVE_IMAGE]: { args: domFlagsArgs, ret: hasManagedSaveRet },
  [Procedure.DOMAIN_SNAPSHOT_NUM]: { args: domFlagsArgs, ret: numRet },
  [Procedure.DOMAIN_GET_MESSAGES]: { args: domFlagsArgs, ret: domainGetMessagesRet },
  [Procedure.CONNECT_DOMAIN_EVENT_REGISTER_ANY]: { args: legacyEventArgs, ret: xdrVoid },
  [Procedure.CONNECT_DOMAIN_EVENT_DEREGISTER_ANY]: { args: legacyEventArgs, ret: xdrVoid },
} as const;
