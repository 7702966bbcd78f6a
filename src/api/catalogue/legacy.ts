/**
 * Catalogue: the pre-1.0 listing procedures virsh falls back to when the list-all calls fail. Each is
 * answered from one list-all call; none has a Connection method of its own.
 */
import { ListFlags } from '../domain-enums.js';
import { ListPoolsFlags } from '../storage-enums.js';
import { TsvirtError } from '../../errors.js';
import { Limit } from '../../remote/protocol.js';
import { xdrArray, xdrInt, xdrNonnullString, xdrStruct, xdrVoid } from '../../remote/xdr-codec.js';
import { poolArgs, remotePool } from '../../remote/structs-common.js';
import { Procedure as P } from './procedure-numbers.js';
import { served } from './bind.js';

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

/** virConnectListAllDomains flags ACTIVE=1, INACTIVE=2. */
/** virConnectListAllStoragePools flags INACTIVE=1, ACTIVE=2 (the opposite order to domains). */

/** libvirtd refuses a `max` over the list limit before it calls the driver. */
function checkMax(value: number, limit: number, field: string): void {
  if (value >= 0 && value <= limit) return;
  throw new TsvirtError('ERR_INVALID_ARG', `${field} ${value} is outside 0..${limit}`, {
    field,
    value,
    expected: `0..${limit}`,
  });
}

/** Legacy listing procedures. */
export const legacyEntries = [
  served(P.CONNECT_NUM_OF_DOMAINS, {
    api: 'virConnectNumOfDomains',
    access: 'read',
    args: xdrVoid,
    ret: numRet,
    serve: async (ctx) => ({ num: (await ctx.conn.listAllDomains(ListFlags.ACTIVE)).length }),
  }),
  served(P.CONNECT_LIST_DOMAINS, {
    api: 'virConnectListDomains',
    access: 'read',
    args: listDomainsArgs,
    ret: listDomainsRet,
    serve: async (ctx, { maxids }) => {
      checkMax(maxids, Limit.DOMAIN_LIST_MAX, 'maxids');
      const doms = await ctx.conn.listAllDomains(ListFlags.ACTIVE);
      return { ids: doms.slice(0, maxids).map((d) => d.id) };
    },
  }),
  served(P.CONNECT_NUM_OF_DEFINED_DOMAINS, {
    api: 'virConnectNumOfDefinedDomains',
    access: 'read',
    args: xdrVoid,
    ret: numRet,
    serve: async (ctx) => ({ num: (await ctx.conn.listAllDomains(ListFlags.INACTIVE)).length }),
  }),
  served(P.CONNECT_LIST_DEFINED_DOMAINS, {
    api: 'virConnectListDefinedDomains',
    access: 'read',
    args: maxNamesArgs,
    ret: listDefinedDomainsRet,
    serve: async (ctx, { maxnames }) => {
      checkMax(maxnames, Limit.DOMAIN_LIST_MAX, 'maxnames');
      const doms = await ctx.conn.listAllDomains(ListFlags.INACTIVE);
      return { names: doms.slice(0, maxnames).map((d) => d.name) };
    },
  }),
  served(P.CONNECT_NUM_OF_STORAGE_POOLS, {
    api: 'virConnectNumOfStoragePools',
    access: 'read',
    args: xdrVoid,
    ret: numRet,
    serve: async (ctx) => ({ num: (await ctx.conn.listAllStoragePools(ListPoolsFlags.ACTIVE)).length }),
  }),
  served(P.CONNECT_LIST_STORAGE_POOLS, {
    api: 'virConnectListStoragePools',
    access: 'read',
    args: maxNamesArgs,
    ret: listPoolNamesRet,
    serve: async (ctx, { maxnames }) => {
      checkMax(maxnames, Limit.STORAGE_POOL_LIST_MAX, 'maxnames');
      const pools = await ctx.conn.listAllStoragePools(ListPoolsFlags.ACTIVE);
      return { names: pools.slice(0, maxnames).map((p) => p.name) };
    },
  }),
  served(P.CONNECT_NUM_OF_DEFINED_STORAGE_POOLS, {
    api: 'virConnectNumOfDefinedStoragePools',
    access: 'read',
    args: xdrVoid,
    ret: numRet,
    serve: async (ctx) => ({ num: (await ctx.conn.listAllStoragePools(ListPoolsFlags.INACTIVE)).length }),
  }),
  served(P.CONNECT_LIST_DEFINED_STORAGE_POOLS, {
    api: 'virConnectListDefinedStoragePools',
    access: 'read',
    args: maxNamesArgs,
    ret: listPoolNamesRet,
    serve: async (ctx, { maxnames }) => {
      checkMax(maxnames, Limit.STORAGE_POOL_LIST_MAX, 'maxnames');
      const pools = await ctx.conn.listAllStoragePools(ListPoolsFlags.INACTIVE);
      return { names: pools.slice(0, maxnames).map((p) => p.name) };
    },
  }),
  served(P.STORAGE_POOL_NUM_OF_VOLUMES, {
    api: 'virStoragePoolNumOfVolumes',
    access: 'read',
    args: poolArgs,
    ret: numRet,
    serve: async (ctx, { pool }) => ({ num: (await ctx.conn.storagePoolListAllVolumes(pool)).length }),
  }),
  served(P.STORAGE_POOL_LIST_VOLUMES, {
    api: 'virStoragePoolListVolumes',
    access: 'read',
    args: poolListVolumesArgs,
    ret: poolListVolumesRet,
    serve: async (ctx, { pool, maxnames }) => {
      checkMax(maxnames, Limit.STORAGE_VOL_LIST_MAX, 'maxnames');
      const vols = await ctx.conn.storagePoolListAllVolumes(pool);
      return { names: vols.slice(0, maxnames).map((v) => v.name) };
    },
  }),
] as const;
