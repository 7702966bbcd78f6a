/** remote_protocol.x structs of the storage pool and volume procedures, with their procedure table. */
import { Limit, Procedure } from './protocol.js';
import {
  xdrArray,
  xdrInt,
  xdrIntBool,
  xdrNonnullString,
  xdrStruct,
  xdrUhyper,
  xdrUint,
  xdrVoid,
} from './xdr-codec.js';
import {
  activeRet,
  autostartRet,
  callbackIdStruct,
  nameArgs,
  persistentRet,
  poolArgs,
  poolFlagsArgs,
  poolRet,
  remoteOptPool,
  remotePool,
  remoteVolume,
  uuidArgs,
  volArgs,
  volFlagsArgs,
  volRet,
  xmlFlagsArgs,
  xmlRet,
} from './structs-common.js';

/** remote_connect_list_all_storage_pools_args. */
export const listAllPoolsArgs = xdrStruct({ need_results: xdrInt, flags: xdrUint });
/** remote_connect_list_all_storage_pools_ret: `ret` is the count. */
export const listAllPoolsRet = xdrStruct({
  pools: xdrArray(remotePool, Limit.STORAGE_POOL_LIST_MAX),
  ret: xdrUint,
});
/** remote_storage_pool_get_info_ret, with the field names of PoolInfo. */
export const poolGetInfoRet = xdrStruct({
  state: xdrUint, // unsigned char state, 4 bytes on the wire
  capacity: xdrUhyper,
  allocation: xdrUhyper,
  available: xdrUhyper,
});
/** remote_storage_pool_set_autostart_args. */
export const poolSetAutostartArgs = xdrStruct({ pool: remotePool, autostart: xdrIntBool });

/** remote_storage_pool_list_all_volumes_args. */
export const listAllVolumesArgs = xdrStruct({ pool: remotePool, need_results: xdrInt, flags: xdrUint });
/** remote_storage_pool_list_all_volumes_ret: `ret` is the count. */
export const listAllVolumesRet = xdrStruct({
  vols: xdrArray(remoteVolume, Limit.STORAGE_VOL_LIST_MAX),
  ret: xdrUint,
});
/** remote_storage_vol_create_xml_args. */
export const volCreateXmlArgs = xdrStruct({ pool: remotePool, xml: xdrNonnullString, flags: xdrUint });
/** remote_storage_vol_create_xml_from_args: clonevol is the source volume. */
export const volCreateXmlFromArgs = xdrStruct({
  pool: remotePool,
  xml: xdrNonnullString,
  clonevol: remoteVolume,
  flags: xdrUint,
});
/** remote_storage_vol_lookup_by_name_args. */
export const volLookupByNameArgs = xdrStruct({ pool: remotePool, name: xdrNonnullString });
/** remote_storage_vol_lookup_by_key_args. */
export const volLookupByKeyArgs = xdrStruct({ key: xdrNonnullString });
/** remote_storage_vol_lookup_by_path_args. */
export const volLookupByPathArgs = xdrStruct({ path: xdrNonnullString });
/** remote_storage_vol_get_info_ret, with the field names of VolumeInfo. */
export const volGetInfoRet = xdrStruct({
  type: xdrInt, // char type, 4 bytes on the wire
  capacity: xdrUhyper,
  allocation: xdrUhyper,
});
/** remote_storage_vol_get_path_ret: the field is called `name` but holds the path. */
export const volGetPathRet = xdrStruct({ name: xdrNonnullString });
/** remote_storage_vol_resize_args. */
export const volResizeArgs = xdrStruct({ vol: remoteVolume, capacity: xdrUhyper, flags: xdrUint });

/** remote_connect_storage_pool_event_register_any_args: pool NULL means every pool. */
export const poolEventRegisterArgs = xdrStruct({ eventID: xdrInt, pool: remoteOptPool });
/** remote_storage_pool_event_lifecycle_msg. */
export const poolEventLifecycleMsg = xdrStruct({
  callbackID: xdrInt,
  pool: remotePool,
  event: xdrInt,
  detail: xdrInt,
});

