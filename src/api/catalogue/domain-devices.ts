/** Catalogue: devices added, removed and changed (hot-plug and config), and the device events' bodies. */
import { xdrInt, xdrNonnullString, xdrStruct, xdrUint, xdrVoid } from '../../remote/xdr-codec.js';
import { remoteDomain } from '../../remote/structs-common.js';
import { Procedure as P } from './procedure-numbers.js';
import { bound } from './bind.js';
import { flagsParam, wsRow, xmlParam } from './ws-rows.js';

/** remote_domain_attach_device_args and remote_domain_detach_device_args. */
export const domainDeviceArgs = xdrStruct({ dom: remoteDomain, xml: xdrNonnullString });
/** remote_domain_{attach,detach,update}_device_flags_args. */
export const domainDeviceFlagsArgs = xdrStruct({ dom: remoteDomain, xml: xdrNonnullString, flags: xdrUint });
/** remote_domain_detach_device_alias_args. */
export const domainDetachDeviceAliasArgs = xdrStruct({
  dom: remoteDomain,
  alias: xdrNonnullString,
  flags: xdrUint,
});
/**
 * remote_domain_event_callback_device_{added,removed,removal_failed}_msg: the callbackID, then the
 * domain and the device alias (the removed one nests them in a struct, which XDR lays out the same).
 */
export const domainEventCallbackDeviceMsg = xdrStruct({
  callbackID: xdrInt,
  dom: remoteDomain,
  devAlias: xdrNonnullString,
});

/** The device procedures. */
export const domainDeviceEntries = [
  bound(P.DOMAIN_ATTACH_DEVICE, {
    api: 'virDomainAttachDevice',
    access: 'write',
    args: domainDeviceArgs,
    ret: xdrVoid,
    method: 'domainAttachDevice',
    params: ['dom', 'xml'],
    result: 'void',
    client: 'flagsOmitted',
  }),
  bound(P.DOMAIN_ATTACH_DEVICE_FLAGS, {
    api: 'virDomainAttachDeviceFlags',
    access: 'write',
    args: domainDeviceFlagsArgs,
    ret: xdrVoid,
    method: 'domainAttachDevice',
    params: ['dom', 'xml', 'flags'],
    result: 'void',
    ws: wsRow('domain.attachDevice', 'domain', [xmlParam, flagsParam]),
  }),
  bound(P.DOMAIN_DETACH_DEVICE, {
    api: 'virDomainDetachDevice',
    access: 'write',
    args: domainDeviceArgs,
    ret: xdrVoid,
    method: 'domainDetachDevice',
    params: ['dom', 'xml'],
    result: 'void',
    client: 'flagsOmitted',
  }),
  bound(P.DOMAIN_DETACH_DEVICE_FLAGS, {
    api: 'virDomainDetachDeviceFlags',
    access: 'write',
    args: domainDeviceFlagsArgs,
    ret: xdrVoid,
    method: 'domainDetachDevice',
    params: ['dom', 'xml', 'flags'],
    result: 'void',
    ws: wsRow('domain.detachDevice', 'domain', [xmlParam, flagsParam]),
  }),
  bound(P.DOMAIN_UPDATE_DEVICE_FLAGS, {
    api: 'virDomainUpdateDeviceFlags',
    access: 'write',
    args: domainDeviceFlagsArgs,
    ret: xdrVoid,
    method: 'domainUpdateDevice',
    params: ['dom', 'xml', 'flags'],
    result: 'void',
    ws: wsRow('domain.updateDevice', 'domain', [xmlParam, flagsParam]),
  }),
  bound(P.DOMAIN_DETACH_DEVICE_ALIAS, {
    api: 'virDomainDetachDeviceAlias',
    access: 'write',
    args: domainDetachDeviceAliasArgs,
    ret: xdrVoid,
    method: 'domainDetachDeviceAlias',
    params: ['dom', 'alias', 'flags'],
    result: 'void',
    ws: wsRow('domain.detachDeviceAlias', 'domain', [{ name: 'alias', type: 'string' }, flagsParam]),
  }),
] as const;
