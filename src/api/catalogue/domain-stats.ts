/**
 * Catalogue: domain statistics: bulk stats of many domains (virConnectGetAllDomainStats and
 * virDomainListGetStats share procedure 344), disk and NIC counters, disk sizes and errors, and the
 * scheduler parameters virsh schedinfo shows.
 */
import { Limit } from '../../remote/protocol.js';
import {
  xdrArray,
  xdrHyper,
  xdrInt,
  xdrNonnullString,
  xdrOptString,
  xdrStruct,
  xdrUhyper,
  xdrUint,
  xdrVoid,
} from '../../remote/xdr-codec.js';
import { domArgs, remoteDomain } from '../../remote/structs-common.js';
import {
  TypedParamLimit,
  fromWireTypedParams,
  toWireTypedParams,
  xdrTypedParams,
} from '../../remote/typed-params.js';
import type { DomainInterfaceStats } from '../stats-types.js';
import { Procedure as P } from './procedure-numbers.js';
import { bound, served } from './bind.js';
import { flagsParam, wsRow } from './ws-rows.js';

/** REMOTE_DOMAIN_INTERFACE_MAX and REMOTE_DOMAIN_IP_ADDR_MAX. */
const DOMAIN_INTERFACE_MAX = 2048;
const DOMAIN_IP_ADDR_MAX = 2048;

/** remote_domain_ip_addr. */
export const domainIpAddr = xdrStruct({ type: xdrInt, addr: xdrNonnullString, prefix: xdrUint });
/** remote_domain_interface. */
export const domainInterface = xdrStruct({
  name: xdrNonnullString,
  hwaddr: xdrOptString,
  addrs: xdrArray(domainIpAddr, DOMAIN_IP_ADDR_MAX),
});
/** remote_domain_interface_addresses_args. */
export const domainInterfaceAddressesArgs = xdrStruct({ dom: remoteDomain, source: xdrUint, flags: xdrUint });
/** remote_domain_interface_addresses_ret. */
export const domainInterfaceAddressesRet = xdrStruct({
  ifaces: xdrArray(domainInterface, DOMAIN_INTERFACE_MAX),
});

/** REMOTE_DOMAIN_DISK_ERRORS_MAX. */
const DISK_ERRORS_MAX = 256;
const SCHED_MAX = TypedParamLimit.SCHEDULER_PARAMETERS_MAX;
const BLOCK_STATS_MAX = TypedParamLimit.BLOCK_STATS_PARAMETERS_MAX;

