/** remote_protocol.x structs of the connection and host procedures, with their procedure table. */
import { Limit, Procedure } from './protocol.js';
import {
  xdrArray,
  xdrCharFixed,
  xdrCharVar,
  xdrInt,
  xdrIntBool,
  xdrNonnullString,
  xdrOptString,
  xdrStruct,
  xdrUhyper,
  xdrUint,
  xdrVarOpaque,
  xdrVoid,
} from './xdr-codec.js';
import { remoteDomain } from './structs-common.js';

/** remote_connect_open_args. */
export const connectOpenArgs = xdrStruct({ name: xdrOptString, flags: xdrUint });
/** remote_connect_supports_feature_args. */
export const supportsFeatureArgs = xdrStruct({ feature: xdrInt });
/** remote_connect_supports_feature_ret. */
export const supportsFeatureRet = xdrStruct({ supported: xdrIntBool });
/** remote_auth_list_ret: remote_auth_type types<REMOTE_AUTH_TYPE_LIST_MAX>. */
export const authListRet = xdrStruct({ types: xdrArray(xdrInt, Limit.AUTH_TYPE_LIST_MAX) });
/** remote_connect_get_type_ret. */
export const getTypeRet = xdrStruct({ type: xdrNonnullString });
/** remote_connect_get_version_ret. */
export const getVersionRet = xdrStruct({ hv_ver: xdrUhyper });
/** remote_connect_get_lib_version_ret. */
export const getLibVersionRet = xdrStruct({ lib_ver: xdrUhyper });
/** remote_connect_get_hostname_ret. */
export const getHostnameRet = xdrStruct({ hostname: xdrNonnullString });
/** remote_connect_get_uri_ret. */
export const getUriRet = xdrStruct({ uri: xdrNonnullString });
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

/** remote_connect_list_all_domains_args. */
export const listAllDomainsArgs = xdrStruct({ need_results: xdrInt, flags: xdrUint });
/** remote_connect_list_all_domains_ret: `ret` is the count. */
export const listAllDomainsRet = xdrStruct({
  domains: xdrArray(remoteDomain, Limit.DOMAIN_LIST_MAX),
  ret: xdrUint,
});

/** Args and ret codecs of the connection and host procedures. */
export const hostProcedures = {
  [Procedure.CONNECT_OPEN]: { args: connectOpenArgs, ret: xdrVoid },
  [Procedure.CONNECT_CLOSE]: { args: xdrVoid, ret: xdrVoid },
  [Procedure.CONNECT_GET_TYPE]: { args: xdrVoid, ret: getTypeRet },
  [Procedure.CONNECT_GET_VERSION]: { args: xdrVoid, ret: getVersionRet },
  [Procedure.CONNECT_GET_LIB_VERSION]: { args: xdrVoid, ret: getLibVersionRet },
  [Procedure.CONNECT_GET_HOSTNAME]: { args: xdrVoid, ret: getHostnameRet },
  [Procedure.CONNECT_GET_URI]: { args: xdrVoid, ret: getUriRet },
  [Procedure.CONNECT_GET_CAPABILITIES]: { args: xdrVoid, ret: getCapabilitiesRet },
  [Procedure.CONNECT_GET_MAX_VCPUS]: { args: getMaxVcpusArgs, ret: getMaxVcpusRet },
  [Procedure.CONNECT_SUPPORTS_FEATURE]: { args: supportsFeatureArgs, ret: supportsFeatureRet },
  [Procedure.AUTH_LIST]: { args: xdrVoid, ret: authListRet },
  [Procedure.CONNECT_REGISTER_CLOSE_CALLBACK]: { args: xdrVoid, ret: xdrVoid },
  [Procedure.CONNECT_UNREGISTER_CLOSE_CALLBACK]: { args: xdrVoid, ret: xdrVoid },
  [Procedure.NODE_GET_INFO]: { args: xdrVoid, ret: nodeGetInfoRet },
  [Procedure.NODE_GET_CPU_MAP]: { args: nodeGetCpuMapArgs, ret: nodeGetCpuMapRet },
  [Procedure.NODE_GET_SECURITY_MODEL]: { args: xdrVoid, ret: nodeGetSecurityModelRet },
  [Procedure.CONNECT_LIST_ALL_DOMAINS]: { args: listAllDomainsArgs, ret: listAllDomainsRet },
} as const;
