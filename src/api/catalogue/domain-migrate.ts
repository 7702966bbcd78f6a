/**
 * Catalogue: libvirt's migration protocol version 3 with parameters (virDomainMigrate*3Params), the five
 * phases a client drives between two daemons: Begin, Perform and Confirm on the source; Prepare and
 * Finish on the destination. Cookies are opaque bytes the phases pass on; parameters are typed.
 */
import {
  xdrIntBool,
  xdrNonnullString,
  xdrOptString,
  xdrStruct,
  xdrUhyper,
  xdrUint,
  xdrVarOpaque,
  xdrVoid,
} from '../../remote/xdr-codec.js';
import { TsvirtError } from '../../errors.js';
import { remoteDomain } from '../../remote/structs-common.js';
import {
  fromWireTypedParams,
  toWireTypedParams,
  TypedParamLimit,
  xdrTypedParams,
} from '../../remote/typed-params.js';
import { MIGRATE_COOKIE_MAX_BYTES } from '../../driver/migration/cookie.js';
import { Procedure as P } from './procedure-numbers.js';
import { bound, served } from './bind.js';
import { flagsParam, wsRow } from './ws-rows.js';

const params = xdrTypedParams(TypedParamLimit.MIGRATE_PARAM_LIST_MAX);
/** opaque cookie<REMOTE_MIGRATE_COOKIE_MAX>. */
const cookie = xdrVarOpaque(MIGRATE_COOKIE_MAX_BYTES);

/** remote_domain_migrate_begin3_params_args. */
export const begin3ParamsArgs = xdrStruct({ dom: remoteDomain, params, flags: xdrUint });
/** remote_domain_migrate_begin3_params_ret. */
export const begin3ParamsRet = xdrStruct({ cookie_out: cookie, xml: xdrNonnullString });
/** remote_domain_migrate_prepare3_params_args. */
export const prepare3ParamsArgs = xdrStruct({ params, cookie_in: cookie, flags: xdrUint });
/** remote_domain_migrate_prepare3_params_ret. */
export const prepare3ParamsRet = xdrStruct({ cookie_out: cookie, uri_out: xdrOptString });
/** remote_domain_migrate_prepare_tunnel3_params_args (the prepare3 args' shape). */
export const prepareTunnel3ParamsArgs = prepare3ParamsArgs;
/** remote_domain_migrate_prepare_tunnel3_params_ret. */
export const prepareTunnel3ParamsRet = xdrStruct({ cookie_out: cookie });
/** remote_domain_migrate_perform3_params_args. */
export const perform3ParamsArgs = xdrStruct({
  dom: remoteDomain,
  dconnuri: xdrOptString,
  params,
  cookie_in: cookie,
  flags: xdrUint,
});
/** remote_domain_migrate_perform3_params_ret. */
export const perform3ParamsRet = xdrStruct({ cookie_out: cookie });
/** remote_domain_migrate_finish3_params_args. */
export const finish3ParamsArgs = xdrStruct({
  params,
  cookie_in: cookie,
  flags: xdrUint,
  cancelled: xdrIntBool,
});
/** remote_domain_migrate_finish3_params_ret. */
export const finish3ParamsRet = xdrStruct({ dom: remoteDomain, cookie_out: cookie });
/** remote_domain_migrate_confirm3_params_args. */
export const confirm3ParamsArgs = xdrStruct({
  dom: remoteDomain,
  params,
  cookie_in: cookie,
  flags: xdrUint,
  cancelled: xdrIntBool,
});

/** remote_domain_migrate_set_max_downtime_args. */
const setMaxDowntimeArgs = xdrStruct({ dom: remoteDomain, downtime: xdrUhyper, flags: xdrUint });
/** remote_domain_migrate_get_max_downtime_args (and the speed's, the same shape). */
const domFlagsArgs = xdrStruct({ dom: remoteDomain, flags: xdrUint });
/** remote_domain_migrate_get_max_downtime_ret. */
const getMaxDowntimeRet = xdrStruct({ downtime: xdrUhyper });
/** remote_domain_migrate_set_max_speed_args. */
const setMaxSpeedArgs = xdrStruct({ dom: remoteDomain, bandwidth: xdrUhyper, flags: xdrUint });
/** remote_domain_migrate_get_max_speed_ret. */
const getMaxSpeedRet = xdrStruct({ bandwidth: xdrUhyper });

