/**
 * Catalogue: the procedures that open a stream. The call gets an empty reply and the data then travels
 * as STREAM packets carrying the call's procedure and serial. The server attaches the byte stream the
 * Connection method gives; RemoteConnection's side is its stream plumbing (remote-stream.ts).
 */
import { xdrOptString, xdrStruct, xdrUhyper, xdrUint, xdrVoid } from '../../remote/xdr-codec.js';
import { remoteDomain, remoteVolume } from '../../remote/structs-common.js';
import { Procedure as P } from './procedure-numbers.js';
import { served } from './bind.js';

/** remote_domain_open_console_args: dev_name NULL means the first console. */
export const domainOpenConsoleArgs = xdrStruct({ dom: remoteDomain, dev_name: xdrOptString, flags: xdrUint });
/** remote_storage_vol_upload_args and remote_storage_vol_download_args (length 0 means to the end). */
export const volTransferArgs = xdrStruct({
  vol: remoteVolume,
  offset: xdrUhyper,
  length: xdrUhyper,
  flags: xdrUint,
});

/** Stream procedures. */
export const streamEntries = [
  served(P.DOMAIN_OPEN_CONSOLE, {
    api: 'virDomainOpenConsole',
    access: 'write',
    stream: 'both',
    args: domainOpenConsoleArgs,
    ret: xdrVoid,
    method: 'domainOpenConsole',
    serve: async (ctx, { dom, dev_name, flags }) => {
      const console = await ctx.conn.domainOpenConsole(dom, dev_name ?? undefined, flags);
      ctx.client.attachStream(ctx.header, { source: console, sink: console, close: () => console.destroy() });
    },
  }),
  served(P.STORAGE_VOL_UPLOAD, {
    api: 'virStorageVolUpload',
    access: 'write',
    stream: 'in',
    args: volTransferArgs,
    ret: xdrVoid,
    method: 'storageVolUpload',
    serve: async (ctx, { vol, offset, length, flags }) => {
      await ctx.conn.storageVolGetInfo(vol); // a missing volume fails the call, not the stream
      // Loaded here, not at the top: browsers load this module for the WebSocket method table.
      const { PassThrough } = await import('node:stream');
      const sink = new PassThrough();
      const done = ctx.conn.storageVolUpload(vol, sink, offset, length, flags);
      ctx.client.attachStream(ctx.header, { sink, done, close: () => sink.destroy() });
    },
  }),
  served(P.STORAGE_VOL_DOWNLOAD, {
    api: 'virStorageVolDownload',
    access: 'write',
    stream: 'out',
    args: volTransferArgs,
    ret: xdrVoid,
    method: 'storageVolDownload',
    serve: async (ctx, { vol, offset, length, flags }) => {
      const source = await ctx.conn.storageVolDownload(vol, offset, length, flags);
      ctx.client.attachStream(ctx.header, { source, close: () => source.destroy() });
    },
  }),
] as const;
