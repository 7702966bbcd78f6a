/** Catalogue: a domain's title, description and namespaced metadata elements. */
import {
  xdrInt,
  xdrNonnullString,
  xdrOptString,
  xdrStruct,
  xdrUint,
  xdrVoid,
} from '../../remote/xdr-codec.js';
import { remoteDomain } from '../../remote/structs-common.js';
import { Procedure as P } from './procedure-numbers.js';
import { bound } from './bind.js';
import { flagsParam, wsRow } from './ws-rows.js';

/** remote_domain_set_metadata_args. */
export const domainSetMetadataArgs = xdrStruct({
  dom: remoteDomain,
  type: xdrInt,
  metadata: xdrOptString,
  key: xdrOptString,
  uri: xdrOptString,
  flags: xdrUint,
});
/** remote_domain_get_metadata_args. */
export const domainGetMetadataArgs = xdrStruct({
  dom: remoteDomain,
  type: xdrInt,
  uri: xdrOptString,
  flags: xdrUint,
});
/** remote_domain_get_metadata_ret. */
export const domainGetMetadataRet = xdrStruct({ metadata: xdrNonnullString });

/** remote_domain_event_callback_metadata_change_msg. */
export const domainEventCallbackMetadataChangeMsg = xdrStruct({
  callbackID: xdrInt,
  dom: remoteDomain,
  type: xdrInt,
  nsuri: xdrOptString,
});

const typeParam = { name: 'type', type: 'int' } as const;

export const domainMetadataEntries = [
  bound(P.DOMAIN_SET_METADATA, {
    api: 'virDomainSetMetadata',
    access: 'write',
    args: domainSetMetadataArgs,
    ret: xdrVoid,
    method: 'domainSetMetadata',
    params: ['dom', 'type', 'metadata', 'key', 'uri', 'flags'],
    result: 'void',
    ws: wsRow('domain.setMetadata', 'domain', [
      typeParam,
      { name: 'metadata', type: 'string', optional: true },
      { name: 'key', type: 'string', optional: true },
      { name: 'uri', type: 'string', optional: true },
      flagsParam,
    ]),
  }),
  bound(P.DOMAIN_GET_METADATA, {
    api: 'virDomainGetMetadata',
    access: 'read',
    args: domainGetMetadataArgs,
    ret: domainGetMetadataRet,
    method: 'domainGetMetadata',
    params: ['dom', 'type', 'uri', 'flags'],
    result: 'metadata',
    ws: wsRow('domain.getMetadata', 'domain', [
      typeParam,
      { name: 'uri', type: 'string', optional: true },
      flagsParam,
    ]),
  }),
] as const;