/** A migration's tuning: its speed, its downtime limit, and the switch to post-copy. */
export const domainMigrateTuningEntries = [
  bound(P.DOMAIN_MIGRATE_SET_MAX_DOWNTIME, {
    api: 'virDomainMigrateSetMaxDowntime',
    access: 'write',
    args: setMaxDowntimeArgs,
    ret: xdrVoid,
    method: 'domainMigrateSetMaxDowntime',
    params: ['dom', 'downtime', 'flags'],
    result: 'void',
    ws: wsRow('domain.migrateSetMaxDowntime', 'domain', [{ name: 'downtimeMs', type: 'bigint' }, flagsParam]),
  }),
  bound(P.DOMAIN_MIGRATE_GET_MAX_DOWNTIME, {
    api: 'virDomainMigrateGetMaxDowntime',
    access: 'read',
    args: domFlagsArgs,
    ret: getMaxDowntimeRet,
    method: 'domainMigrateGetMaxDowntime',
    params: ['dom', 'flags'],
    result: 'downtime',
    ws: wsRow('domain.migrateGetMaxDowntime', 'domain', [flagsParam], 'value'),
  }),
  bound(P.DOMAIN_MIGRATE_SET_MAX_SPEED, {
    api: 'virDomainMigrateSetMaxSpeed',
    access: 'write',
    args: setMaxSpeedArgs,
    ret: xdrVoid,
    method: 'domainMigrateSetMaxSpeed',
    params: ['dom', 'bandwidth', 'flags'],
    result: 'void',
    ws: wsRow('domain.migrateSetMaxSpeed', 'domain', [{ name: 'bandwidthMiBs', type: 'bigint' }, flagsParam]),
  }),
  bound(P.DOMAIN_MIGRATE_GET_MAX_SPEED, {
    api: 'virDomainMigrateGetMaxSpeed',
    access: 'read',
    args: domFlagsArgs,
    ret: getMaxSpeedRet,
    method: 'domainMigrateGetMaxSpeed',
    params: ['dom', 'flags'],
    result: 'bandwidth',
    ws: wsRow('domain.migrateGetMaxSpeed', 'domain', [flagsParam], 'value'),
  }),
  bound(P.DOMAIN_MIGRATE_START_POST_COPY, {
    api: 'virDomainMigrateStartPostCopy',
    access: 'write',
    args: domFlagsArgs,
    ret: xdrVoid,
    method: 'domainMigrateStartPostCopy',
    params: ['dom', 'flags'],
    result: 'void',
    ws: wsRow('domain.migrateStartPostCopy', 'domain', [flagsParam]),
  }),
] as const;

