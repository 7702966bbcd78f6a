/**
 * Catalogue: event registration procedures and the MESSAGE bodies events arrive in. Registrations act
 * on the client's session (server/events.ts); RemoteConnection's side is its event plumbing.
 */
import { xdrInt, xdrOptional, xdrStruct, xdrVoid } from '../../remote/xdr-codec.js';
import {
  callbackIdStruct,
  remoteDomain,
  remoteNetwork,
  remoteOptDomain,
  remoteOptPool,
  remotePool,
} from '../../remote/structs-common.js';
import { Procedure as P } from './procedure-numbers.js';
import { served } from './bind.js';
import { domainEventCallbackDeviceMsg } from './domain-devices.js';
import { domainEventCallbackMetadataChangeMsg } from './domain-metadata.js';
import { domainEventBlockJobMsg } from './domain-block-jobs.js';

/** remote_connect_domain_event_callback_register_any_args: dom NULL means every domain. */
export const domainEventRegisterArgs = xdrStruct({ eventID: xdrInt, dom: remoteOptDomain });
/** remote_connect_domain_event_(de)register_any_args (legacy: one registration per event id). */
export const legacyEventArgs = xdrStruct({ eventID: xdrInt });
/** remote_connect_storage_pool_event_register_any_args: pool NULL means every pool. */
export const poolEventRegisterArgs = xdrStruct({ eventID: xdrInt, pool: remoteOptPool });

/** remote_domain_event_callback_lifecycle_msg (callbackID, then remote_domain_event_lifecycle_msg). */
export const domainEventCallbackLifecycleMsg = xdrStruct({
  callbackID: xdrInt,
  dom: remoteDomain,
  event: xdrInt,
  detail: xdrInt,
});
/** remote_domain_event_lifecycle_msg (legacy, procedure 107). */
export const domainEventLifecycleMsg = xdrStruct({ dom: remoteDomain, event: xdrInt, detail: xdrInt });
/** remote_storage_pool_event_refresh_msg. */
export const poolEventRefreshMsg = xdrStruct({ callbackID: xdrInt, pool: remotePool });
/** remote_storage_pool_event_lifecycle_msg. */
export const poolEventLifecycleMsg = xdrStruct({
  callbackID: xdrInt,
  pool: remotePool,
  event: xdrInt,
  detail: xdrInt,
});

/** remote_connect_network_event_register_any_args: net NULL means every network. */
export const networkEventRegisterArgs = xdrStruct({ eventID: xdrInt, net: xdrOptional(remoteNetwork) });
/** remote_network_event_lifecycle_msg. */
export const networkEventLifecycleMsg = xdrStruct({
  callbackID: xdrInt,
  net: remoteNetwork,
  event: xdrInt,
  detail: xdrInt,
});

/** MESSAGE (event) bodies, keyed by procedure number. */
export const messageCodecs = {
  [P.DOMAIN_EVENT_CALLBACK_LIFECYCLE]: domainEventCallbackLifecycleMsg,
  [P.DOMAIN_EVENT_CALLBACK_DEVICE_ADDED]: domainEventCallbackDeviceMsg,
  [P.DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED]: domainEventCallbackDeviceMsg,
  [P.DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED]: domainEventCallbackDeviceMsg,
  [P.DOMAIN_EVENT_CALLBACK_METADATA_CHANGE]: domainEventCallbackMetadataChangeMsg,
  [P.DOMAIN_EVENT_CALLBACK_BLOCK_JOB]: domainEventBlockJobMsg,
  [P.DOMAIN_EVENT_BLOCK_JOB_2]: domainEventBlockJobMsg,
  [P.DOMAIN_EVENT_LIFECYCLE]: domainEventLifecycleMsg,
  [P.STORAGE_POOL_EVENT_LIFECYCLE]: poolEventLifecycleMsg,
  [P.STORAGE_POOL_EVENT_REFRESH]: poolEventRefreshMsg,
  [P.NETWORK_EVENT_LIFECYCLE]: networkEventLifecycleMsg,
} as const;

/** Event registration procedures. */
export const eventEntries = [
  served(P.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, {
    api: 'virConnectDomainEventRegisterAny',
    access: 'read',
    args: domainEventRegisterArgs,
    ret: callbackIdStruct,
    method: 'onDomainLifecycle',
    serve: async (ctx, { eventID, dom }) => {
      const callbackID = await ctx.client.events.registerDomain(eventID, dom);
      ctx.client.log('debug', `domain event ${eventID} registered as callback ${callbackID}`);
      return { callbackID };
    },
  }),
  served(P.CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY, {
    api: 'virConnectDomainEventDeregisterAny',
    access: 'read',
    args: callbackIdStruct,
    ret: xdrVoid,
    serve: async (ctx, { callbackID }) => ctx.client.events.deregisterDomain(callbackID),
  }),
  served(P.CONNECT_DOMAIN_EVENT_REGISTER_ANY, {
    api: 'virConnectDomainEventRegisterAny',
    access: 'read',
    args: legacyEventArgs,
    ret: xdrVoid,
    serve: async (ctx, { eventID }) => ctx.client.events.registerLegacy(eventID),
  }),
  served(P.CONNECT_DOMAIN_EVENT_DEREGISTER_ANY, {
    api: 'virConnectDomainEventDeregisterAny',
    access: 'read',
    args: legacyEventArgs,
    ret: xdrVoid,
    serve: async (ctx, { eventID }) => ctx.client.events.deregisterLegacy(eventID),
  }),
  served(P.CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY, {
    api: 'virConnectStoragePoolEventRegisterAny',
    access: 'read',
    args: poolEventRegisterArgs,
    ret: callbackIdStruct,
    method: 'onStoragePoolLifecycle',
    serve: async (ctx, { eventID, pool }) => {
      const callbackID = await ctx.client.events.registerPool(eventID, pool);
      ctx.client.log('debug', `storage pool event ${eventID} registered as callback ${callbackID}`);
      return { callbackID };
    },
  }),
  served(P.CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY, {
    api: 'virConnectStoragePoolEventDeregisterAny',
    access: 'read',
    args: callbackIdStruct,
    ret: xdrVoid,
    serve: async (ctx, { callbackID }) => ctx.client.events.deregisterPool(callbackID),
  }),
  served(P.CONNECT_NETWORK_EVENT_REGISTER_ANY, {
    api: 'virConnectNetworkEventRegisterAny',
    access: 'read',
    args: networkEventRegisterArgs,
    ret: callbackIdStruct,
    method: 'onNetworkLifecycle',
    serve: async (ctx, { eventID, net }) => {
      const callbackID = await ctx.client.events.registerNetwork(eventID, net);
      ctx.client.log('debug', `network event ${eventID} registered as callback ${callbackID}`);
      return { callbackID };
    },
  }),
  served(P.CONNECT_NETWORK_EVENT_DEREGISTER_ANY, {
    api: 'virConnectNetworkEventDeregisterAny',
    access: 'read',
    args: callbackIdStruct,
    ret: xdrVoid,
    serve: async (ctx, { callbackID }) => ctx.client.events.deregisterNetwork(callbackID),
  }),
] as const;
