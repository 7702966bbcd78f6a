/**
 * Catalogue: block jobs of a running domain's disk (virDomainBlockCommit, virDomainBlockPull,
 * virDomainGetBlockJobInfo, virDomainBlockJobAbort), as virsh blockcommit, blockpull and blockjob
 * use them.
 */
import {
  xdrInt,
  xdrNonnullString,
  xdrOptString,
  xdrStruct,
  xdrUhyper,
  xdrUint,
  xdrVoid,
} from '../../remote/xdr-codec.js';
import { remoteDomain } from '../../remote/structs-common.js';
import { Procedure as P } from './procedure-numbers.js';
import { bound } from './bind.js';
import { flagsParam, wsRow } from './ws-rows.js';

/** remote_domain_block_commit_args. */
export const domainBlockCommitArgs = xdrStruct({
  dom: remoteDomain,
  disk: xdrNonnullString,
  base: xdrOptString,
  top: xdrOptString,
  bandwidth: xdrUhyper,
  flags: xdrUint,
});
/** remote_domain_block_pull_args. */
export const domainBlockPullArgs = xdrStruct({
  dom: remoteDomain,
  path: xdrNonnullString,
  bandwidth: xdrUhyper,
  flags: xdrUint,
});
/** remote_domain_block_job_abort_args and remote_domain_get_block_job_info_args. */
export const domainBlockJobPathArgs = xdrStruct({
  dom: remoteDomain,
  path: xdrNonnullString,
  flags: xdrUint,
});
/** remote_domain_get_block_job_info_ret. */
export const domainGetBlockJobInfoRet = xdrStruct({
  found: xdrInt,
  type: xdrInt,
  bandwidth: xdrUhyper,
  cur: xdrUhyper,
  end: xdrUhyper,
});

/**
 * remote_domain_event_callback_block_job_msg (callbackID, then the nested remote_domain_event_block_job_msg,
 * which XDR lays out inline) and remote_domain_event_block_job_2_msg (its `dst` is `path` here).
 */
export const domainEventBlockJobMsg = xdrStruct({
  callbackID: xdrInt,
  dom: remoteDomain,
  path: xdrNonnullString,
  type: xdrInt,
  status: xdrInt,
});

const pathParam = { name: 'path', type: 'string' } as const;
const bandwidthParam = { name: 'bandwidth', type: 'bigint' } as const;

/** Block job procedures; each acts on a running domain's disk. */
export const domainBlockJobEntries = [
  bound(P.DOMAIN_BLOCK_COMMIT, {
    api: 'virDomainBlockCommit',
    access: 'write',
    args: domainBlockCommitArgs,
    ret: xdrVoid,
    method: 'domainBlockCommit',
    params: ['dom', 'disk', 'base', 'top', 'bandwidth', 'flags'],
    result: 'void',
    ws: wsRow('domain.blockCommit', 'domain', [
      { name: 'disk', type: 'string' },
      { name: 'base', type: 'string', optional: true },
      { name: 'top', type: 'string', optional: true },
      bandwidthParam,
      flagsParam,
    ]),
  }),
  bound(P.DOMAIN_BLOCK_PULL, {
    api: 'virDomainBlockPull',
    access: 'write',
    args: domainBlockPullArgs,
    ret: xdrVoid,
    method: 'domainBlockPull',
    params: ['dom', 'path', 'bandwidth', 'flags'],
    result: 'void',
    ws: wsRow('domain.blockPull', 'domain', [pathParam, bandwidthParam, flagsParam]),
  }),
  bound(P.DOMAIN_GET_BLOCK_JOB_INFO, {
    api: 'virDomainGetBlockJobInfo',
    access: 'read',
    args: domainBlockJobPathArgs,
    ret: domainGetBlockJobInfoRet,
    method: 'domainGetBlockJobInfo',
    params: ['dom', 'path', 'flags'],
    result: 'whole',
    ws: wsRow('domain.getBlockJobInfo', 'domain', [pathParam, flagsParam], ['bandwidth', 'cur', 'end']),
  }),
  bound(P.DOMAIN_BLOCK_JOB_ABORT, {
    api: 'virDomainBlockJobAbort',
    access: 'write',
    args: domainBlockJobPathArgs,
    ret: xdrVoid,
    method: 'domainBlockJobAbort',
    params: ['dom', 'path', 'flags'],
    result: 'void',
    ws: wsRow('domain.blockJobAbort', 'domain', [pathParam, flagsParam]),
  }),
] as const;