/** The migration phases; each changes a domain, so each needs a read-write connection. */
export const domainMigrateEntries = [
  served(P.DOMAIN_MIGRATE_BEGIN3_PARAMS, {
    api: 'virDomainMigrateBegin3Params',
    access: 'write',
    args: begin3ParamsArgs,
    ret: begin3ParamsRet,
    method: 'domainMigrateBegin3Params',
    serve: async (ctx, a) => {
      const r = await ctx.conn.domainMigrateBegin3Params(a.dom, fromWireTypedParams(a.params), a.flags);
      return { cookie_out: r.cookieOut, xml: r.xml };
    },
    client: async (c, dom, p, flags = 0) => {
      const r = await c.send({ dom, params: toWireTypedParams(p), flags });
      return { cookieOut: r.cookie_out, xml: r.xml };
    },
  }),
  served(P.DOMAIN_MIGRATE_PREPARE3_PARAMS, {
    api: 'virDomainMigratePrepare3Params',
    access: 'write',
    args: prepare3ParamsArgs,
    ret: prepare3ParamsRet,
    method: 'domainMigratePrepare3Params',
    serve: async (ctx, a) => {
      const r = await ctx.conn.domainMigratePrepare3Params(
        fromWireTypedParams(a.params),
        a.cookie_in,
        a.flags,
        ctx.client.localAddress,
        ctx.client.gone,
      );
      return { cookie_out: r.cookieOut, uri_out: r.uriOut ?? null };
    },
    client: async (c, p, cookieIn, flags = 0) => {
      const r = await c.send({ params: toWireTypedParams(p), cookie_in: cookieIn, flags });
      return { cookieOut: r.cookie_out, uriOut: r.uri_out ?? undefined };
    },
  }),
  // The guest's state follows the reply as STREAM packets from the source daemon (RemoteConnection's own code).
  served(P.DOMAIN_MIGRATE_PREPARE_TUNNEL3_PARAMS, {
    api: 'virDomainMigratePrepareTunnel3Params',
    access: 'write',
    stream: 'in',
    args: prepareTunnel3ParamsArgs,
    ret: prepareTunnel3ParamsRet,
    method: 'domainMigratePrepareTunnel3Params',
    serve: async (ctx, a) => {
      const { cookieOut, stream } = await ctx.conn.domainMigratePrepareTunnel3Params(
        fromWireTypedParams(a.params),
        a.cookie_in,
        a.flags,
        ctx.client.gone,
      );
      // The stream's finish is confirmed once every byte has gone to the incoming qemu.
      const done = new Promise<void>((resolve, reject) => {
        stream.once('finish', resolve);
        stream.once('close', () =>
          reject(
            new TsvirtError(
              'ERR_OPERATION_FAILED',
              'the incoming qemu closed its migration stream before its end',
              {
                proc: P.DOMAIN_MIGRATE_PREPARE_TUNNEL3_PARAMS,
              },
            ),
          ),
        );
      });
      ctx.client.attachStream(ctx.header, { sink: stream, done, close: () => stream.destroy() });
      return { cookie_out: cookieOut };
    },
  }),
  served(P.DOMAIN_MIGRATE_PERFORM3_PARAMS, {
    api: 'virDomainMigratePerform3Params',
    access: 'write',
    args: perform3ParamsArgs,
    ret: perform3ParamsRet,
    method: 'domainMigratePerform3Params',
    serve: async (ctx, a) => ({
      cookie_out: await ctx.conn.domainMigratePerform3Params(
        a.dom,
        a.dconnuri ?? undefined,
        fromWireTypedParams(a.params),
        a.cookie_in,
        a.flags,
        ctx.client.gone,
      ),
    }),
    client: async (c, dom, dconnuri, p, cookieIn, flags = 0) =>
      (
        await c.send({
          dom,
          dconnuri: dconnuri ?? null,
          params: toWireTypedParams(p),
          cookie_in: cookieIn,
          flags,
        })
      ).cookie_out,
  }),
  served(P.DOMAIN_MIGRATE_FINISH3_PARAMS, {
    api: 'virDomainMigrateFinish3Params',
    access: 'write',
    args: finish3ParamsArgs,
    ret: finish3ParamsRet,
    method: 'domainMigrateFinish3Params',
    serve: async (ctx, a) => {
      const r = await ctx.conn.domainMigrateFinish3Params(
        fromWireTypedParams(a.params),
        a.cookie_in,
        a.flags,
        a.cancelled,
      );
      return { dom: r.dom, cookie_out: r.cookieOut };
    },
    client: async (c, p, cookieIn, flags, cancelled) => {
      const r = await c.send({ params: toWireTypedParams(p), cookie_in: cookieIn, flags, cancelled });
      return { dom: r.dom, cookieOut: r.cookie_out };
    },
  }),
  served(P.DOMAIN_MIGRATE_CONFIRM3_PARAMS, {
    api: 'virDomainMigrateConfirm3Params',
    access: 'write',
    args: confirm3ParamsArgs,
    ret: xdrVoid,
    method: 'domainMigrateConfirm3Params',
    serve: async (ctx, a) =>
      ctx.conn.domainMigrateConfirm3Params(
        a.dom,
        fromWireTypedParams(a.params),
        a.cookie_in,
        a.flags,
        a.cancelled,
      ),
    client: async (c, dom, p, cookieIn, flags, cancelled) => {
      await c.send({ dom, params: toWireTypedParams(p), cookie_in: cookieIn, flags, cancelled });
    },
  }),
] as const;
