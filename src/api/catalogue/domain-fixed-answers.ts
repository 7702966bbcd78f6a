/**
 * Catalogue: domain queries virsh makes that tsvirt answers with fixed values, because it keeps no
 * managed-save images, snapshots, security labels or taint messages. Each still fails for a domain
 * that does not exist.
 */
import { Limit } from '../../remote/protocol.js';
import { xdrArray, xdrCharVar, xdrInt, xdrNonnullString, xdrStruct } from '../../remote/xdr-codec.js';
import { domArgs, domFlagsArgs } from '../../remote/structs-common.js';
import { Procedure as P } from './procedure-numbers.js';
import { served } from './bind.js';
import { numRet } from './legacy.js';

/** remote_domain_get_security_label_ret: char array, one 4-byte unit per char, NUL counted. */
export const domainGetSecurityLabelRet = xdrStruct({
  label: xdrCharVar(Limit.SECURITY_LABEL_MAX),
  enforcing: xdrInt,
});
/** remote_domain_has_managed_save_image_ret. */
export const hasManagedSaveRet = xdrStruct({ result: xdrInt });
/** remote_domain_get_messages_ret. */
export const domainGetMessagesRet = xdrStruct({
  msgs: xdrArray(xdrNonnullString, Limit.DOMAIN_MESSAGES_MAX),
});

/** Fixed-answer domain procedures. */
export const domainFixedAnswerEntries = [
  served(P.DOMAIN_HAS_MANAGED_SAVE_IMAGE, {
    api: 'virDomainHasManagedSaveImage',
    access: 'read',
    args: domFlagsArgs,
    ret: hasManagedSaveRet,
    serve: async (ctx, { dom }) => {
      await ctx.conn.lookupDomainByUUID(dom.uuid);
      return { result: 0 };
    },
  }),
  served(P.DOMAIN_SNAPSHOT_NUM, {
    api: 'virDomainSnapshotNum',
    access: 'read',
    args: domFlagsArgs,
    ret: numRet,
    serve: async (ctx, { dom }) => {
      await ctx.conn.lookupDomainByUUID(dom.uuid);
      return { num: 0 };
    },
  }),
  served(P.DOMAIN_GET_SECURITY_LABEL, {
    api: 'virDomainGetSecurityLabel',
    access: 'read',
    args: domArgs,
    ret: domainGetSecurityLabelRet,
    serve: async (ctx, { dom }) => {
      await ctx.conn.lookupDomainByUUID(dom.uuid);
      return { label: '', enforcing: 0 };
    },
  }),
  served(P.DOMAIN_GET_MESSAGES, {
    api: 'virDomainGetMessages',
    access: 'read',
    args: domFlagsArgs,
    ret: domainGetMessagesRet,
    serve: async (ctx, { dom }) => {
      await ctx.conn.lookupDomainByUUID(dom.uuid);
      return { msgs: [] };
    },
  }),
] as const;
