/** Handlers of the connection, host and event procedures. */
import { AuthType, Feature, OpenFlag, Procedure as P } from '../protocol.js';
import { buildCpuMap, cpuMapLength } from '../cpumap.js';
import type { HandlerTable } from './dispatch-types.js';
import { alreadyOpenError, noConnectError, RemoteErrorReply } from './rpc-errors.js';

/** The names CONNECT_OPEN accepts (NULL and "" let the server choose, as libvirtd's probing does). */
const OPEN_NAMES = new Set(['', 'qemu:///system', 'qemu:///session']);

/** virDrvFeature values this server answers 1 to; 10 also starts server-side keepalive (as libvirtd). */
const SUPPORTED_FEATURES = new Set<number>([
  Feature.PROGRAM_KEEPALIVE,
  Feature.REMOTE_EVENT_CALLBACK,
  Feature.REMOTE_CLOSE_CALLBACK,
]);

/** Connection and host procedures. */
export const hostHandlers: HandlerTable = {
  [P.AUTH_LIST]: async () => ({ types: [AuthType.NONE] }),
  [P.CONNECT_SUPPORTS_FEATURE]: async (ctx, { feature }) => {
    if (feature === Feature.PROGRAM_KEEPALIVE) ctx.client.startKeepalive();
    return { supported: SUPPORTED_FEATURES.has(feature) };
  },
  [P.CONNECT_OPEN]: async (ctx, { name, flags }) => {
    if (ctx.client.isOpen) {
      ctx.client.markNotOpen();
      throw new RemoteErrorReply(alreadyOpenError());
    }
    if (name !== null && !OPEN_NAMES.has(name)) throw new RemoteErrorReply(noConnectError(name));
    ctx.client.markOpen(name, (flags & OpenFlag.READ_ONLY) !== 0);
  },
  [P.CONNECT_CLOSE]: async (ctx) => {
    ctx.client.events.clear();
    ctx.client.closeAfterReply();
  },
  [P.CONNECT_REGISTER_CLOSE_CALLBACK]: async () => undefined,
  [P.CONNECT_UNREGISTER_CLOSE_CALLBACK]: async () => undefined,
  [P.CONNECT_GET_TYPE]: async (ctx) => ({ type: await ctx.conn.getType() }),
  [P.CONNECT_GET_VERSION]: async (ctx) => ({ hv_ver: await ctx.conn.getVersion() }),
  [P.CONNECT_GET_LIB_VERSION]: async (ctx) => ({ lib_ver: await ctx.conn.getLibVersion() }),
  [P.CONNECT_GET_HOSTNAME]: async (ctx) => ({ hostname: await ctx.conn.getHostname() }),
  [P.CONNECT_GET_URI]: async (ctx) => ({ uri: ctx.client.openName || 'qemu:///system' }),
  [P.CONNECT_GET_CAPABILITIES]: async (ctx) => ({ capabilities: await ctx.conn.getCapabilities() }),
  [P.CONNECT_GET_MAX_VCPUS]: async (ctx, { type }) => ({
    max_vcpus: await ctx.conn.getMaxVcpus(type ?? undefined),
  }),
  [P.NODE_GET_INFO]: async (ctx) => ctx.conn.getNodeInfo(),
  [P.NODE_GET_CPU_MAP]: async (ctx, { need_map, need_online }) => {
    const { cpus } = await ctx.conn.getNodeInfo();
    const all = Array.from({ length: cpus }, (_, i) => i);
    return {
      cpumap: need_map ? buildCpuMap(all, cpuMapLength(cpus)) : Buffer.alloc(0),
      online: need_online ? cpus : 0,
      ret: cpus,
    };
  },
  // No security driver: empty model and doi make virsh skip its security lines and DOMAIN_GET_SECURITY_LABEL.
  [P.NODE_GET_SECURITY_MODEL]: async () => ({ model: '', doi: '' }),
  [P.CONNECT_LIST_ALL_DOMAINS]: async (ctx, { need_results, flags }) => {
    const domains = await ctx.conn.listAllDomains(flags);
    return { domains: need_results ? domains : [], ret: domains.length };
  },
  [P.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY]: async (ctx, { eventID, dom }) => {
    const callbackID = await ctx.client.events.registerDomain(eventID, dom);
    ctx.client.log('debug', `domain event ${eventID} registered as callback ${callbackID}`);
    return { callbackID };
  },
  [P.CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY]: async (ctx, { callbackID }) =>
    ctx.client.events.deregisterDomain(callbackID),
  [P.CONNECT_DOMAIN_EVENT_REGISTER_ANY]: async (ctx, { eventID }) =>
    ctx.client.events.registerLegacy(eventID),
  [P.CONNECT_DOMAIN_EVENT_DEREGISTER_ANY]: async (ctx, { eventID }) =>
    ctx.client.events.deregisterLegacy(eventID),
  [P.CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY]: async (ctx, { eventID, pool }) => ({
    callbackID: await ctx.client.events.registerPool(eventID, pool),
  }),
  [P.CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY]: async (ctx, { callbackID }) =>
    ctx.client.events.deregisterPool(callbackID),
};
