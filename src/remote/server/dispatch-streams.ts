/**
 * Handlers of the procedures that open a stream (console, volume upload and download). Each opens the
 * byte stream through the Connection, attaches it to the client, and replies; the STREAM packets follow.
 */
import { PassThrough } from 'node:stream';
import { Procedure as P } from '../protocol.js';
import type { HandlerTable } from './dispatch-types.js';

/** Stream procedures. */
export const streamHandlers: HandlerTable = {
  [P.DOMAIN_OPEN_CONSOLE]: async (ctx, { dom, dev_name, flags }) => {
    const console = await ctx.conn.domainOpenConsole(dom, dev_name ?? undefined, flags);
    ctx.client.attachStream(ctx.header, { source: console, sink: console, close: () => console.destroy() });
  },
  [P.STORAGE_VOL_UPLOAD]: async (ctx, { vol, offset, length, flags }) => {
    await ctx.conn.storageVolGetInfo(vol); // a missing volume fails the call, not the stream
    const sink = new PassThrough();
    const done = ctx.conn.storageVolUpload(vol, sink, offset, length, flags);
    ctx.client.attachStream(ctx.header, { sink, done, close: () => sink.destroy() });
  },
  [P.STORAGE_VOL_DOWNLOAD]: async (ctx, { vol, offset, length, flags }) => {
    const source = await ctx.conn.storageVolDownload(vol, offset, length, flags);
    ctx.client.attachStream(ctx.header, { source, close: () => source.destroy() });
  },
};
