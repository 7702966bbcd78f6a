/** remote_protocol.x structs of the domain procedures and domain events, with their procedure table. */
import { Limit, Procedure } from './protocol.js';
import {
  xdrArray,
  xdrInt,
  xdrIntBool,
  xdrNonnullString,
  xdrStruct,
  xdrUhyper,
  xdrUint,
  xdrVarOpaque,
  xdrVoid,
} from './xdr-codec.js';
import {
  activeRet,
  autostartRet,
  callbackIdStruct,
  domArgs,
  domFlagsArgs,
  domRet,
  nameArgs,
  persistentRet,
  remoteDomain,
  remoteOptDomain,
  uuidArgs,
  xmlFlagsArgs,
  xmlRet,
} from './structs-common.js';

/** remote_domain_lookup_by_id_args. */
export const domainLookupByIdArgs = xdrStruct({ id: xdrInt });
/** remote_domain_create_xml_args. */
export const domainCreateXmlArgs = xdrStruct({ xml_desc: xdrNonnullString, flags: xdrUint });
/** remote_domain_define_xml_args. */
export const domainDefineXmlArgs = xdrStruct({ xml: xdrNonnullString });

/** remote_domain_get_info_ret, with the field names of DomainInfo. */
export const domainGetInfoRet = xdrStruct({
  state: xdrUint, // unsigned char state, 4 bytes on the wire
  maxMemKiB: xdrUhyper, // maxMem
  memoryKiB: xdrUhyper, // memory
  nrVirtCpu: xdrUint, // unsigned short nrVirtCpu, 4 bytes on the wire
  cpuTimeNs: xdrUhyper, // cpuTime
});

/** remote_domain_get_state_ret. */
export const domainGetStateRet = xdrStruct({ state: xdrInt, reason: xdrInt });
/** remote_domain_get_os_type_ret. */
export const domainGetOsTypeRet = xdrStruct({ type: xdrNonnullString });
/** remote_domain_set_autostart_args. */
export const domainSetAutostartArgs = xdrStruct({ dom: remoteDomain, autostart: xdrIntBool });
/** remote_domain_set_memory_args. */
export const domainSetMemoryArgs = xdrStruct({ dom: remoteDomain, memory: xdrUhyper });
/** remote_domain_set_memory_flags_args. */
export const domainSetMemoryFlagsArgs = xdrStruct({ dom: remoteDomain, memory: xdrUhyper, flags: xdrUint });

/** remote_vcpu_info. */
export const vcpuInfo = xdrStruct({ number: xdrUint, state: xdrInt, cpu_time: xdrUhyper, cpu: xdrInt });
/** remote_domain_get_vcpus_args. */
export const domainGetVcpusArgs = xdrStruct({ dom: remoteDomain, maxinfo: xdrInt, maplen: xdrInt });
/** remote_domain_get_vcpus_ret: cpumaps holds maxinfo * maplen bytes, one bitmap per vCPU. */
export const domainGetVcpusRet = xdrStruct({
  info: xdrArray(vcpuInfo, Limit.VCPUINFO_MAX),
  cpumaps: xdrVarOpaque(Limit.CPUMAPS_MAX),
});
/** remote_domain_get_vcpus_flags_ret. */
export const domainGetVcpusFlagsRet = xdrStruct({ num: xdrInt });
/** remote_domain_pin_vcpu_args. */
export const domainPinVcpuArgs = xdrStruct({
  dom: remoteDomain,
  vcpu: xdrUint,
  cpumap: xdrVarOpaque(Limit.CPUMAP_MAX),
});
/** remote_domain_pin_vcpu_flags_args. */
export const domainPinVcpuFlagsArgs = xdrStruct({
  dom: remoteDomain,
  vcpu: xdrUint,
  cpumap: xdrVarOpaque(Limit.CPUMAP_MAX),
  flags: xdrUint,
});
/** remote_domain_get_vcpu_pin_info_args. */
export const domainGetVcpuPinInfoArgs = xdrStruct({
  dom: remoteDomain,
  ncpumaps: xdrInt,
  maplen: xdrInt,
  flags: xdrUint,
});
/** remote_domain_get_vcpu_pin_info_ret: `num` bitmaps of maplen bytes each. */
export const domainGetVcpuPinInfoRet = xdrStruct({ cpumaps: xdrVarOpaque(Limit.CPUMAPS_MAX), num: xdrInt });

/** remote_domain_memory_stats_args. */
export const domainMemoryStatsArgs = xdrStruct({ dom: remoteDomain, maxStats: xdrUint, flags: xdrUint });
/** remote_domain_memory_stat. */
export const domainMemoryStat = xdrStruct({ tag: xdrInt, val: xdrUhyper });
/** remote_domain_memory_stats_ret. */
export const domainMemoryStatsRet = xdrStruct({
  stats: xdrArray(domainMemoryStat, Limit.DOMAIN_MEMORY_STATS_MAX),
});

/** remote_connect_domain_event_callback_register_any_args: dom NULL means every domain. */
export const domainEventRegisterArgs = xdrStruct({ eventID: xdrInt, dom: remoteOptDomain });

