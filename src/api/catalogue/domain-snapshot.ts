/** Catalogue: domain snapshots (virDomainSnapshot*, virDomainListAllSnapshots, virDomainRevertToSnapshot). */
import type { SnapshotRef } from '../snapshot-api.js';
import {
  xdrArray,
  xdrInt,
  xdrIntBool,
  xdrNonnullString,
  xdrStruct,
  xdrUint,
  xdrVoid,
  type Codec,
} from '../../remote/xdr-codec.js';
import { domFlagsArgs, remoteDomain } from '../../remote/structs-common.js';
import { Procedure as P } from './procedure-numbers.js';
import { bound } from './bind.js';
import { flagsParam, wsRow, xmlParam } from './ws-rows.js';
import { namesEntry, numRet } from './legacy.js';

/** REMOTE_DOMAIN_SNAPSHOT_LIST_MAX. */
const SNAPSHOT_LIST_MAX = 16384;

/** remote_nonnull_domain_snapshot { string name; remote_nonnull_domain dom }. */
export const remoteSnapshot: Codec<SnapshotRef> = xdrStruct({ name: xdrNonnullString, dom: remoteDomain });

/** remote_domain_snapshot_*_args of a call on one snapshot: snap; uint flags. */
const snapFlagsArgs = xdrStruct({ snap: remoteSnapshot, flags: xdrUint });
/** remote_domain_snapshot_*_ret of a call that returns one snapshot. */
const snapRet = xdrStruct({ snap: remoteSnapshot });
/** remote_domain_snapshot_create_xml_args. */
const createXmlArgs = xdrStruct({ dom: remoteDomain, xml_desc: xdrNonnullString, flags: xdrUint });
/** remote_domain_snapshot_get_xml_desc_ret. */
const xmlRet = xdrStruct({ xml: xdrNonnullString });
/** remote_domain_snapshot_lookup_by_name_args. */
const lookupArgs = xdrStruct({ dom: remoteDomain, name: xdrNonnullString, flags: xdrUint });
/** remote_domain_has_current_snapshot_ret. */
const hasCurrentRet = xdrStruct({ result: xdrIntBool });
/** remote_domain_snapshot_is_current_ret. */
const isCurrentRet = xdrStruct({ current: xdrIntBool });
/** remote_domain_snapshot_has_metadata_ret. */
const hasMetadataRet = xdrStruct({ metadata: xdrIntBool });
/** remote_domain_list_all_snapshots_args. */
const listAllArgs = xdrStruct({ dom: remoteDomain, need_results: xdrInt, flags: xdrUint });
/** remote_domain_snapshot_list_all_children_args (its snapshot field is `snapshot`). */
const listChildrenArgs = xdrStruct({ snapshot: remoteSnapshot, need_results: xdrInt, flags: xdrUint });
/** remote_domain_list_all_snapshots_ret and remote_domain_snapshot_list_all_children_ret. */
const listRet = xdrStruct({ snapshots: xdrArray(remoteSnapshot, SNAPSHOT_LIST_MAX), ret: xdrInt });

/** remote_domain_snapshot_list_names_args (legacy: the names of virDomainListAllSnapshots). */
const listNamesArgs = xdrStruct({ dom: remoteDomain, maxnames: xdrInt, flags: xdrUint });
/** remote_domain_snapshot_list_children_names_args. */
const listChildrenNamesArgs = xdrStruct({ snap: remoteSnapshot, maxnames: xdrInt, flags: xdrUint });
/** remote_domain_snapshot_list_names_ret and remote_domain_snapshot_list_children_names_ret. */
const namesRet = xdrStruct({ names: xdrArray(xdrNonnullString, SNAPSHOT_LIST_MAX) });

/** need_results 0 asks only for the count. */
const listResult = {
  toRet: (snaps: SnapshotRef[], { need_results }: { need_results: number }) => ({
    snapshots: need_results ? snaps : [],
    ret: snaps.length,
  }),
  fromRet: (ret: { snapshots: SnapshotRef[] }) => ret.snapshots,
};

