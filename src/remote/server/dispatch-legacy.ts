/** Handlers of the pre-1.0 listing procedures virsh falls back to when the list-all calls fail. */
import { TsvirtError } from '../../errors.js';
import { Limit, Procedure as P } from '../protocol.js';
import type { HandlerTable } from './dispatch-types.js';

/** virConnectListAllDomains flags ACTIVE=1, INACTIVE=2. */
const DOMAINS_ACTIVE = 1;
const DOMAINS_INACTIVE = 2;
/** virConnectListAllStoragePools flags INACTIVE=1, ACTIVE=2 (the opposite order to domains). */
const POOLS_INACTIVE = 1;
const POOLS_ACTIVE = 2;

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
export const legacyHandlers: HandlerTable = {
  [P.CONNECT_NUM_OF_DOMAINS]: async (ctx) => ({
    num: (await ctx.conn.listAllDomains(DOMAINS_ACTIVE)).length,
  }),
  [P.CONNECT_LIST_DOMAINS]: async (ctx, { maxids }) => {
    checkMax(maxids, Limit.DOMAIN_LIST_MAX, 'maxids');
    const doms = await ctx.conn.listAllDomains(DOMAINS_ACTIVE);
    return { ids: doms.slice(0, maxids).map((d) => d.id) };
  },
  [P.CONNECT_NUM_OF_DEFINED_DOMAINS]: async (ctx) => ({
    num: (await ctx.conn.listAllDomains(DOMAINS_INACTIVE)).length,
  }),
  [P.CONNECT_LIST_DEFINED_DOMAINS]: async (ctx, { maxnames }) => {
    checkMax(maxnames, Limit.DOMAIN_LIST_MAX, 'maxnames');
    const doms = await ctx.conn.listAllDomains(DOMAINS_INACTIVE);
    return { names: doms.slice(0, maxnames).map((d) => d.name) };
  },
  [P.CONNECT_NUM_OF_STORAGE_POOLS]: async (ctx) => ({
    num: (await ctx.conn.listAllStoragePools(POOLS_ACTIVE)).length,
  }),
  [P.CONNECT_LIST_STORAGE_POOLS]: async (ctx, { maxnames }) => {
    checkMax(maxnames, Limit.STORAGE_POOL_LIST_MAX, 'maxnames');
    const pools = await ctx.conn.listAllStoragePools(POOLS_ACTIVE);
    return { names: pools.slice(0, maxnames).map((p) => p.name) };
  },
  [P.CONNECT_NUM_OF_DEFINED_STORAGE_POOLS]: async (ctx) => ({
    num: (await ctx.conn.listAllStoragePools(POOLS_INACTIVE)).length,
  }),
  [P.CONNECT_LIST_DEFINED_STORAGE_POOLS]: async (ctx, { maxnames }) => {
    checkMax(maxnames, Limit.STORAGE_POOL_LIST_MAX, 'maxnames');
    const pools = await ctx.conn.listAllStoragePools(POOLS_INACTIVE);
    return { names: pools.slice(0, maxnames).map((p) => p.name) };
  },
  [P.STORAGE_POOL_NUM_OF_VOLUMES]: async (ctx, { pool }) => ({
    num: (await ctx.conn.storagePoolListAllVolumes(pool)).length,
  }),
  [P.STORAGE_POOL_LIST_VOLUMES]: async (ctx, { pool, maxnames }) => {
    checkMax(maxnames, Limit.STORAGE_VOL_LIST_MAX, 'maxnames');
    const vols = await ctx.conn.storagePoolListAllVolumes(pool);
    return { names: vols.slice(0, maxnames).map((v) => v.name) };
  },
};
