/**
 * Catalogue: the session procedures (authentication list, open, close, features, close callbacks, URI).
 * They act on the client's session, not on the hypervisor, so each is served by hand; RemoteConnection
 * sends them from its handshake.
 */
import { AuthType, Feature, Limit, OpenFlag } from '../../remote/protocol.js';
import { Procedure as P } from './procedure-numbers.js';
import {
  xdrArray,
  xdrInt,
  xdrIntBool,
  xdrNonnullString,
  xdrOptString,
  xdrStruct,
  xdrUint,
  xdrVoid,
} from '../../remote/xdr-codec.js';
import { alreadyOpenError, noConnectError, RemoteErrorReply } from '../../remote/server/rpc-errors.js';
import { served } from './bind.js';

/** remote_connect_open_args. */
export const connectOpenArgs = xdrStruct({ name: xdrOptString, flags: xdrUint });
/** remote_connect_supports_feature_args. */
export const supportsFeatureArgs = xdrStruct({ feature: xdrInt });
/** remote_connect_supports_feature_ret. */
export const supportsFeatureRet = xdrStruct({ supported: xdrIntBool });
/** remote_auth_list_ret: remote_auth_type types<REMOTE_AUTH_TYPE_LIST_MAX>. */
export const authListRet = xdrStruct({ types: xdrArray(xdrInt, Limit.AUTH_TYPE_LIST_MAX) });
/** remote_connect_get_uri_ret. */
export const getUriRet = xdrStruct({ uri: xdrNonnullString });

/** virDrvFeature values this server answers 1 to; 10 also starts server-side keepalive (as libvirtd). */
const SUPPORTED_FEATURES = new Set<number>([
  Feature.PROGRAM_KEEPALIVE,
  Feature.REMOTE_EVENT_CALLBACK,
  Feature.REMOTE_CLOSE_CALLBACK,
  Feature.MIGRATION_V3,
  Feature.MIGRATION_P2P,
  Feature.MIGRATION_PARAMS,
  Feature.MIGRATION_OFFLINE,
]);
/** The names CONNECT_OPEN accepts (NULL and "" let the server choose, as libvirtd's probing does). */
const OPEN_NAMES = new Set(['', 'qemu:///system', 'qemu:///session']);

/** Session procedures. */
export const connectEntries = [
  served(P.AUTH_LIST, {
    api: 'virConnectOpenAuth',
    access: 'read',
    args: xdrVoid,
    ret: authListRet,
    serve: async () => ({ types: [AuthType.NONE] }),
  }),
  served(P.CONNECT_SUPPORTS_FEATURE, {
    api: 'virConnectSupportsFeature',
    access: 'read',
    args: supportsFeatureArgs,
    ret: supportsFeatureRet,
    serve: async (ctx, { feature }) => {
      if (feature === Feature.PROGRAM_KEEPALIVE) ctx.client.startKeepalive();
      if (feature === Feature.FD_PASSING) return { supported: ctx.client.canPassFds };
      return { supported: SUPPORTED_FEATURES.has(feature) };
    },
  }),
  served(P.CONNECT_OPEN, {
    api: 'virConnectOpen',
    access: 'read',
    args: connectOpenArgs,
    ret: xdrVoid,
    serve: async (ctx, { name, flags }) => {
      if (ctx.client.isOpen) {
        ctx.client.markNotOpen();
        throw new RemoteErrorReply(alreadyOpenError());
      }
      if (name !== null && !OPEN_NAMES.has(name)) throw new RemoteErrorReply(noConnectError(name));
      ctx.client.markOpen(name, (flags & OpenFlag.READ_ONLY) !== 0);
    },
  }),
  served(P.CONNECT_CLOSE, {
    api: 'virConnectClose',
    access: 'read',
    args: xdrVoid,
    ret: xdrVoid,
    serve: async (ctx) => {
      ctx.client.events.clear();
      ctx.client.closeAfterReply();
    },
  }),
  served(P.CONNECT_REGISTER_CLOSE_CALLBACK, {
    api: 'virConnectRegisterCloseCallback',
    access: 'read',
    args: xdrVoid,
    ret: xdrVoid,
    serve: async () => undefined,
  }),
  served(P.CONNECT_UNREGISTER_CLOSE_CALLBACK, {
    api: 'virConnectUnregisterCloseCallback',
    access: 'read',
    args: xdrVoid,
    ret: xdrVoid,
    serve: async () => undefined,
  }),
  served(P.CONNECT_GET_URI, {
    api: 'virConnectGetURI',
    access: 'read',
    args: xdrVoid,
    ret: getUriRet,
    serve: async (ctx) => ({ uri: ctx.client.openName || 'qemu:///system' }),
  }),
] as const;
