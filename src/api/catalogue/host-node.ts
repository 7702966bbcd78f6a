/**
 * Catalogue: the host's domain capabilities, CPU models, SMBIOS, CPU and memory statistics, and the
 * lists of drivers tsvirt has none of (secrets, node devices, host interfaces), which it answers as
 * libvirtd does on a host with nothing to list.
 */
import { TsvirtError } from '../../errors.js';
import { Limit } from '../../remote/protocol.js';
import {
  xdrArray,
  xdrInt,
  xdrNonnullString,
  xdrOptString,
  xdrStruct,
  xdrUhyper,
  xdrUint,
  xdrUuid,
  xdrVoid,
  type Codec,
} from '../../remote/xdr-codec.js';
import type { NodeStat } from '../types.js';
import { Procedure as P } from './procedure-numbers.js';
import { bound, served } from './bind.js';
import type { Entry } from './entry.js';
import { flagsParam, wsRow } from './ws-rows.js';

/** remote_connect_get_domain_capabilities_args. */
export const getDomainCapabilitiesArgs = xdrStruct({
  emulatorbin: xdrOptString,
  arch: xdrOptString,
  machine: xdrOptString,
  virttype: xdrOptString,
  flags: xdrUint,
});
/** remote_connect_get_domain_capabilities_ret. */
export const getDomainCapabilitiesRet = xdrStruct({ capabilities: xdrNonnullString });
/** remote_connect_get_cpu_model_names_args. */
export const getCpuModelNamesArgs = xdrStruct({
  arch: xdrNonnullString,
  need_results: xdrInt,
  flags: xdrUint,
});
/** remote_connect_get_cpu_model_names_ret: `ret` is the count, the list only when asked for. */
export const getCpuModelNamesRet = xdrStruct({
  models: xdrArray(xdrNonnullString, Limit.CONNECT_CPU_MODELS_MAX),
  ret: xdrInt,
});
/** remote_connect_get_sysinfo_args. */
export const getSysinfoArgs = xdrStruct({ flags: xdrUint });
/** remote_connect_get_sysinfo_ret. */
export const getSysinfoRet = xdrStruct({ sysinfo: xdrNonnullString });
/** remote_node_get_cpu_stats / remote_node_get_memory_stats: one field and its value. */
export const nodeStat: Codec<NodeStat> = xdrStruct({ field: xdrNonnullString, value: xdrUhyper });
/** remote_node_get_cpu_stats_args. */
export const nodeGetCpuStatsArgs = xdrStruct({ cpuNum: xdrInt, nparams: xdrInt, flags: xdrUint });
/** remote_node_get_memory_stats_args. */
export const nodeGetMemoryStatsArgs = xdrStruct({ nparams: xdrInt, cellNum: xdrInt, flags: xdrUint });
/** remote_node_get_cpu_stats_ret and remote_node_get_memory_stats_ret (both at most 16 params). */
export const nodeStatsRet = xdrStruct({
  params: xdrArray(nodeStat, Limit.NODE_CPU_STATS_MAX),
  nparams: xdrInt,
});
/** remote_node_get_cells_free_memory_args. */
export const nodeGetCellsFreeMemoryArgs = xdrStruct({ startCell: xdrInt, maxcells: xdrInt });
/** remote_node_get_cells_free_memory_ret: free bytes per cell. */
export const nodeGetCellsFreeMemoryRet = xdrStruct({ cells: xdrArray(xdrUhyper, Limit.NODE_MAX_CELLS) });
/** remote_node_get_free_memory_ret. */
export const nodeGetFreeMemoryRet = xdrStruct({ freeMem: xdrUhyper });
/** { int need_results; uint flags } of the list-all calls. */
export const listAllArgs = xdrStruct({ need_results: xdrInt, flags: xdrUint });
/** remote_nonnull_secret. */
export const remoteSecret = xdrStruct({ uuid: xdrUuid, usageType: xdrInt, usageID: xdrNonnullString });
/** remote_nonnull_interface. */
export const remoteInterface = xdrStruct({ name: xdrNonnullString, mac: xdrNonnullString });
/** remote_nonnull_node_device. */
export const remoteNodeDevice = xdrStruct({ name: xdrNonnullString });