/** remote_domain_event_callback_lifecycle_msg (callbackID, then remote_domain_event_lifecycle_msg). */
export const domainEventCallbackLifecycleMsg = xdrStruct({
  callbackID: xdrInt,
  dom: remoteDomain,
  event: xdrInt,
  detail: xdrInt,
});
/** remote_domain_event_lifecycle_msg (legacy, procedure 107). */
export const domainEventLifecycleMsg = xdrStruct({ dom: remoteDomain, event: xdrInt, detail: xdrInt });

/** Args and ret codecs of the domain procedures. */
export const domainProcedures = {
  [Procedure.DOMAIN_LOOKUP_BY_ID]: { args: domainLookupByIdArgs, ret: domRet },
  [Procedure.DOMAIN_LOOKUP_BY_NAME]: { args: nameArgs, ret: domRet },
  [Procedure.DOMAIN_LOOKUP_BY_UUID]: { args: uuidArgs, ret: domRet },
  [Procedure.DOMAIN_CREATE]: { args: domArgs, ret: xdrVoid },
  [Procedure.DOMAIN_CREATE_WITH_FLAGS]: { args: domFlagsArgs, ret: domRet },
  [Procedure.DOMAIN_CREATE_XML]: { args: domainCreateXmlArgs, ret: domRet },
  [Procedure.DOMAIN_DEFINE_XML]: { args: domainDefineXmlArgs, ret: domRet },
  [Procedure.DOMAIN_DEFINE_XML_FLAGS]: { args: xmlFlagsArgs, ret: domRet },
  [Procedure.DOMAIN_UNDEFINE]: { args: domArgs, ret: xdrVoid },
  [Procedure.DOMAIN_UNDEFINE_FLAGS]: { args: domFlagsArgs, ret: xdrVoid },
  [Procedure.DOMAIN_DESTROY]: { args: domArgs, ret: xdrVoid },
  [Procedure.DOMAIN_DESTROY_FLAGS]: { args: domFlagsArgs, ret: xdrVoid },
  [Procedure.DOMAIN_SHUTDOWN]: { args: domArgs, ret: xdrVoid },
  [Procedure.DOMAIN_SHUTDOWN_FLAGS]: { args: domFlagsArgs, ret: xdrVoid },
  [Procedure.DOMAIN_REBOOT]: { args: domFlagsArgs, ret: xdrVoid },
  [Procedure.DOMAIN_RESET]: { args: domFlagsArgs, ret: xdrVoid },
  [Procedure.DOMAIN_SUSPEND]: { args: domArgs, ret: xdrVoid },
  [Procedure.DOMAIN_RESUME]: { args: domArgs, ret: xdrVoid },
  [Procedure.DOMAIN_GET_INFO]: { args: domArgs, ret: domainGetInfoRet },
  [Procedure.DOMAIN_GET_STATE]: { args: domFlagsArgs, ret: domainGetStateRet },
  [Procedure.DOMAIN_GET_XML_DESC]: { args: domFlagsArgs, ret: xmlRet },
  [Procedure.DOMAIN_GET_OS_TYPE]: { args: domArgs, ret: domainGetOsTypeRet },
  [Procedure.DOMAIN_IS_ACTIVE]: { args: domArgs, ret: activeRet },
  [Procedure.DOMAIN_IS_PERSISTENT]: { args: domArgs, ret: persistentRet },
  [Procedure.DOMAIN_GET_AUTOSTART]: { args: domArgs, ret: autostartRet },
  [Procedure.DOMAIN_SET_AUTOSTART]: { args: domainSetAutostartArgs, ret: xdrVoid },
  [Procedure.DOMAIN_SET_MEMORY]: { args: domainSetMemoryArgs, ret: xdrVoid },
  [Procedure.DOMAIN_SET_MEMORY_FLAGS]: { args: domainSetMemoryFlagsArgs, ret: xdrVoid },
  [Procedure.DOMAIN_GET_VCPUS]: { args: domainGetVcpusArgs, ret: domainGetVcpusRet },
  [Procedure.DOMAIN_GET_VCPUS_FLAGS]: { args: domFlagsArgs, ret: domainGetVcpusFlagsRet },
  [Procedure.DOMAIN_PIN_VCPU]: { args: domainPinVcpuArgs, ret: xdrVoid },
  [Procedure.DOMAIN_PIN_VCPU_FLAGS]: { args: domainPinVcpuFlagsArgs, ret: xdrVoid },
  [Procedure.DOMAIN_GET_VCPU_PIN_INFO]: { args: domainGetVcpuPinInfoArgs, ret: domainGetVcpuPinInfoRet },
  [Procedure.DOMAIN_MEMORY_STATS]: { args: domainMemoryStatsArgs, ret: domainMemoryStatsRet },
  [Procedure.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY]: {
    args: domainEventRegisterArgs,
    ret: callbackIdStruct,
  },
  [Procedure.CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY]: { args: callbackIdStruct, ret: xdrVoid },
} as const;
