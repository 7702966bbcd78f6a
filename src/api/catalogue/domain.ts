/** Catalogue: listing and looking up domains, and their info, state, XML, autostart and memory. */
import { XmlFlags } from '../domain-enums.js';
import type { DomainStateValue } from '../../connection.js';
import { Limit } from '../../remote/protocol.js';
import {
  xdrArray,
  xdrInt,
  xdrIntBool,
  xdrNonnullString,
  xdrStruct,
  xdrUhyper,
  xdrUint,
  xdrVoid,
} from '../../remote/xdr-codec.js';
import {
  activeRet,
  autostartRet,
  domArgs,
  domFlagsArgs,
  domRet,
  nameArgs,
  persistentRet,
  remoteDomain,
  uuidArgs,
  xmlRet,
} from '../../remote/structs-common.js';
import { Procedure as P } from './procedure-numbers.js';
import { bound } from './bind.js';
import { flagsParam, wsRow } from './ws-rows.js';

/** remote_connect_list_all_domains_args. */
export const listAllDomainsArgs = xdrStruct({ need_results: xdrInt, flags: xdrUint });
/** remote_connect_list_all_domains_ret: `ret` is the count. */
export const listAllDomainsRet = xdrStruct({
  domains: xdrArray(remoteDomain, Limit.DOMAIN_LIST_MAX),
  ret: xdrUint,
});
/** remote_domain_lookup_by_id_args. */
export const domainLookupByIdArgs = xdrStruct({ id: xdrInt });
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
/** remote_domain_memory_stats_args. */
export const domainMemoryStatsArgs = xdrStruct({ dom: remoteDomain, maxStats: xdrUint, flags: xdrUint });
/** remote_domain_memory_stat. */
export const domainMemoryStat = xdrStruct({ tag: xdrInt, val: xdrUhyper });
/** remote_domain_memory_stats_ret. */
export const domainMemoryStatsRet = xdrStruct({
  stats: xdrArray(domainMemoryStat, Limit.DOMAIN_MEMORY_STATS_MAX),
});

/** VIR_DOMAIN_MEMORY_STAT_NR in libvirt 9.x: the number of memory stat tags the client asks for. */
const MEMORY_STAT_NR = 13;

