/**
 * Catalogue: the pre-1.0 listing procedures virsh falls back to when the list-all calls fail. Each is
 * answered from one list-all call; none has a Connection method of its own.
 */
import { ListFlags } from '../domain-enums.js';
import { ListPoolsFlags } from '../storage-enums.js';
import { ListNetworksFlags } from '../network-enums.js';
import type { Connection } from '../../connection.js';
import { TsvirtError } from '../../errors.js';
import { Limit } from '../../remote/protocol.js';
import {
  xdrArray,
  xdrInt,
  xdrNonnullString,
  xdrStruct,
  xdrVoid,
  type Codec,
} from '../../remote/xdr-codec.js';
import { poolArgs, remotePool } from '../../remote/structs-common.js';
import { Procedure as P } from './procedure-numbers.js';
import { served } from './bind.js';
import type { Entry } from './entry.js';

/** REMOTE_NETWORK_LIST_MAX. */
const NETWORK_NAMES_MAX = 16384;

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
/** remote_connect_list_(defined_)networks_ret (REMOTE_NETWORK_LIST_MAX). */
export const listNetworkNamesRet = xdrStruct({ names: xdrArray(xdrNonnullString, NETWORK_NAMES_MAX) });
/** remote_storage_pool_list_volumes_args. */
export const poolListVolumesArgs = xdrStruct({ pool: remotePool, maxnames: xdrInt });
/** remote_storage_pool_list_volumes_ret. */
export const poolListVolumesRet = xdrStruct({
  names: xdrArray(xdrNonnullString, Limit.STORAGE_VOL_LIST_MAX),
});

/** libvirtd refuses a `max` over the list limit before it calls the driver. */
function checkMax(value: number, limit: number, field: string): void {
  if (value >= 0 && value <= limit) return;
  throw new TsvirtError('ERR_INVALID_ARG', `${field} ${value} is outside 0..${limit}`, {
    field,
    value,
    expected: `0..${limit}`,
  });
}

/** A NUM_OF_* procedure: how many items the list-all call `list` gives. */
function countEntry<const N extends number, A>(
  proc: N,
  api: string,
  args: Codec<A>,
  list: (conn: Connection, args: A) => Promise<readonly unknown[]>,
): Entry<N, A, { num: number }> {
  return served(proc, {
    api,
    access: 'read',
    args,
    ret: numRet,
    serve: async (ctx, a) => ({ num: (await list(ctx.conn, a)).length }),
  });
}

/** A LIST_* procedure of names: the first `maxnames` items of the list-all call `list`. */
export function namesEntry<const N extends number, A extends { maxnames: number }>(
  proc: N,
  api: string,
  args: Codec<A>,
  ret: Codec<{ names: string[] }>,
  limit: number,
  list: (conn: Connection, args: A) => Promise<readonly { name: string }[]>,
): Entry<N, A, { names: string[] }> {
  return served(proc, {
    api,
    access: 'read',
    args,
    ret,
    serve: async (ctx, a) => {
      checkMax(a.maxnames, limit, 'maxnames');
      return { names: (await list(ctx.conn, a)).slice(0, a.maxnames).map((item) => item.name) };
    },
  });
}

/** Legacy listing procedures. */
export const legacyEntries = [
  countEntry(P.CONNECT_NUM_OF_DOMAINS, 'virConnectNumOfDomains', xdrVoid, (c) =>
    c.listAllDomains(ListFlags.ACTIVE),
  ),
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
  countEntry(P.CONNECT_NUM_OF_DEFINED_DOMAINS, 'virConnectNumOfDefinedDomains', xdrVoid, (c) =>
    c.listAllDomains(ListFlags.INACTIVE),
  ),
  namesEntry(
    P.CONNECT_LIST_DEFINED_DOMAINS,
    'virConnectListDefinedDomains',
    maxNamesArgs,
    listDefinedDomainsRet,
    Limit.DOMAIN_LIST_MAX,
    (c) => c.listAllDomains(ListFlags.INACTIVE),
  ),
  countEntry(P.CONNECT_NUM_OF_STORAGE_POOLS, 'virConnectNumOfStoragePools', xdrVoid, (c) =>
    c.listAllStoragePools(ListPoolsFlags.ACTIVE),
  ),
  namesEntry(
    P.CONNECT_LIST_STORAGE_POOLS,
    'virConnectListStoragePools',
    maxNamesArgs,
    listPoolNamesRet,
    Limit.STORAGE_POOL_LIST_MAX,
    (c) => c.listAllStoragePools(ListPoolsFlags.ACTIVE),
  ),
  countEntry(P.CONNECT_NUM_OF_DEFINED_STORAGE_POOLS, 'virConnectNumOfDefinedStoragePools', xdrVoid, (c) =>
    c.listAllStoragePools(ListPoolsFlags.INACTIVE),
  ),
  namesEntry(
    P.CONNECT_LIST_DEFINED_STORAGE_POOLS,
    'virConnectListDefinedStoragePools',
    maxNamesArgs,
    listPoolNamesRet,
    Limit.STORAGE_POOL_LIST_MAX,
    (c) => c.listAllStoragePools(ListPoolsFlags.INACTIVE),
  ),
  // virt-manager decides from virConnectListNetworks whether a connection has virtual networks.
  countEntry(P.CONNECT_NUM_OF_NETWORKS, 'virConnectNumOfNetworks', xdrVoid, (c) =>
    c.listAllNetworks(ListNetworksFlags.ACTIVE),
  ),
  namesEntry(
    P.CONNECT_LIST_NETWORKS,
    'virConnectListNetworks',
    maxNamesArgs,
    listNetworkNamesRet,
    NETWORK_NAMES_MAX,
    (c) => c.listAllNetworks(ListNetworksFlags.ACTIVE),
  ),
  countEntry(P.CONNECT_NUM_OF_DEFINED_NETWORKS, 'virConnectNumOfDefinedNetworks', xdrVoid, (c) =>
    c.listAllNetworks(ListNetworksFlags.INACTIVE),
  ),
  namesEntry(
    P.CONNECT_LIST_DEFINED_NETWORKS,
    'virConnectListDefinedNetworks',
    maxNamesArgs,
    listNetworkNamesRet,
    NETWORK_NAMES_MAX,
    (c) => c.listAllNetworks(ListNetworksFlags.INACTIVE),
  ),
  countEntry(P.STORAGE_POOL_NUM_OF_VOLUMES, 'virStoragePoolNumOfVolumes', poolArgs, (c, { pool }) =>
    c.storagePoolListAllVolumes(pool),
  ),
  namesEntry(
    P.STORAGE_POOL_LIST_VOLUMES,
    'virStoragePoolListVolumes',
    poolListVolumesArgs,
    poolListVolumesRet,
    Limit.STORAGE_VOL_LIST_MAX,
    (c, { pool }) => c.storagePoolListAllVolumes(pool),
  ),
] as const;