/** remote_connect_get_all_domain_stats_args: no domains asks for all (virConnectGetAllDomainStats). */
export const getAllDomainStatsArgs = xdrStruct({
  doms: xdrArray(remoteDomain, Limit.DOMAIN_LIST_MAX),
  stats: xdrUint,
  flags: xdrUint,
});
/** remote_domain_stats_record. */
export const domainStatsRecord = xdrStruct({
  dom: remoteDomain,
  params: xdrTypedParams(TypedParamLimit.GET_ALL_DOMAIN_STATS_MAX),
});
/** remote_connect_get_all_domain_stats_ret. */
export const getAllDomainStatsRet = xdrStruct({
  retStats: xdrArray(domainStatsRecord, Limit.DOMAIN_LIST_MAX),
});
/** remote_domain_block_stats_args and remote_domain_interface_stats_args (`path` names the device). */
export const domainPathArgs = xdrStruct({ dom: remoteDomain, path: xdrNonnullString });
/** remote_domain_block_stats_ret. */
export const domainBlockStatsRet = xdrStruct({
  rd_req: xdrHyper,
  rd_bytes: xdrHyper,
  wr_req: xdrHyper,
  wr_bytes: xdrHyper,
  errs: xdrHyper,
});
/** remote_domain_block_stats_flags_args. */
export const domainBlockStatsFlagsArgs = xdrStruct({
  dom: remoteDomain,
  path: xdrNonnullString,
  nparams: xdrInt,
  flags: xdrUint,
});
/** remote_domain_block_stats_flags_ret: with nparams 0 only the count. */
export const domainBlockStatsFlagsRet = xdrStruct({
  params: xdrTypedParams(BLOCK_STATS_MAX),
  nparams: xdrInt,
});
/** remote_domain_interface_stats_ret. */
export const domainInterfaceStatsRet = xdrStruct({
  rx_bytes: xdrHyper,
  rx_packets: xdrHyper,
  rx_errs: xdrHyper,
  rx_drop: xdrHyper,
  tx_bytes: xdrHyper,
  tx_packets: xdrHyper,
  tx_errs: xdrHyper,
  tx_drop: xdrHyper,
});
/** remote_domain_get_block_info_args. */
export const domainGetBlockInfoArgs = xdrStruct({
  dom: remoteDomain,
  path: xdrNonnullString,
  flags: xdrUint,
});
/** remote_domain_get_block_info_ret. */
export const domainGetBlockInfoRet = xdrStruct({
  allocation: xdrUhyper,
  capacity: xdrUhyper,
  physical: xdrUhyper,
});
/** remote_domain_get_disk_errors_args. */
export const domainGetDiskErrorsArgs = xdrStruct({ dom: remoteDomain, maxerrors: xdrUint, flags: xdrUint });
/** remote_domain_get_disk_errors_ret: with maxerrors 0, nerrors says how many there are. */
export const domainGetDiskErrorsRet = xdrStruct({
  errors: xdrArray(xdrStruct({ disk: xdrNonnullString, error: xdrInt }), DISK_ERRORS_MAX),
  nerrors: xdrInt,
});
/** remote_domain_get_scheduler_type_ret. */
export const domainGetSchedulerTypeRet = xdrStruct({ type: xdrNonnullString, nparams: xdrInt });
/** remote_domain_get_scheduler_parameters_args. */
export const domainGetSchedulerParametersArgs = xdrStruct({ dom: remoteDomain, nparams: xdrInt });
/** remote_domain_get_scheduler_parameters_flags_args. */
export const domainGetSchedulerParametersFlagsArgs = xdrStruct({
  dom: remoteDomain,
  nparams: xdrInt,
  flags: xdrUint,
});
/** remote_domain_get_scheduler_parameters(_flags)_ret: no count, the list only. */
export const domainGetSchedulerParametersRet = xdrStruct({ params: xdrTypedParams(SCHED_MAX) });
/** remote_domain_set_scheduler_parameters_args. */
export const domainSetSchedulerParametersArgs = xdrStruct({
  dom: remoteDomain,
  params: xdrTypedParams(SCHED_MAX),
});
/** remote_domain_set_scheduler_parameters_flags_args. */
export const domainSetSchedulerParametersFlagsArgs = xdrStruct({
  dom: remoteDomain,
  params: xdrTypedParams(SCHED_MAX),
  flags: xdrUint,
});

/** A list of what the caller has room for; nparams 0 asks only how many there are (libvirt's convention). */
function toCountedRet<T>(list: T[], nparams: number): { params: T[]; nparams: number } {
  if (nparams <= 0) return { params: [], nparams: list.length };
  const params = list.slice(0, nparams);
  return { params, nparams: params.length };
}

const INTERFACE_STATS_KEYS = [
  'rxBytes',
  'rxPackets',
  'rxErrs',
  'rxDrop',
  'txBytes',
  'txPackets',
  'txErrs',
  'txDrop',
];
const pathParam = { name: 'path', type: 'string' } as const;