/** libvirtd refuses an nparams over the list limit before it calls the driver. */
function checkNparams(nparams: number, max: number): void {
  if (nparams >= 0 && nparams <= max) return;
  throw new TsvirtError('ERR_RPC', `nparams too large: ${nparams} (at most ${max})`, {
    field: 'nparams',
    value: nparams,
    expected: `0..${max}`,
  });
}

/**
 * A node stats reply as libvirtd builds it: nparams 0 asks how many fields there are (no params);
 * otherwise the first `nparams` fields and their number.
 */
function toStatsRet(stats: NodeStat[], nparams: number): { params: NodeStat[]; nparams: number } {
  if (nparams === 0) return { params: [], nparams: stats.length };
  const params = stats.slice(0, nparams);
  return { params, nparams: params.length };
}

/** A list-all call of a driver tsvirt has none of: always empty, as on a host with nothing to list. */
function emptyListEntry<const N extends number, T>(
  proc: N,
  api: string,
  key: string,
  item: Codec<T>,
  max: number,
): Entry<N, { need_results: number; flags: number }, Record<string, unknown>> {
  const ret = xdrStruct({ [key]: xdrArray(item, max), ret: xdrUint }) as unknown as Codec<
    Record<string, unknown>
  >;
  return served(proc, {
    api,
    access: 'read',
    args: listAllArgs,
    ret,
    serve: async () => ({ [key]: [], ret: 0 }),
  });
}

