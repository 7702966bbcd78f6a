/**
 * Catalogue: saving a domain's state to a file and restoring it (virDomainSave*, virDomainRestore*,
 * virDomainSaveImage*). RemoteConnection always sends the FLAGS variants.
 */
import {
  xdrIntBool,
  xdrNonnullString,
  xdrOptString,
  xdrStruct,
  xdrUint,
  xdrVoid,
} from '../../remote/xdr-codec.js';
import { domFlagsArgs, remoteDomain } from '../../remote/structs-common.js';
import { Procedure as P } from './procedure-numbers.js';
import { bound } from './bind.js';
import { flagsParam, wsRow } from './ws-rows.js';

/** remote_domain_save_args. */
export const domainSaveArgs = xdrStruct({ dom: remoteDomain, to: xdrNonnullString });
/** remote_domain_save_flags_args. */
export const domainSaveFlagsArgs = xdrStruct({
  dom: remoteDomain,
  to: xdrNonnullString,
  dxml: xdrOptString,
  flags: xdrUint,
});
/** remote_domain_core_dump_args. */
export const domainCoreDumpArgs = xdrStruct({ dom: remoteDomain, to: xdrNonnullString, flags: xdrUint });
/** remote_domain_core_dump_with_format_args. */
export const domainCoreDumpWithFormatArgs = xdrStruct({
  dom: remoteDomain,
  to: xdrNonnullString,
  dumpformat: xdrUint,
  flags: xdrUint,
});
/** remote_domain_restore_args. */
export const domainRestoreArgs = xdrStruct({ from: xdrNonnullString });
/** remote_domain_restore_flags_args. */
export const domainRestoreFlagsArgs = xdrStruct({
  from: xdrNonnullString,
  dxml: xdrOptString,
  flags: xdrUint,
});
/** remote_domain_save_image_get_xml_desc_args. */
export const saveImageGetXmlDescArgs = xdrStruct({ file: xdrNonnullString, flags: xdrUint });
/** remote_domain_save_image_get_xml_desc_ret. */
export const saveImageGetXmlDescRet = xdrStruct({ xml: xdrNonnullString });
/** remote_domain_save_image_define_xml_args. */
export const saveImageDefineXmlArgs = xdrStruct({
  file: xdrNonnullString,
  dxml: xdrNonnullString,
  flags: xdrUint,
});

/** remote_domain_has_managed_save_image_ret. */
export const hasManagedSaveRet = xdrStruct({ result: xdrIntBool });
/** remote_domain_managed_save_get_xml_desc_ret. */
export const managedSaveGetXmlDescRet = xdrStruct({ xml: xdrNonnullString });
/** remote_domain_managed_save_define_xml_args. */
export const managedSaveDefineXmlArgs = xdrStruct({ dom: remoteDomain, dxml: xdrOptString, flags: xdrUint });

const dxmlParam = { name: 'dxml', type: 'string', optional: true } as const;

