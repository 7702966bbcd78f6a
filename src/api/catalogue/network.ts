/** Catalogue: virtual networks (listing, lookups, definition, lifecycle, autostart, leases, update). */
import {
  xdrArray,
  xdrHyper,
  xdrInt,
  xdrIntBool,
  xdrNonnullString,
  xdrOptString,
  xdrStruct,
  xdrUint,
  xdrVoid,
} from '../../remote/xdr-codec.js';
import {
  activeRet,
  autostartRet,
  nameArgs,
  persistentRet,
  remoteNetwork,
  uuidArgs,
  xmlRet,
} from '../../remote/structs-common.js';
import { Procedure as P } from './procedure-numbers.js';
import { bound, served } from './bind.js';
import { flagsParam, wsRow, xmlParam } from './ws-rows.js';

/** REMOTE_NETWORK_LIST_MAX. */
const NETWORK_LIST_MAX = 16384;
/** REMOTE_NETWORK_DHCP_LEASES_MAX. */
const NETWORK_DHCP_LEASES_MAX = 65536;

/** { remote_nonnull_network net }. */
export const netArgs = xdrStruct({ net: remoteNetwork });
/** { remote_nonnull_network net } as a ret. */
export const netRet = netArgs;
/** { remote_nonnull_string xml } (network define and create take no flags on these procedures). */
export const xmlArgs = xdrStruct({ xml: xdrNonnullString });
/** remote_network_get_xml_desc_args. */
export const netFlagsArgs = xdrStruct({ net: remoteNetwork, flags: xdrUint });
/** remote_connect_list_all_networks_args. */
export const listAllNetworksArgs = xdrStruct({ need_results: xdrInt, flags: xdrUint });
/** remote_connect_list_all_networks_ret: `ret` is the count. */
export const listAllNetworksRet = xdrStruct({
  nets: xdrArray(remoteNetwork, NETWORK_LIST_MAX),
  ret: xdrUint,
});
/** remote_network_set_autostart_args. */
export const netSetAutostartArgs = xdrStruct({ net: remoteNetwork, autostart: xdrIntBool });
/** remote_network_get_bridge_name_ret. */
export const bridgeNameRet = xdrStruct({ name: xdrNonnullString });
/**
 * remote_network_update_args. virsh sends `command` and `section` swapped in these two fields unless the
 * server claims VIR_DRV_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER, which tsvirtd does not: the field
 * named `command` carries the section and `section` the command.
 */
export const networkUpdateArgs = xdrStruct({
  net: remoteNetwork,
  command: xdrUint,
  section: xdrUint,
  parentIndex: xdrInt,
  xml: xdrNonnullString,
  flags: xdrUint,
});
/** remote_network_dhcp_lease. */
export const networkDhcpLease = xdrStruct({
  iface: xdrNonnullString,
  expirytime: xdrHyper,
  type: xdrInt,
  mac: xdrOptString,
  iaid: xdrOptString,
  ipaddr: xdrNonnullString,
  prefix: xdrUint,
  hostname: xdrOptString,
  clientid: xdrOptString,
});
/** remote_network_get_dhcp_leases_args. */
export const getDhcpLeasesArgs = xdrStruct({
  net: remoteNetwork,
  mac: xdrOptString,
  need_results: xdrInt,
  flags: xdrUint,
});
/** remote_network_get_dhcp_leases_ret. */
export const getDhcpLeasesRet = xdrStruct({
  leases: xdrArray(networkDhcpLease, NETWORK_DHCP_LEASES_MAX),
  ret: xdrUint,
});

const netTarget = 'network' as const;