/** Host procedures beyond the basic facts. */
export const hostNodeEntries = [
  bound(P.CONNECT_GET_DOMAIN_CAPABILITIES, {
    api: 'virConnectGetDomainCapabilities',
    access: 'read',
    args: getDomainCapabilitiesArgs,
    ret: getDomainCapabilitiesRet,
    method: 'getDomainCapabilities',
    params: ['emulatorbin', 'arch', 'machine', 'virttype', 'flags'],
    result: 'capabilities',
    ws: wsRow('getDomainCapabilities', 'none', [
      { name: 'emulatorbin', type: 'string', optional: true },
      { name: 'arch', type: 'string', optional: true },
      { name: 'machine', type: 'string', optional: true },
      { name: 'virttype', type: 'string', optional: true },
      flagsParam,
    ]),
  }),
  served(P.CONNECT_GET_CPU_MODEL_NAMES, {
    api: 'virConnectGetCPUModelNames',
    access: 'read',
    args: getCpuModelNamesArgs,
    ret: getCpuModelNamesRet,
    method: 'getCpuModelNames',
    serve: async (ctx, { arch, need_results, flags }) => {
      const models = await ctx.conn.getCpuModelNames(arch, flags);
      return { models: need_results ? models : [], ret: models.length };
    },
    client: async (c, arch, flags = 0) => (await c.send({ arch, need_results: 1, flags })).models,
    ws: wsRow('getCpuModelNames', 'none', [{ name: 'arch', type: 'string' }, flagsParam]),
  }),
  bound(P.CONNECT_GET_SYSINFO, {
    api: 'virConnectGetSysinfo',
    access: 'read',
    args: getSysinfoArgs,
    ret: getSysinfoRet,
    method: 'getSysinfo',
    params: ['flags'],
    result: 'sysinfo',
    ws: wsRow('getSysinfo', 'none', [flagsParam]),
  }),
  served(P.NODE_GET_CPU_STATS, {
    api: 'virNodeGetCPUStats',
    access: 'read',
    args: nodeGetCpuStatsArgs,
    ret: nodeStatsRet,
    method: 'getNodeCpuStats',
    serve: async (ctx, { cpuNum, nparams, flags }) => {
      checkNparams(nparams, Limit.NODE_CPU_STATS_MAX);
      return toStatsRet(await ctx.conn.getNodeCpuStats(cpuNum, flags), nparams);
    },
    client: async (c, cpuNum, flags = 0) => {
      const { nparams } = await c.send({ cpuNum, nparams: 0, flags });
      return (await c.send({ cpuNum, nparams, flags })).params;
    },
    ws: wsRow('getNodeCpuStats', 'none', [{ name: 'cpuNum', type: 'int' }, flagsParam], ['value']),
  }),
  served(P.NODE_GET_MEMORY_STATS, {
    api: 'virNodeGetMemoryStats',
    access: 'read',
    args: nodeGetMemoryStatsArgs,
    ret: nodeStatsRet,
    method: 'getNodeMemoryStats',
    serve: async (ctx, { cellNum, nparams, flags }) => {
      checkNparams(nparams, Limit.NODE_MEMORY_STATS_MAX);
      return toStatsRet(await ctx.conn.getNodeMemoryStats(cellNum, flags), nparams);
    },
    client: async (c, cellNum, flags = 0) => {
      const { nparams } = await c.send({ cellNum, nparams: 0, flags });
      return (await c.send({ cellNum, nparams, flags })).params;
    },
    ws: wsRow('getNodeMemoryStats', 'none', [{ name: 'cellNum', type: 'int' }, flagsParam], ['value']),
  }),
  served(P.NODE_GET_CELLS_FREE_MEMORY, {
    api: 'virNodeGetCellsFreeMemory',
    access: 'read',
    args: nodeGetCellsFreeMemoryArgs,
    ret: nodeGetCellsFreeMemoryRet,
    method: 'getCellsFreeMemory',
    serve: async (ctx, { startCell, maxcells }) => {
      if (maxcells <= 0 || maxcells > Limit.NODE_MAX_CELLS) {
        throw new TsvirtError('ERR_RPC', `maxCells ${maxcells} is outside 1..${Limit.NODE_MAX_CELLS}`, {
          field: 'maxcells',
          value: maxcells,
          expected: `1..${Limit.NODE_MAX_CELLS}`,
        });
      }
      return { cells: await ctx.conn.getCellsFreeMemory(startCell, maxcells) };
    },
    client: async (c, startCell, maxCells) => (await c.send({ startCell, maxcells: maxCells })).cells,
    ws: wsRow(
      'getCellsFreeMemory',
      'none',
      [
        { name: 'startCell', type: 'int' },
        { name: 'maxCells', type: 'int' },
      ],
      'value',
    ),
  }),
  bound(P.NODE_GET_FREE_MEMORY, {
    api: 'virNodeGetFreeMemory',
    access: 'read',
    args: xdrVoid,
    ret: nodeGetFreeMemoryRet,
    method: 'getFreeMemory',
    params: [],
    result: 'freeMem',
    ws: wsRow('getFreeMemory', 'none', [], 'value'),
  }),
  emptyListEntry(
    P.CONNECT_LIST_ALL_SECRETS,
    'virConnectListAllSecrets',
    'secrets',
    remoteSecret,
    Limit.SECRET_LIST_MAX,
  ),
  emptyListEntry(
    P.CONNECT_LIST_ALL_INTERFACES,
    'virConnectListAllInterfaces',
    'ifaces',
    remoteInterface,
    Limit.INTERFACE_LIST_MAX,
  ),
  emptyListEntry(
    P.CONNECT_LIST_ALL_NODE_DEVICES,
    'virConnectListAllNodeDevices',
    'devices',
    remoteNodeDevice,
    Limit.NODE_DEVICE_LIST_MAX,
  ),
  served(P.CONNECT_NUM_OF_SECRETS, {
    api: 'virConnectNumOfSecrets',
    access: 'read',
    args: xdrVoid,
    ret: xdrStruct({ num: xdrInt }),
    serve: async () => ({ num: 0 }),
  }),
] as const;
