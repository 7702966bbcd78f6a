/**
 * Catalogue: the graphics console handed over as a descriptor (virDomainOpenGraphicsFD). The reply is a
 * REPLY_WITH_FDS whose descriptor the server sends after the packet, so the call works on unix sockets
 * only, where the server also answers FD_PASSING (8) with 1.
 */
import { xdrStruct, xdrUint, xdrVoid } from '../../remote/xdr-codec.js';
import { VirErrorDomain, VirErrorNumber } from '../../remote/error-map.js';
import { buildRemoteError, remoteDomain } from '../../remote/structs-common.js';
import { RemoteErrorReply } from '../../remote/server/rpc-errors.js';
import { Procedure as P } from './procedure-numbers.js';
import { served } from './bind.js';

/** remote_domain_open_graphics_fd_args (and remote_domain_open_graphics_args): the graphics index, flags. */
export const domainOpenGraphicsArgs = xdrStruct({ dom: remoteDomain, idx: xdrUint, flags: xdrUint });

/** Graphics procedures. */
export const domainGraphicsEntries = [
  served(P.DOMAIN_OPEN_GRAPHICS_FD, {
    api: 'virDomainOpenGraphicsFD',
    access: 'write',
    args: domainOpenGraphicsArgs,
    ret: xdrVoid,
    method: 'domainOpenGraphicsFD',
    serve: async (ctx, { dom, idx, flags }) => {
      if (!ctx.client.canPassFds) {
        const message = 'argument unsupported: fd passing is not supported by this connection';
        throw new RemoteErrorReply(
          buildRemoteError(VirErrorNumber.ARGUMENT_UNSUPPORTED, VirErrorDomain.RPC, message),
        );
      }
      const fd = await ctx.conn.domainOpenGraphicsFD(dom, idx, flags);
      ctx.client.attachFds(ctx.header, [fd]);
    },
  }),
];