/** Save and restore procedures. Each reads or writes a file as root, so each needs a read-write connection. */
export const domainSaveEntries = [
  bound(P.DOMAIN_SAVE, {
    api: 'virDomainSave',
    access: 'write',
    args: domainSaveArgs,
    ret: xdrVoid,
    method: 'domainSave',
    params: ['dom', 'to'],
    result: 'void',
    client: 'none',
  }),
  bound(P.DOMAIN_SAVE_FLAGS, {
    api: 'virDomainSaveFlags',
    access: 'write',
    args: domainSaveFlagsArgs,
    ret: xdrVoid,
    method: 'domainSave',
    params: ['dom', 'to', 'dxml', 'flags'],
    result: 'void',
    ws: wsRow('domain.save', 'domain', [{ name: 'to', type: 'string' }, dxmlParam, flagsParam]),
  }),
  bound(P.DOMAIN_CORE_DUMP, {
    api: 'virDomainCoreDump',
    access: 'write',
    args: domainCoreDumpArgs,
    ret: xdrVoid,
    method: 'domainCoreDump',
    params: ['dom', 'to', 'flags'],
    result: 'void',
    client: 'none',
  }),
  bound(P.DOMAIN_CORE_DUMP_WITH_FORMAT, {
    api: 'virDomainCoreDumpWithFormat',
    access: 'write',
    args: domainCoreDumpWithFormatArgs,
    ret: xdrVoid,
    method: 'domainCoreDump',
    params: ['dom', 'to', 'flags', 'dumpformat'],
    result: 'void',
    ws: wsRow('domain.coreDump', 'domain', [
      { name: 'to', type: 'string' },
      flagsParam,
      { name: 'dumpformat', type: 'int', optional: true },
    ]),
  }),
  bound(P.DOMAIN_RESTORE, {
    api: 'virDomainRestore',
    access: 'write',
    args: domainRestoreArgs,
    ret: xdrVoid,
    method: 'domainRestore',
    params: ['from'],
    result: 'void',
    client: 'none',
  }),
  bound(P.DOMAIN_RESTORE_FLAGS, {
    api: 'virDomainRestoreFlags',
    access: 'write',
    args: domainRestoreFlagsArgs,
    ret: xdrVoid,
    method: 'domainRestore',
    params: ['from', 'dxml', 'flags'],
    result: 'void',
    ws: wsRow('domain.restore', 'none', [{ name: 'from', type: 'string' }, dxmlParam, flagsParam]),
  }),
  bound(P.DOMAIN_SAVE_IMAGE_GET_XML_DESC, {
    api: 'virDomainSaveImageGetXMLDesc',
    access: 'write',
    args: saveImageGetXmlDescArgs,
    ret: saveImageGetXmlDescRet,
    method: 'domainSaveImageGetXMLDesc',
    params: ['file', 'flags'],
    result: 'xml',
    ws: wsRow('domain.saveImageGetXMLDesc', 'none', [{ name: 'file', type: 'string' }, flagsParam]),
  }),
  bound(P.DOMAIN_SAVE_IMAGE_DEFINE_XML, {
    api: 'virDomainSaveImageDefineXML',
    access: 'write',
    args: saveImageDefineXmlArgs,
    ret: xdrVoid,
    method: 'domainSaveImageDefineXML',
    params: ['file', 'dxml', 'flags'],
    result: 'void',
    ws: wsRow('domain.saveImageDefineXML', 'none', [
      { name: 'file', type: 'string' },
      { name: 'dxml', type: 'string' },
      flagsParam,
    ]),
  }),
  bound(P.DOMAIN_MANAGED_SAVE, {
    api: 'virDomainManagedSave',
    access: 'write',
    args: domFlagsArgs,
    ret: xdrVoid,
    method: 'domainManagedSave',
    params: ['dom', 'flags'],
    result: 'void',
    ws: wsRow('domain.managedSave', 'domain', [flagsParam]),
  }),
  bound(P.DOMAIN_HAS_MANAGED_SAVE_IMAGE, {
    api: 'virDomainHasManagedSaveImage',
    access: 'read',
    args: domFlagsArgs,
    ret: hasManagedSaveRet,
    method: 'domainHasManagedSaveImage',
    params: ['dom', 'flags'],
    result: 'result',
    ws: wsRow('domain.hasManagedSaveImage', 'domain', [flagsParam]),
  }),
  bound(P.DOMAIN_MANAGED_SAVE_REMOVE, {
    api: 'virDomainManagedSaveRemove',
    access: 'write',
    args: domFlagsArgs,
    ret: xdrVoid,
    method: 'domainManagedSaveRemove',
    params: ['dom', 'flags'],
    result: 'void',
    ws: wsRow('domain.managedSaveRemove', 'domain', [flagsParam]),
  }),
  bound(P.DOMAIN_MANAGED_SAVE_GET_XML_DESC, {
    api: 'virDomainManagedSaveGetXMLDesc',
    access: 'read',
    args: domFlagsArgs,
    ret: managedSaveGetXmlDescRet,
    method: 'domainManagedSaveGetXMLDesc',
    params: ['dom', 'flags'],
    result: 'xml',
    ws: wsRow('domain.managedSaveGetXMLDesc', 'domain', [flagsParam]),
  }),
  bound(P.DOMAIN_MANAGED_SAVE_DEFINE_XML, {
    api: 'virDomainManagedSaveDefineXML',
    access: 'write',
    args: managedSaveDefineXmlArgs,
    ret: xdrVoid,
    method: 'domainManagedSaveDefineXML',
    params: ['dom', 'dxml', 'flags'],
    result: 'void',
    ws: wsRow('domain.managedSaveDefineXML', 'domain', [dxmlParam, flagsParam]),
  }),
] as const;
