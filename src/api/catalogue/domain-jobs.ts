/** Catalogue: a domain's background job: its progress (info, typed stats) and its abort. */
import { TsvirtError } from '../../errors.js';
import { xdrInt, xdrStruct, xdrUhyper, xdrVoid } from '../../remote/xdr-codec.js';
import { domArgs, domFlagsArgs } from '../../remote/structs-common.js';
import {
  TypedParamLimit,
  fromWireTypedParams,
  toWireTypedParams,
  xdrTypedParams,
} from '../../remote/typed-params.js';
import { Procedure as P } from './procedure-numbers.js';
import { bound, served } from './bind.js';
import { flagsParam, wsRow } from './ws-rows.js';

/** remote_domain_get_job_info_ret: virDomainJobInfo, times in ms, sizes in bytes. */
export const domainGetJobInfoRet = xdrStruct({
  type: xdrInt,
  timeElapsed: xdrUhyper,
  timeRemaining: xdrUhyper,
  dataTotal: xdrUhyper,
  dataProcessed: xdrUhyper,
  dataRemaining: xdrUhyper,
  memTotal: xdrUhyper,
  memProcessed: xdrUhyper,
  memRemaining: xdrUhyper,
  fileTotal: xdrUhyper,
  fileProcessed: xdrUhyper,
  fileRemaining: xdrUhyper,
});
/** remote_domain_get_job_stats_ret: virDomainJobType and the VIR_DOMAIN_JOB_* parameters. */
export const domainGetJobStatsRet = xdrStruct({
  type: xdrInt,
  params: xdrTypedParams(TypedParamLimit.JOB_STATS_MAX),
});

/** Job procedures. */
export const domainJobEntries = [
  bound(P.DOMAIN_GET_JOB_INFO, {
    api: 'virDomainGetJobInfo',
    access: 'read',
    args: domArgs,
    ret: domainGetJobInfoRet,
    method: 'domainGetJobInfo',
    params: ['dom'],
    result: 'whole',
    ws: wsRow(
      'domain.getJobInfo',
      'domain',
      [],
      [
        'timeElapsed',
        'timeRemaining',
        'dataTotal',
        'dataProcessed',
        'dataRemaining',
        'memTotal',
        'memProcessed',
        'memRemaining',
        'fileTotal',
        'fileProcessed',
        'fileRemaining',
      ],
    ),
  }),
  bound(P.DOMAIN_GET_JOB_STATS, {
    api: 'virDomainGetJobStats',
    access: 'read',
    args: domFlagsArgs,
    ret: domainGetJobStatsRet,
    method: 'domainGetJobStats',
    params: ['dom', 'flags'],
    result: {
      toRet: ({ type, params }) => ({ type, params: toWireTypedParams(params) }),
      fromRet: ({ type, params }) => ({ type, params: fromWireTypedParams(params) }),
    },
    ws: wsRow('domain.getJobStats', 'domain', [flagsParam], { typedParams: 'params' }),
  }),
  served(P.DOMAIN_ABORT_JOB, {
    api: 'virDomainAbortJob',
    access: 'write',
    args: domArgs,
    ret: xdrVoid,
    method: 'domainAbortJob',
    serve: async (ctx, { dom }) => ctx.conn.domainAbortJob(dom),
    // DOMAIN_ABORT_JOB carries no flags; a caller's flags need DOMAIN_ABORT_JOB_FLAGS, not served yet.
    client: async (c, dom, flags = 0) => {
      if (flags !== 0) {
        throw new TsvirtError(
          'ERR_INVALID_ARG',
          `unsupported flags (0x${flags.toString(16)}) in virDomainAbortJob`,
          {
            field: 'flags',
            value: flags,
            expected: 0,
          },
        );
      }
      return c.send({ dom });
    },
    ws: wsRow('domain.abortJob', 'domain', [flagsParam]),
  }),
] as const;
