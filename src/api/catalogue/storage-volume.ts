/** Catalogue: storage volumes (listing, lookups, creation, deletion, resizing, info, XML and path). */
import { Limit } from '../../remote/protocol.js';
import {
  xdrArray,
  xdrInt,
  xdrNonnullString,
  xdrStruct,
  xdrUhyper,
  xdrUint,
  xdrVoid,
} from '../../remote/xdr-codec.js';
import {
  remotePool,
  remoteVolume,
  volArgs,
  volFlagsArgs,
  volRet,
  xmlRet,
} from '../../remote/structs-common.js';
import { Procedure as P } from './procedure-numbers.js';
import { bound } from './bind.js';
import { flagsParam, wsRow, xmlParam } from './ws-rows.js';

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

/** Storage volume procedures. */
export const storageVolumeEntries = [
  bound(P.STORAGE_POOL_LIST_ALL_VOLUMES, {
    api: 'virStoragePoolListAllVolumes',
    access: 'read',
    args: listAllVolumesArgs,
    ret: listAllVolumesRet,
    method: 'storagePoolListAllVolumes',
    params: ['pool', 'flags'],
    fixed: { need_results: 1 },
    result: {
      toRet: (vols, { need_results }) => ({ vols: need_results ? vols : [], ret: vols.length }),
      fromRet: (ret) => ret.vols,
    },
    ws: wsRow('pool.listAllVolumes', 'pool', [flagsParam]),
  }),
  bound(P.STORAGE_VOL_LOOKUP_BY_NAME, {
    api: 'virStorageVolLookupByName',
    access: 'read',
    args: volLookupByNameArgs,
    ret: volRet,
    method: 'storageVolLookupByName',
    params: ['pool', 'name'],
    result: 'vol',
    ws: wsRow('volume.lookupByName', 'poolOf', [{ name: 'name', type: 'string' }]),
  }),
  bound(P.STORAGE_VOL_LOOKUP_BY_KEY, {
    api: 'virStorageVolLookupByKey',
    access: 'read',
    args: volLookupByKeyArgs,
    ret: volRet,
    method: 'storageVolLookupByKey',
    params: ['key'],
    result: 'vol',
    ws: wsRow('volume.lookupByKey', 'none', [{ name: 'key', type: 'string' }]),
  }),
  bound(P.STORAGE_VOL_LOOKUP_BY_PATH, {
    api: 'virStorageVolLookupByPath',
    access: 'read',
    args: volLookupByPathArgs,
    ret: volRet,
    method: 'storageVolLookupByPath',
    params: ['path'],
    result: 'vol',
    ws: wsRow('volume.lookupByPath', 'none', [{ name: 'path', type: 'string' }]),
  }),
  bound(P.STORAGE_VOL_CREATE_XML, {
    api: 'virStorageVolCreateXML',
    access: 'write',
    args: volCreateXmlArgs,
    ret: volRet,
    method: 'storageVolCreateXML',
    params: ['pool', 'xml', 'flags'],
    result: 'vol',
    ws: wsRow('volume.createXML', 'poolOf', [xmlParam, flagsParam]),
  }),
  bound(P.STORAGE_VOL_CREATE_XML_FROM, {
    api: 'virStorageVolCreateXMLFrom',
    access: 'write',
    args: volCreateXmlFromArgs,
    ret: volRet,
    method: 'storageVolCreateXMLFrom',
    params: ['pool', 'xml', 'clonevol', 'flags'],
    result: 'vol',
    ws: wsRow('volume.createXMLFrom', 'poolOf', [xmlParam, { name: 'source', type: 'volume' }, flagsParam]),
  }),
  bound(P.STORAGE_VOL_DELETE, {
    api: 'virStorageVolDelete',
    access: 'write',
    args: volFlagsArgs,
    ret: xdrVoid,
    method: 'storageVolDelete',
    params: ['vol', 'flags'],
    result: 'void',
    ws: wsRow('volume.delete', 'volume', [flagsParam]),
  }),
  bound(P.STORAGE_VOL_WIPE, {
    api: 'virStorageVolWipe',
    access: 'write',
    args: volFlagsArgs,
    ret: xdrVoid,
    method: 'storageVolWipe',
    params: ['vol', 'flags'],
    result: 'void',
    ws: wsRow('volume.wipe', 'volume', [flagsParam]),
  }),
  bound(P.STORAGE_VOL_RESIZE, {
    api: 'virStorageVolResize',
    access: 'write',
    args: volResizeArgs,
    ret: xdrVoid,
    method: 'storageVolResize',
    params: ['vol', 'capacity', 'flags'],
    result: 'void',
    ws: wsRow('volume.resize', 'volume', [{ name: 'capacity', type: 'bigint' }, flagsParam]),
  }),
  bound(P.STORAGE_VOL_GET_INFO, {
    api: 'virStorageVolGetInfo',
    access: 'read',
    args: volArgs,
    ret: volGetInfoRet,
    method: 'storageVolGetInfo',
    params: ['vol'],
    result: 'whole',
    ws: wsRow('volume.getInfo', 'volume', [], ['capacity', 'allocation']),
  }),
  bound(P.STORAGE_VOL_GET_XML_DESC, {
    api: 'virStorageVolGetXMLDesc',
    access: 'read',
    args: volFlagsArgs,
    ret: xmlRet,
    method: 'storageVolGetXMLDesc',
    params: ['vol', 'flags'],
    result: 'xml',
    ws: wsRow('volume.getXMLDesc', 'volume', [flagsParam]),
  }),
  bound(P.STORAGE_VOL_GET_PATH, {
    api: 'virStorageVolGetPath',
    access: 'read',
    args: volArgs,
    ret: volGetPathRet,
    method: 'storageVolGetPath',
    params: ['vol'],
    result: 'name',
    ws: wsRow('volume.getPath', 'volume'),
  }),
] as const;
