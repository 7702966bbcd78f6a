/**
 * Catalogue: domain queries virsh makes that tsvirt answers with fixed values, because it keeps no
 * security labels or taint messages. Each still fails for a domain
 * that does not exist.
 */
import { Limit } from '../../remote/protocol.js';
import type { DomainRef } from '../../connection.js';
import {
  xdrArray,
  xdrCharVar,
  xdrInt,
  xdrNonnullString,
  xdrStruct,
  type Codec,
} from '../../remote/xdr-codec.js';
import { domArgs, domFlagsArgs } from '../../remote/structs-common.js';
import { Procedure as P } from './procedure-numbers.js';
import { served } from './bind.js';
import type { Entry } from './entry.js';

/** remote_domain_get_security_label_ret: char array, one 4-byte unit per char, NUL counted. */
export const domainGetSecurityLabelRet = xdrStruct({
  label: xdrCharVar(Limit.SECURITY_LABEL_MAX),
  enforcing: xdrInt,
});
/** remote_domain_get_messages_ret. */
export const domainGetMessagesRet = xdrStruct({
  msgs: xdrArray(xdrNonnullString, Limit.DOMAIN_MESSAGES_MAX),
});

/** A read-only query of a domain that exists, answered with `answer` (what tsvirt keeps for it). */
function fixedAnswer<const N extends number, A extends { dom: DomainRef }, R>(
  proc: N,
  api: string,
  args: Codec<A>,
  ret: Codec<R>,
  answer: () => R,
): Entry<N, A, R> {
  return served(proc, {
    api,
    access: 'read',
    args,
    ret,
    serve: async (ctx, { dom }) => {
      await ctx.conn.lookupDomainByUUID(dom.uuid); // an unknown domain is still an error
      return answer();
    },
  });
}

/** Fixed-answer domain procedures. */
export const domainFixedAnswerEntries = [
  fixedAnswer(
    P.DOMAIN_GET_SECURITY_LABEL,
    'virDomainGetSecurityLabel',
    domArgs,
    domainGetSecurityLabelRet,
    () => ({
      label: '',
      enforcing: 0,
    }),
  ),
  fixedAnswer(P.DOMAIN_GET_MESSAGES, 'virDomainGetMessages', domFlagsArgs, domainGetMessagesRet, () => ({
    msgs: [],
  })),
] as const;
