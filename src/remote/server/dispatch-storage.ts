/** Handlers of the storage pool and volume procedures: each decodes into one Connection call. */
import { Procedure as P } from '../protocol.js';
import type { HandlerTable } from './dispatch-types.js';

/** Storage pool and volume procedures. */
export const storageHandlers: HandlerTable = {
  [P.CONNECT_LIST_ALL_STORAGE_POOLS]: async (ctx, { need_results, flags }) => {
    const pools = await ctx.conn.listAllStoragePools(flags);
    return { pools: need_results ? pools : [], ret: pools.length };
  },
  [P.STORAGE_POOL_LOOKUP_BY_NAME]: async (ctx, { name }) => ({
    pool: await ctx.conn.lookupStoragePoolByName(name),
  }),
  [P.STORAGE_POOL_LOOKUP_BY_UUID]: async (ctx, { uuid }) => ({
    pool: await ctx.conn.lookupStoragePoolByUUID(uuid),
  }),
  [P.STORAGE_POOL_LOOKUP_BY_VOLUME]: async (ctx, { vol }) => ({
    pool: await ctx.conn.lookupStoragePoolByVolume(vol),
  }),
  [P.STORAGE_POOL_DEFINE_XML]: async (ctx, { xml, flags }) => ({
    pool: await ctx.conn.storagePoolDefineXML(xml, flags),
  }),
  [P.STORAGE_POOL_CREATE_XML]: async (ctx, { xml, flags }) => ({
    pool: await ctx.conn.storagePoolCreateXML(xml, flags),
  }),
  [P.STORAGE_POOL_BUILD]: async (ctx, { pool, flags }) => ctx.conn.storagePoolBuild(pool, flags),
  [P.STORAGE_POOL_CREATE]: async (ctx, { pool, flags }) => ctx.conn.storagePoolCreate(pool, flags),
  [P.STORAGE_POOL_DESTROY]: async (ctx, { pool }) => ctx.conn.storagePoolDestroy(pool),
  [P.STORAGE_POOL_DELETE]: async (ctx, { pool, flags }) => ctx.conn.storagePoolDelete(pool, flags),
  [P.STORAGE_POOL_UNDEFINE]: async (ctx, { pool }) => ctx.conn.storagePoolUndefine(pool),
  [P.STORAGE_POOL_REFRESH]: async (ctx, { pool, flags }) => ctx.conn.storagePoolRefresh(pool, flags),
  [P.STORAGE_POOL_GET_INFO]: async (ctx, { pool }) => ctx.conn.storagePoolGetInfo(pool),
  [P.STORAGE_POOL_GET_XML_DESC]: async (ctx, { pool, flags }) => ({
    xml: await ctx.conn.storagePoolGetXMLDesc(pool, flags),
  }),
  [P.STORAGE_POOL_IS_ACTIVE]: async (ctx, { pool }) => ({ active: await ctx.conn.storagePoolIsActive(pool) }),
  [P.STORAGE_POOL_IS_PERSISTENT]: async (ctx, { pool }) => ({
    persistent: await ctx.conn.storagePoolIsPersistent(pool),
  }),
  [P.STORAGE_POOL_GET_AUTOSTART]: async (ctx, { pool }) => ({
    autostart: await ctx.conn.storagePoolGetAutostart(pool),
  }),
  [P.STORAGE_POOL_SET_AUTOSTART]: async (ctx, { pool, autostart }) =>
    ctx.conn.storagePoolSetAutostart(pool, autostart),
  [P.STORAGE_POOL_LIST_ALL_VOLUMES]: async (ctx, { pool, need_results, flags }) => {
    const vols = await ctx.conn.storagePoolListAllVolumes(pool, flags);
    return { vols: need_results ? vols : [], ret: vols.length };
  },
  [P.STORAGE_VOL_LOOKUP_BY_NAME]: async (ctx, { pool, name }) => ({
    vol: await ctx.conn.storageVolLookupByName(pool, name),
  }),
  [P.STORAGE_VOL_LOOKUP_BY_KEY]: async (ctx, { key }) => ({ vol: await ctx.conn.storageVolLookupByKey(key) }),
  [P.STORAGE_VOL_LOOKUP_BY_PATH]: async (ctx, { path }) => ({
    vol: await ctx.conn.storageVolLookupByPath(path),
  }),
  [P.STORAGE_VOL_CREATE_XML]: async (ctx, { pool, xml, flags }) => ({
    vol: await ctx.conn.storageVolCreateXML(pool, xml, flags),
  }),
  [P.STORAGE_VOL_CREATE_XML_FROM]: async (ctx, { pool, xml, clonevol, flags }) => ({
    vol: await ctx.conn.storageVolCreateXMLFrom(pool, xml, clonevol, flags),
  }),
  [P.STORAGE_VOL_DELETE]: async (ctx, { vol, flags }) => ctx.conn.storageVolDelete(vol, flags),
  [P.STORAGE_VOL_WIPE]: async (ctx, { vol, flags }) => ctx.conn.storageVolWipe(vol, flags),
  [P.STORAGE_VOL_RESIZE]: async (ctx, { vol, capacity, flags }) =>
    ctx.conn.storageVolResize(vol, capacity, flags),
  [P.STORAGE_VOL_GET_INFO]: async (ctx, { vol }) => ctx.conn.storageVolGetInfo(vol),
  [P.STORAGE_VOL_GET_XML_DESC]: async (ctx, { vol, flags }) => ({
    xml: await ctx.conn.storageVolGetXMLDesc(vol, flags),
  }),
  [P.STORAGE_VOL_GET_PATH]: async (ctx, { vol }) => ({ name: await ctx.conn.storageVolGetPath(vol) }),
};
