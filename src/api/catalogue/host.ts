/** Catalogue: the connection and host queries (type, versions, hostname, capabilities, node facts). */
import { Limit } from '../../remote/protocol.js';
import { buildCpuMap, cpuMapLength } from '../../remote/cpumap.js';
import {
  xdrCharFixed,
  xdrCharVar,
  xdrInt,
  xdrNonnullString,
  xdrOptString,
  xdrStruct,
  xdrUhyper,
  xdrUint,
  xdrVarOpaque,
  xdrVoid,
} from '../../remote/xdr-codec.js';
import { Procedure as P } from './procedure-numbers.js';
import { bound, served } from './bind.js';
import { wsRow } from './ws-rows.js';

/** remote_connect_get_type_ret. */
export const getTypeRet = xdrStruct({ type: xdrNonnullString });
/** remote_connect_get_version_ret. */
export const getVersionRet = xdrStruct({ hv_ver: xdrUhyper });
/** remote_connect_get_lib_version_ret. */
export const getLibVersionRet = xdrStruct({ lib_ver: xdrUhyper });
/** remote_connect_get_hostname_ret. */
export const getHostnameRet = xdrStruct({ hostname: xdrNonnullString });
/** remote_connect_get_capabilities_ret. */
export const getCapabilitiesRet = xdrStruct({ capabilities: xdrNonnullString });
/** remote_connect_get_max_vcpus_args. */
export const getMaxVcpusArgs = xdrStruct({ type: xdrOptString });
/** remote_connect_get_max_vcpus_ret. */
export const getMaxVcpusRet = xdrStruct({ max_vcpus: xdrInt });

/** remote_node_get_info_ret, with the field names of NodeInfo. */
export const nodeGetInfoRet = xdrStruct({
  model: xdrCharFixed(Limit.NODE_MODEL_CHARS), // char model[32]: 32 separate 4-byte units
  memoryKiB: xdrUhyper, // memory
  cpus: xdrInt,
  mhz: xdrInt,
  nodes: xdrInt,
  sockets: xdrInt,
  cores: xdrInt,
  threads: xdrInt,
});

/** remote_node_get_cpu_map_args. */
export const nodeGetCpuMapArgs = xdrStruct({ need_map: xdrInt, need_online: xdrInt, flags: xdrUint });
/** remote_node_get_cpu_map_ret: `ret` is the number of host CPUs. */
export const nodeGetCpuMapRet = xdrStruct({
  cpumap: xdrVarOpaque(Limit.CPUMAP_MAX),
  online: xdrUint,
  ret: xdrInt,
});

/** remote_node_get_security_model_ret: char arrays, one 4-byte unit per char, NUL counted. */
export const nodeGetSecurityModelRet = xdrStruct({
  model: xdrCharVar(Limit.SECURITY_MODEL_MAX),
  doi: xdrCharVar(Limit.SECURITY_DOI_MAX),
});

/** Host procedures. */
export const hostEntries = [
  bound(P.CONNECT_GET_TYPE, {
    api: 'virConnectGetType',
    access: 'read',
    args: xdrVoid,
    ret: getTypeRet,
    method: 'getType',
    params: [],
    result: 'type',
    ws: wsRow('getType', 'none'),
  }),
  bound(P.CONNECT_GET_VERSION, {
    api: 'virConnectGetVersion',
    access: 'read',
    args: xdrVoid,
    ret: getVersionRet,
    method: 'getVersion',
    params: [],
    result: 'hv_ver',
    ws: wsRow('getVersion', 'none', [], 'value'),
  }),
  bound(P.CONNECT_GET_LIB_VERSION, {
    api: 'virConnectGetLibVersion',
    access: 'read',
    args: xdrVoid,
    ret: getLibVersionRet,
    method: 'getLibVersion',
    params: [],
    result: 'lib_ver',
    ws: wsRow('getLibVersion', 'none', [], 'value'),
  }),
  bound(P.CONNECT_GET_HOSTNAME, {
    api: 'virConnectGetHostname',
    access: 'read',
    args: xdrVoid,
    ret: getHostnameRet,
    method: 'getHostname',
    params: [],
    result: 'hostname',
    ws: wsRow('getHostname', 'none'),
  }),
  bound(P.CONNECT_GET_CAPABILITIES, {
    api: 'virConnectGetCapabilities',
    access: 'read',
    args: xdrVoid,
    ret: getCapabilitiesRet,
    method: 'getCapabilities',
    params: [],
    result: 'capabilities',
    ws: wsRow('getCapabilities', 'none'),
  }),
  bound(P.NODE_GET_INFO, {
    api: 'virNodeGetInfo',
    access: 'read',
    args: xdrVoid,
    ret: nodeGetInfoRet,
    method: 'getNodeInfo',
    params: [],
    result: 'whole',
    ws: wsRow('getNodeInfo', 'none', [], ['memoryKiB']),
  }),
  bound(P.CONNECT_GET_MAX_VCPUS, {
    api: 'virConnectGetMaxVcpus',
    access: 'read',
    args: getMaxVcpusArgs,
    ret: getMaxVcpusRet,
    method: 'getMaxVcpus',
    params: ['type'],
    result: 'max_vcpus',
    ws: wsRow('getMaxVcpus', 'none', [{ name: 'type', type: 'string', optional: true }]),
  }),
  // RemoteConnection sends it itself to size CPU bitmaps (RemoteBase.hostCpuCount).
  served(P.NODE_GET_CPU_MAP, {
    api: 'virNodeGetCPUMap',
    access: 'read',
    args: nodeGetCpuMapArgs,
    ret: nodeGetCpuMapRet,
    serve: async (ctx, { need_map, need_online }) => {
      const { cpus } = await ctx.conn.getNodeInfo();
      const all = Array.from({ length: cpus }, (_, i) => i);
      return {
        cpumap: need_map ? buildCpuMap(all, cpuMapLength(cpus)) : Buffer.alloc(0),
        online: need_online ? cpus : 0,
        ret: cpus,
      };
    },
  }),
  // No security driver: empty model and doi make virsh skip its security lines and DOMAIN_GET_SECURITY_LABEL.
  served(P.NODE_GET_SECURITY_MODEL, {
    api: 'virNodeGetSecurityModel',
    access: 'read',
    args: xdrVoid,
    ret: nodeGetSecurityModelRet,
    serve: async () => ({ model: '', doi: '' }),
  }),
] as const;