/** Network procedures. */
export const networkEntries = [
  bound(P.CONNECT_LIST_ALL_NETWORKS, {
    api: 'virConnectListAllNetworks',
    access: 'read',
    args: listAllNetworksArgs,
    ret: listAllNetworksRet,
    method: 'listAllNetworks',
    params: ['flags'],
    fixed: { need_results: 1 },
    result: {
      toRet: (nets, { need_results }) => ({ nets: need_results ? nets : [], ret: nets.length }),
      fromRet: (ret) => ret.nets,
    },
    ws: wsRow('listAllNetworks', 'none', [flagsParam]),
  }),
  bound(P.NETWORK_LOOKUP_BY_NAME, {
    api: 'virNetworkLookupByName',
    access: 'read',
    args: nameArgs,
    ret: netRet,
    method: 'lookupNetworkByName',
    params: ['name'],
    result: 'net',
    ws: wsRow('network.lookupByName', 'none', [{ name: 'name', type: 'string' }]),
  }),
  bound(P.NETWORK_LOOKUP_BY_UUID, {
    api: 'virNetworkLookupByUUID',
    access: 'read',
    args: uuidArgs,
    ret: netRet,
    method: 'lookupNetworkByUUID',
    params: ['uuid'],
    result: 'net',
    ws: wsRow('network.lookupByUUID', 'none', [{ name: 'uuid', type: 'string' }]),
  }),
  bound(P.NETWORK_DEFINE_XML, {
    api: 'virNetworkDefineXML',
    access: 'write',
    args: xmlArgs,
    ret: netRet,
    method: 'networkDefineXML',
    params: ['xml'],
    result: 'net',
    ws: wsRow('network.defineXML', 'none', [xmlParam]),
  }),
  bound(P.NETWORK_CREATE_XML, {
    api: 'virNetworkCreateXML',
    access: 'write',
    args: xmlArgs,
    ret: netRet,
    method: 'networkCreateXML',
    params: ['xml'],
    result: 'net',
    ws: wsRow('network.createXML', 'none', [xmlParam]),
  }),
  bound(P.NETWORK_UNDEFINE, {
    api: 'virNetworkUndefine',
    access: 'write',
    args: netArgs,
    ret: xdrVoid,
    method: 'networkUndefine',
    params: ['net'],
    result: 'void',
    ws: wsRow('network.undefine', netTarget),
  }),
  bound(P.NETWORK_CREATE, {
    api: 'virNetworkCreate',
    access: 'write',
    args: netArgs,
    ret: xdrVoid,
    method: 'networkCreate',
    params: ['net'],
    result: 'void',
    ws: wsRow('network.create', netTarget),
  }),
  bound(P.NETWORK_DESTROY, {
    api: 'virNetworkDestroy',
    access: 'write',
    args: netArgs,
    ret: xdrVoid,
    method: 'networkDestroy',
    params: ['net'],
    result: 'void',
    ws: wsRow('network.destroy', netTarget),
  }),
  bound(P.NETWORK_GET_XML_DESC, {
    api: 'virNetworkGetXMLDesc',
    access: 'read',
    args: netFlagsArgs,
    ret: xmlRet,
    method: 'networkGetXMLDesc',
    params: ['net', 'flags'],
    result: 'xml',
    ws: wsRow('network.getXMLDesc', netTarget, [flagsParam]),
  }),
  bound(P.NETWORK_IS_ACTIVE, {
    api: 'virNetworkIsActive',
    access: 'read',
    args: netArgs,
    ret: activeRet,
    method: 'networkIsActive',
    params: ['net'],
    result: 'active',
    ws: wsRow('network.isActive', netTarget),
  }),
  bound(P.NETWORK_IS_PERSISTENT, {
    api: 'virNetworkIsPersistent',
    access: 'read',
    args: netArgs,
    ret: persistentRet,
    method: 'networkIsPersistent',
    params: ['net'],
    result: 'persistent',
    ws: wsRow('network.isPersistent', netTarget),
  }),
  bound(P.NETWORK_GET_AUTOSTART, {
    api: 'virNetworkGetAutostart',
    access: 'read',
    args: netArgs,
    ret: autostartRet,
    method: 'networkGetAutostart',
    params: ['net'],
    result: 'autostart',
    ws: wsRow('network.getAutostart', netTarget),
  }),
  bound(P.NETWORK_SET_AUTOSTART, {
    api: 'virNetworkSetAutostart',
    access: 'write',
    args: netSetAutostartArgs,
    ret: xdrVoid,
    method: 'networkSetAutostart',
    params: ['net', 'autostart'],
    result: 'void',
    ws: wsRow('network.setAutostart', netTarget, [{ name: 'autostart', type: 'boolean' }]),
  }),
  bound(P.NETWORK_GET_BRIDGE_NAME, {
    api: 'virNetworkGetBridgeName',
    access: 'read',
    args: netArgs,
    ret: bridgeNameRet,
    method: 'networkGetBridgeName',
    params: ['net'],
    result: 'name',
    ws: wsRow('network.getBridgeName', netTarget),
  }),
  bound(P.NETWORK_GET_DHCP_LEASES, {
    api: 'virNetworkGetDHCPLeases',
    access: 'read',
    args: getDhcpLeasesArgs,
    ret: getDhcpLeasesRet,
    method: 'networkGetDHCPLeases',
    params: ['net', 'mac', 'flags'],
    fixed: { need_results: 1 },
    result: {
      toRet: (leases, { need_results }) => ({ leases: need_results ? leases : [], ret: leases.length }),
      fromRet: (ret) => ret.leases,
    },
    ws: wsRow(
      'network.getDHCPLeases',
      netTarget,
      [{ name: 'mac', type: 'string', optional: true }, flagsParam],
      ['expirytime'],
    ),
  }),
  served(P.NETWORK_UPDATE, {
    api: 'virNetworkUpdate',
    access: 'write',
    args: networkUpdateArgs,
    ret: xdrVoid,
    method: 'networkUpdate',
    ws: wsRow('network.update', netTarget, [
      { name: 'command', type: 'int' },
      { name: 'section', type: 'int' },
      { name: 'parentIndex', type: 'int' },
      xmlParam,
      flagsParam,
    ]),
    // The wire's `command` field carries the section, `section` the command (see networkUpdateArgs).
    serve: async (ctx, a) =>
      ctx.conn.networkUpdate(a.net, a.section, a.command, a.parentIndex, a.xml, a.flags),
    client: (calls, net, command, section, parentIndex, xml, flags) =>
      calls.send({ net, command: section, section: command, parentIndex, xml, flags: flags ?? 0 }),
  }),
] as const;
