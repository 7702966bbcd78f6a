/**
 * Catalogue: a running guest's resources and actions: the vCPU count, the maximum memory, a disk's size,
 * keys, NMIs and screenshots.
 */
import { ModificationImpact, VcpuFlags } from '../domain-enums.js';
import { SEND_KEY_MAX } from '../keycodes.js';
import {
  xdrArray,
  xdrNonnullString,
  xdrOptString,
  xdrStruct,
  xdrUhyper,
  xdrUint,
  xdrVoid,
} from '../../remote/xdr-codec.js';
import { domFlagsArgs, remoteDomain } from '../../remote/structs-common.js';
import { Procedure as P } from './procedure-numbers.js';
import { bound, served } from './bind.js';
import { flagsParam, wsRow } from './ws-rows.js';

/** remote_domain_set_vcpus_args. */
export const domainSetVcpusArgs = xdrStruct({ dom: remoteDomain, nvcpus: xdrUint });
/** remote_domain_set_vcpus_flags_args. */
export const domainSetVcpusFlagsArgs = xdrStruct({ dom: remoteDomain, nvcpus: xdrUint, flags: xdrUint });
/** remote_domain_set_max_memory_args. */
export const domainSetMaxMemoryArgs = xdrStruct({ dom: remoteDomain, memory: xdrUhyper });
/** remote_domain_block_resize_args. */
export const domainBlockResizeArgs = xdrStruct({
  dom: remoteDomain,
  disk: xdrNonnullString,
  size: xdrUhyper,
  flags: xdrUint,
});
/** remote_domain_send_key_args. */
export const domainSendKeyArgs = xdrStruct({
  dom: remoteDomain,
  codeset: xdrUint,
  holdtime: xdrUint,
  keycodes: xdrArray(xdrUint, SEND_KEY_MAX),
  flags: xdrUint,
});
/** remote_domain_screenshot_args. */
export const domainScreenshotArgs = xdrStruct({ dom: remoteDomain, screen: xdrUint, flags: xdrUint });
/** remote_domain_screenshot_ret. */
export const domainScreenshotRet = xdrStruct({ mime: xdrOptString });

/** Guest resource and action procedures. */
export const domainGuestEntries = [
  // virDomainSetVcpus is the live change in libvirt's qemu driver; RemoteConnection sends the flags call.
  served(P.DOMAIN_SET_VCPUS, {
    api: 'virDomainSetVcpus',
    access: 'write',
    args: domainSetVcpusArgs,
    ret: xdrVoid,
    method: 'domainSetVcpus',
    serve: async (ctx, { dom, nvcpus }) => ctx.conn.domainSetVcpus(dom, nvcpus, VcpuFlags.LIVE),
  }),
  bound(P.DOMAIN_SET_VCPUS_FLAGS, {
    api: 'virDomainSetVcpusFlags',
    access: 'write',
    args: domainSetVcpusFlagsArgs,
    ret: xdrVoid,
    method: 'domainSetVcpus',
    params: ['dom', 'nvcpus', 'flags'],
    result: 'void',
    ws: wsRow('domain.setVcpus', 'domain', [{ name: 'nvcpus', type: 'int' }, flagsParam]),
  }),
  // virDomainSetMaxMemory: virDomainSetMemoryFlags with MAXIMUM on the current state, as libvirt's.
  served(P.DOMAIN_SET_MAX_MEMORY, {
    api: 'virDomainSetMaxMemory',
    access: 'write',
    args: domainSetMaxMemoryArgs,
    ret: xdrVoid,
    method: 'domainSetMemory',
    serve: async (ctx, { dom, memory }) => ctx.conn.domainSetMemory(dom, memory, ModificationImpact.MAXIMUM),
  }),
  bound(P.DOMAIN_BLOCK_RESIZE, {
    api: 'virDomainBlockResize',
    access: 'write',
    args: domainBlockResizeArgs,
    ret: xdrVoid,
    method: 'domainBlockResize',
    params: ['dom', 'disk', 'size', 'flags'],
    result: 'void',
    ws: wsRow('domain.blockResize', 'domain', [
      { name: 'disk', type: 'string' },
      { name: 'size', type: 'bigint' },
      flagsParam,
    ]),
  }),
  bound(P.DOMAIN_SEND_KEY, {
    api: 'virDomainSendKey',
    access: 'write',
    args: domainSendKeyArgs,
    ret: xdrVoid,
    method: 'domainSendKey',
    params: ['dom', 'codeset', 'holdtime', 'keycodes', 'flags'],
    result: 'void',
    ws: wsRow('domain.sendKey', 'domain', [
      { name: 'codeset', type: 'int' },
      { name: 'holdtime', type: 'int' },
      { name: 'keycodes', type: 'int[]' },
      flagsParam,
    ]),
  }),
  bound(P.DOMAIN_INJECT_NMI, {
    api: 'virDomainInjectNMI',
    access: 'write',
    args: domFlagsArgs,
    ret: xdrVoid,
    method: 'domainInjectNMI',
    params: ['dom', 'flags'],
    result: 'void',
    ws: wsRow('domain.injectNMI', 'domain', [flagsParam]),
  }),
  // The reply names the MIME type; the picture follows as STREAM packets (RemoteConnection's own code).
  served(P.DOMAIN_SCREENSHOT, {
    api: 'virDomainScreenshot',
    access: 'write', // libvirt refuses it on a read-only connection
    stream: 'out',
    args: domainScreenshotArgs,
    ret: domainScreenshotRet,
    method: 'domainScreenshot',
    serve: async (ctx, { dom, screen, flags }) => {
      const { mime, stream } = await ctx.conn.domainScreenshot(dom, screen, flags);
      ctx.client.attachStream(ctx.header, { source: stream, close: () => stream.destroy() });
      return { mime };
    },
  }),
] as const;