/** Domain queries and settings. */
export const domainEntries = [
  bound(P.CONNECT_LIST_ALL_DOMAINS, {
    api: 'virConnectListAllDomains',
    access: 'read',
    args: listAllDomainsArgs,
    ret: listAllDomainsRet,
    method: 'listAllDomains',
    params: ['flags'],
    fixed: { need_results: 1 },
    result: {
      toRet: (domains, { need_results }) => ({ domains: need_results ? domains : [], ret: domains.length }),
      fromRet: (ret) => ret.domains,
    },
    ws: wsRow('listAllDomains', 'none', [flagsParam]),
  }),
  bound(P.DOMAIN_LOOKUP_BY_ID, {
    api: 'virDomainLookupByID',
    access: 'read',
    args: domainLookupByIdArgs,
    ret: domRet,
    method: 'lookupDomainByID',
    params: ['id'],
    result: 'dom',
    ws: wsRow('domain.lookupByID', 'none', [{ name: 'id', type: 'int' }]),
  }),
  bound(P.DOMAIN_LOOKUP_BY_NAME, {
    api: 'virDomainLookupByName',
    access: 'read',
    args: nameArgs,
    ret: domRet,
    method: 'lookupDomainByName',
    params: ['name'],
    result: 'dom',
    ws: wsRow('domain.lookupByName', 'none', [{ name: 'name', type: 'string' }]),
  }),
  bound(P.DOMAIN_LOOKUP_BY_UUID, {
    api: 'virDomainLookupByUUID',
    access: 'read',
    args: uuidArgs,
    ret: domRet,
    method: 'lookupDomainByUUID',
    params: ['uuid'],
    result: 'dom',
    ws: wsRow('domain.lookupByUUID', 'none', [{ name: 'uuid', type: 'string' }]),
  }),
  bound(P.DOMAIN_GET_INFO, {
    api: 'virDomainGetInfo',
    access: 'read',
    args: domArgs,
    ret: domainGetInfoRet,
    method: 'domainGetInfo',
    params: ['dom'],
    result: {
      toRet: (info) => info,
      fromRet: (ret) => ({ ...ret, state: ret.state as DomainStateValue }),
    },
    ws: wsRow('domain.getInfo', 'domain', [], ['maxMemKiB', 'memoryKiB', 'cpuTimeNs']),
  }),
  bound(P.DOMAIN_GET_STATE, {
    api: 'virDomainGetState',
    access: 'read',
    args: domFlagsArgs,
    ret: domainGetStateRet,
    method: 'domainGetState',
    params: ['dom'],
    result: {
      toRet: (state) => state,
      fromRet: (ret) => ({ state: ret.state as DomainStateValue, reason: ret.reason }),
    },
    ws: wsRow('domain.getState', 'domain'),
  }),
  bound(P.DOMAIN_GET_XML_DESC, {
    api: 'virDomainGetXMLDesc',
    access: { readUnlessFlag: XmlFlags.SECURE, flagName: 'secure flag' },
    args: domFlagsArgs,
    ret: xmlRet,
    method: 'domainGetXMLDesc',
    params: ['dom', 'flags'],
    result: 'xml',
    ws: wsRow('domain.getXMLDesc', 'domain', [flagsParam]),
  }),
  bound(P.DOMAIN_GET_OS_TYPE, {
    api: 'virDomainGetOSType',
    access: 'read',
    args: domArgs,
    ret: domainGetOsTypeRet,
    method: 'domainGetOSType',
    params: ['dom'],
    result: 'type',
    ws: wsRow('domain.getOSType', 'domain'),
  }),
  bound(P.DOMAIN_IS_ACTIVE, {
    api: 'virDomainIsActive',
    access: 'read',
    args: domArgs,
    ret: activeRet,
    method: 'domainIsActive',
    params: ['dom'],
    result: 'active',
    ws: wsRow('domain.isActive', 'domain'),
  }),
  bound(P.DOMAIN_IS_PERSISTENT, {
    api: 'virDomainIsPersistent',
    access: 'read',
    args: domArgs,
    ret: persistentRet,
    method: 'domainIsPersistent',
    params: ['dom'],
    result: 'persistent',
    ws: wsRow('domain.isPersistent', 'domain'),
  }),
  bound(P.DOMAIN_GET_AUTOSTART, {
    api: 'virDomainGetAutostart',
    access: 'read',
    args: domArgs,
    ret: autostartRet,
    method: 'domainGetAutostart',
    params: ['dom'],
    result: 'autostart',
    ws: wsRow('domain.getAutostart', 'domain'),
  }),
  bound(P.DOMAIN_SET_AUTOSTART, {
    api: 'virDomainSetAutostart',
    access: 'write',
    args: domainSetAutostartArgs,
    ret: xdrVoid,
    method: 'domainSetAutostart',
    params: ['dom', 'autostart'],
    result: 'void',
    ws: wsRow('domain.setAutostart', 'domain', [{ name: 'autostart', type: 'boolean' }]),
  }),
  bound(P.DOMAIN_SET_MEMORY, {
    api: 'virDomainSetMemory',
    access: 'write',
    args: domainSetMemoryArgs,
    ret: xdrVoid,
    method: 'domainSetMemory',
    params: ['dom', 'memory'],
    result: 'void',
    client: 'flagsOmitted',
  }),
  bound(P.DOMAIN_SET_MEMORY_FLAGS, {
    api: 'virDomainSetMemoryFlags',
    access: 'write',
    args: domainSetMemoryFlagsArgs,
    ret: xdrVoid,
    method: 'domainSetMemory',
    params: ['dom', 'memory', 'flags'],
    result: 'void',
    ws: wsRow('domain.setMemory', 'domain', [{ name: 'memoryKiB', type: 'bigint' }, flagsParam]),
  }),
  bound(P.DOMAIN_MEMORY_STATS, {
    api: 'virDomainMemoryStats',
    access: 'read',
    args: domainMemoryStatsArgs,
    ret: domainMemoryStatsRet,
    method: 'domainMemoryStats',
    params: ['dom'],
    fixed: { maxStats: MEMORY_STAT_NR },
    result: {
      toRet: (stats, { maxStats }) => ({ stats: stats.slice(0, maxStats) }),
      fromRet: (ret) => ret.stats,
    },
    ws: wsRow('domain.memoryStats', 'domain', [], ['val']),
  }),
] as const;