/** Statistics procedures. */
export const domainStatsEntries = [
  served(P.CONNECT_GET_ALL_DOMAIN_STATS, {
    api: 'virConnectGetAllDomainStats',
    access: 'read',
    args: getAllDomainStatsArgs,
    ret: getAllDomainStatsRet,
    method: 'getAllDomainStats',
    serve: async (ctx, { doms, stats, flags }) => {
      const records = await ctx.conn.getAllDomainStats(stats, flags, doms.length > 0 ? doms : undefined);
      return { retStats: records.map((r) => ({ dom: r.dom, params: toWireTypedParams(r.params) })) };
    },
    client: async (c, stats = 0, flags = 0, doms = []) => {
      const { retStats } = await c.send({ doms, stats, flags });
      return retStats.map((r) => ({ dom: r.dom, params: fromWireTypedParams(r.params) }));
    },
    ws: wsRow(
      'connect.getAllDomainStats',
      'none',
      [{ name: 'stats', type: 'int', optional: true }, flagsParam],
      { typedParams: 'params' },
    ),
  }),
  bound(P.DOMAIN_BLOCK_STATS, {
    api: 'virDomainBlockStats',
    access: 'read',
    args: domainPathArgs,
    ret: domainBlockStatsRet,
    method: 'domainBlockStats',
    params: ['dom', 'path'],
    result: {
      toRet: (s) => ({
        rd_req: s.rdReq,
        rd_bytes: s.rdBytes,
        wr_req: s.wrReq,
        wr_bytes: s.wrBytes,
        errs: s.errs,
      }),
      fromRet: (r) => ({
        rdReq: r.rd_req,
        rdBytes: r.rd_bytes,
        wrReq: r.wr_req,
        wrBytes: r.wr_bytes,
        errs: r.errs,
      }),
    },
    ws: wsRow('domain.blockStats', 'domain', [pathParam], ['rdReq', 'rdBytes', 'wrReq', 'wrBytes', 'errs']),
  }),
  served(P.DOMAIN_BLOCK_STATS_FLAGS, {
    api: 'virDomainBlockStatsFlags',
    access: 'read',
    args: domainBlockStatsFlagsArgs,
    ret: domainBlockStatsFlagsRet,
    method: 'domainBlockStatsFlags',
    serve: async (ctx, { dom, path, nparams, flags }) => {
      const { params, nparams: n } = toCountedRet(
        await ctx.conn.domainBlockStatsFlags(dom, path, flags),
        nparams,
      );
      return { params: toWireTypedParams(params), nparams: n };
    },
    client: async (c, dom, path, flags = 0) => {
      const r = await c.send({ dom, path, nparams: BLOCK_STATS_MAX, flags });
      return fromWireTypedParams(r.params);
    },
    ws: wsRow('domain.blockStatsFlags', 'domain', [pathParam, flagsParam], { typedParams: 'params' }),
  }),
  bound(P.DOMAIN_INTERFACE_STATS, {
    api: 'virDomainInterfaceStats',
    access: 'read',
    args: domainPathArgs,
    ret: domainInterfaceStatsRet,
    method: 'domainInterfaceStats',
    params: ['dom', 'path'],
    result: {
      toRet: (s) => ({
        rx_bytes: s.rxBytes,
        rx_packets: s.rxPackets,
        rx_errs: s.rxErrs,
        rx_drop: s.rxDrop,
        tx_bytes: s.txBytes,
        tx_packets: s.txPackets,
        tx_errs: s.txErrs,
        tx_drop: s.txDrop,
      }),
      fromRet: (r): DomainInterfaceStats => ({
        rxBytes: r.rx_bytes,
        rxPackets: r.rx_packets,
        rxErrs: r.rx_errs,
        rxDrop: r.rx_drop,
        txBytes: r.tx_bytes,
        txPackets: r.tx_packets,
        txErrs: r.tx_errs,
        txDrop: r.tx_drop,
      }),
    },
    ws: wsRow('domain.interfaceStats', 'domain', [{ name: 'device', type: 'string' }], INTERFACE_STATS_KEYS),
  }),
  bound(P.DOMAIN_INTERFACE_ADDRESSES, {
    api: 'virDomainInterfaceAddresses',
    access: 'read',
    args: domainInterfaceAddressesArgs,
    ret: domainInterfaceAddressesRet,
    method: 'domainInterfaceAddresses',
    params: ['dom', 'source', 'flags'],
    result: 'ifaces',
    ws: wsRow('domain.interfaceAddresses', 'domain', [{ name: 'source', type: 'int' }, flagsParam]),
  }),
  bound(P.DOMAIN_GET_BLOCK_INFO, {
    api: 'virDomainGetBlockInfo',
    access: 'read',
    args: domainGetBlockInfoArgs,
    ret: domainGetBlockInfoRet,
    method: 'domainGetBlockInfo',
    params: ['dom', 'path', 'flags'],
    result: 'whole',
    ws: wsRow(
      'domain.getBlockInfo',
      'domain',
      [pathParam, flagsParam],
      ['allocation', 'capacity', 'physical'],
    ),
  }),
  served(P.DOMAIN_GET_DISK_ERRORS, {
    api: 'virDomainGetDiskErrors',
    access: 'read',
    args: domainGetDiskErrorsArgs,
    ret: domainGetDiskErrorsRet,
    method: 'domainGetDiskErrors',
    serve: async (ctx, { dom, maxerrors, flags }) => {
      const errors = await ctx.conn.domainGetDiskErrors(dom, flags);
      if (maxerrors === 0) return { errors: [], nerrors: errors.length };
      const sent = errors.slice(0, Math.min(maxerrors, DISK_ERRORS_MAX));
      return { errors: sent, nerrors: sent.length };
    },
    client: async (c, dom, flags = 0) => (await c.send({ dom, maxerrors: DISK_ERRORS_MAX, flags })).errors,
    ws: wsRow('domain.getDiskErrors', 'domain', [flagsParam]),
  }),
  bound(P.DOMAIN_GET_SCHEDULER_TYPE, {
    api: 'virDomainGetSchedulerType',
    access: 'read',
    args: domArgs,
    ret: domainGetSchedulerTypeRet,
    method: 'domainGetSchedulerType',
    params: ['dom'],
    result: 'whole',
    ws: wsRow('domain.getSchedulerType', 'domain'),
  }),
  served(P.DOMAIN_GET_SCHEDULER_PARAMETERS, {
    api: 'virDomainGetSchedulerParameters',
    access: 'read',
    args: domainGetSchedulerParametersArgs,
    ret: domainGetSchedulerParametersRet,
    method: 'domainGetSchedulerParameters',
    serve: async (ctx, { dom, nparams }) => ({
      params: toWireTypedParams(
        (await ctx.conn.domainGetSchedulerParameters(dom)).slice(0, Math.max(0, nparams)),
      ),
    }),
    client: async (c, dom) => fromWireTypedParams((await c.send({ dom, nparams: SCHED_MAX })).params),
    unlessGiven: 1, // flags
  }),
  served(P.DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS, {
    api: 'virDomainGetSchedulerParametersFlags',
    access: 'read',
    args: domainGetSchedulerParametersFlagsArgs,
    ret: domainGetSchedulerParametersRet,
    method: 'domainGetSchedulerParameters',
    serve: async (ctx, { dom, nparams, flags }) => ({
      params: toWireTypedParams(
        (await ctx.conn.domainGetSchedulerParameters(dom, flags)).slice(0, Math.max(0, nparams)),
      ),
    }),
    client: async (c, dom, flags = 0) =>
      fromWireTypedParams((await c.send({ dom, nparams: SCHED_MAX, flags })).params),
    ws: wsRow('domain.getSchedulerParameters', 'domain', [flagsParam], { typedParams: 'params' }),
  }),
  served(P.DOMAIN_SET_SCHEDULER_PARAMETERS, {
    api: 'virDomainSetSchedulerParameters',
    access: 'write',
    args: domainSetSchedulerParametersArgs,
    ret: xdrVoid,
    method: 'domainSetSchedulerParameters',
    serve: async (ctx, { dom, params }) =>
      ctx.conn.domainSetSchedulerParameters(dom, fromWireTypedParams(params)),
    client: async (c, dom, params) => c.send({ dom, params: toWireTypedParams(params) }),
    unlessGiven: 2, // flags
  }),
  served(P.DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS, {
    api: 'virDomainSetSchedulerParametersFlags',
    access: 'write',
    args: domainSetSchedulerParametersFlagsArgs,
    ret: xdrVoid,
    method: 'domainSetSchedulerParameters',
    serve: async (ctx, { dom, params, flags }) =>
      ctx.conn.domainSetSchedulerParameters(dom, fromWireTypedParams(params), flags),
    client: async (c, dom, params, flags = 0) => c.send({ dom, params: toWireTypedParams(params), flags }),
  }),
] as const;