/** Args and ret codecs of the storage procedures. */
export const storageProcedures = {
  [Procedure.CONNECT_LIST_ALL_STORAGE_POOLS]: { args: listAllPoolsArgs, ret: listAllPoolsRet },
  [Procedure.STORAGE_POOL_LOOKUP_BY_NAME]: { args: nameArgs, ret: poolRet },
  [Procedure.STORAGE_POOL_LOOKUP_BY_UUID]: { args: uuidArgs, ret: poolRet },
  [Procedure.STORAGE_POOL_LOOKUP_BY_VOLUME]: { args: volArgs, ret: poolRet },
  [Procedure.STORAGE_POOL_DEFINE_XML]: { args: xmlFlagsArgs, ret: poolRet },
  [Procedure.STORAGE_POOL_CREATE_XML]: { args: xmlFlagsArgs, ret: poolRet },
  [Procedure.STORAGE_POOL_BUILD]: { args: poolFlagsArgs, ret: xdrVoid },
  [Procedure.STORAGE_POOL_CREATE]: { args: poolFlagsArgs, ret: xdrVoid },
  [Procedure.STORAGE_POOL_DESTROY]: { args: poolArgs, ret: xdrVoid },
  [Procedure.STORAGE_POOL_DELETE]: { args: poolFlagsArgs, ret: xdrVoid },
  [Procedure.STORAGE_POOL_UNDEFINE]: { args: poolArgs, ret: xdrVoid },
  [Procedure.STORAGE_POOL_REFRESH]: { args: poolFlagsArgs, ret: xdrVoid },
  [Procedure.STORAGE_POOL_GET_INFO]: { args: poolArgs, ret: poolGetInfoRet },
  [Procedure.STORAGE_POOL_GET_XML_DESC]: { args: poolFlagsArgs, ret: xmlRet },
  [Procedure.STORAGE_POOL_IS_ACTIVE]: { args: poolArgs, ret: activeRet },
  [Procedure.STORAGE_POOL_IS_PERSISTENT]: { args: poolArgs, ret: persistentRet },
  [Procedure.STORAGE_POOL_GET_AUTOSTART]: { args: poolArgs, ret: autostartRet },
  [Procedure.STORAGE_POOL_SET_AUTOSTART]: { args: poolSetAutostartArgs, ret: xdrVoid },
  [Procedure.STORAGE_POOL_LIST_ALL_VOLUMES]: { args: listAllVolumesArgs, ret: listAllVolumesRet },
  [Procedure.STORAGE_VOL_LOOKUP_BY_NAME]: { args: volLookupByNameArgs, ret: volRet },
  [Procedure.STORAGE_VOL_LOOKUP_BY_KEY]: { args: volLookupByKeyArgs, ret: volRet },
  [Procedure.STORAGE_VOL_LOOKUP_BY_PATH]: { args: volLookupByPathArgs, ret: volRet },
  [Procedure.STORAGE_VOL_CREATE_XML]: { args: volCreateXmlArgs, ret: volRet },
  [Procedure.STORAGE_VOL_CREATE_XML_FROM]: { args: volCreateXmlFromArgs, ret: volRet },
  [Procedure.STORAGE_VOL_DELETE]: { args: volFlagsArgs, ret: xdrVoid },
  [Procedure.STORAGE_VOL_WIPE]: { args: volFlagsArgs, ret: xdrVoid },
  [Procedure.STORAGE_VOL_RESIZE]: { args: volResizeArgs, ret: xdrVoid },
  [Procedure.STORAGE_VOL_GET_INFO]: { args: volArgs, ret: volGetInfoRet },
  [Procedure.STORAGE_VOL_GET_XML_DESC]: { args: volFlagsArgs, ret: xmlRet },
  [Procedure.STORAGE_VOL_GET_PATH]: { args: volArgs, ret: volGetPathRet },
  [Procedure.CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY]: { args: poolEventRegisterArgs, ret: callbackIdStruct },
  [Procedure.CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY]: { args: callbackIdStruct, ret: xdrVoid },
} as const;