/** Snapshot procedures; creation, revert and deletion need a read-write connection. */
export const domainSnapshotEntries = [
  bound(P.DOMAIN_SNAPSHOT_CREATE_XML, {
    api: 'virDomainSnapshotCreateXML',
    access: 'write',
    args: createXmlArgs,
    ret: snapRet,
    method: 'domainSnapshotCreateXML',
    params: ['dom', 'xml_desc', 'flags'],
    result: 'snap',
    ws: wsRow('domain.snapshotCreateXML', 'domain', [xmlParam, flagsParam]),
  }),
  bound(P.DOMAIN_SNAPSHOT_GET_XML_DESC, {
    api: 'virDomainSnapshotGetXMLDesc',
    access: 'read',
    args: snapFlagsArgs,
    ret: xmlRet,
    method: 'domainSnapshotGetXMLDesc',
    params: ['snap', 'flags'],
    result: 'xml',
  }),
  bound(P.DOMAIN_SNAPSHOT_NUM, {
    api: 'virDomainSnapshotNum',
    access: 'read',
    args: domFlagsArgs,
    ret: numRet,
    method: 'domainSnapshotNum',
    params: ['dom', 'flags'],
    result: 'num',
    ws: wsRow('domain.snapshotNum', 'domain', [flagsParam]),
  }),
  namesEntry(
    P.DOMAIN_SNAPSHOT_LIST_NAMES,
    'virDomainSnapshotListNames',
    listNamesArgs,
    namesRet,
    SNAPSHOT_LIST_MAX,
    (c, { dom, flags }) => c.domainListAllSnapshots(dom, flags),
  ),
  bound(P.DOMAIN_SNAPSHOT_LOOKUP_BY_NAME, {
    api: 'virDomainSnapshotLookupByName',
    access: 'read',
    args: lookupArgs,
    ret: snapRet,
    method: 'domainSnapshotLookupByName',
    params: ['dom', 'name', 'flags'],
    result: 'snap',
    ws: wsRow('domain.snapshotLookupByName', 'domain', [{ name: 'name', type: 'string' }, flagsParam]),
  }),
  bound(P.DOMAIN_HAS_CURRENT_SNAPSHOT, {
    api: 'virDomainHasCurrentSnapshot',
    access: 'read',
    args: domFlagsArgs,
    ret: hasCurrentRet,
    method: 'domainHasCurrentSnapshot',
    params: ['dom', 'flags'],
    result: 'result',
    ws: wsRow('domain.hasCurrentSnapshot', 'domain', [flagsParam]),
  }),
  bound(P.DOMAIN_SNAPSHOT_CURRENT, {
    api: 'virDomainSnapshotCurrent',
    access: 'read',
    args: domFlagsArgs,
    ret: snapRet,
    method: 'domainSnapshotCurrent',
    params: ['dom', 'flags'],
    result: 'snap',
    ws: wsRow('domain.snapshotCurrent', 'domain', [flagsParam]),
  }),
  bound(P.DOMAIN_REVERT_TO_SNAPSHOT, {
    api: 'virDomainRevertToSnapshot',
    access: 'write',
    args: snapFlagsArgs,
    ret: xdrVoid,
    method: 'domainRevertToSnapshot',
    params: ['snap', 'flags'],
    result: 'void',
  }),
  bound(P.DOMAIN_SNAPSHOT_DELETE, {
    api: 'virDomainSnapshotDelete',
    access: 'write',
    args: snapFlagsArgs,
    ret: xdrVoid,
    method: 'domainSnapshotDelete',
    params: ['snap', 'flags'],
    result: 'void',
  }),
  bound(P.DOMAIN_SNAPSHOT_GET_PARENT, {
    api: 'virDomainSnapshotGetParent',
    access: 'read',
    args: snapFlagsArgs,
    ret: snapRet,
    method: 'domainSnapshotGetParent',
    params: ['snap', 'flags'],
    result: 'snap',
  }),
  bound(P.DOMAIN_SNAPSHOT_NUM_CHILDREN, {
    api: 'virDomainSnapshotNumChildren',
    access: 'read',
    args: snapFlagsArgs,
    ret: numRet,
    method: 'domainSnapshotNumChildren',
    params: ['snap', 'flags'],
    result: 'num',
  }),
  namesEntry(
    P.DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES,
    'virDomainSnapshotListChildrenNames',
    listChildrenNamesArgs,
    namesRet,
    SNAPSHOT_LIST_MAX,
    (c, { snap, flags }) => c.domainSnapshotListAllChildren(snap, flags),
  ),
  bound(P.DOMAIN_SNAPSHOT_IS_CURRENT, {
    api: 'virDomainSnapshotIsCurrent',
    access: 'read',
    args: snapFlagsArgs,
    ret: isCurrentRet,
    method: 'domainSnapshotIsCurrent',
    params: ['snap', 'flags'],
    result: 'current',
  }),
  bound(P.DOMAIN_SNAPSHOT_HAS_METADATA, {
    api: 'virDomainSnapshotHasMetadata',
    access: 'read',
    args: snapFlagsArgs,
    ret: hasMetadataRet,
    method: 'domainSnapshotHasMetadata',
    params: ['snap', 'flags'],
    result: 'metadata',
  }),
  bound(P.DOMAIN_LIST_ALL_SNAPSHOTS, {
    api: 'virDomainListAllSnapshots',
    access: 'read',
    args: listAllArgs,
    ret: listRet,
    method: 'domainListAllSnapshots',
    params: ['dom', 'flags'],
    fixed: { need_results: 1 },
    result: listResult,
    ws: wsRow('domain.listAllSnapshots', 'domain', [flagsParam]),
  }),
  bound(P.DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN, {
    api: 'virDomainSnapshotListAllChildren',
    access: 'read',
    args: listChildrenArgs,
    ret: listRet,
    method: 'domainSnapshotListAllChildren',
    params: ['snapshot', 'flags'],
    fixed: { need_results: 1 },
    result: listResult,
  }),
] as const;
