/**
 * The one list of procedures a read-only client may not call (the ro socket, or CONNECT_OPEN with
 * VIR_CONNECT_RO), each with the public API name libvirt puts in its refusal.
 */
import { Procedure as P } from '../protocol.js';
import { VirErrorDomain, VirErrorNumber } from '../error-map.js';
import { buildRemoteError, type RemoteError } from '../structs-common.js';

/** VIR_DOMAIN_XML_SECURE: DOMAIN_GET_XML_DESC with it is refused on read-only connections. */
const XML_SECURE = 1;

/** Mutating procedure number → the libvirt API whose read-only check refuses it. */
export const MUTATING_PROCEDURES: ReadonlyMap<number, string> = new Map<number, string>([
  [P.DOMAIN_CREATE, 'virDomainCreate'],
  [P.DOMAIN_CREATE_WITH_FLAGS, 'virDomainCreateWithFlags'],
  [P.DOMAIN_CREATE_XML, 'virDomainCreateXML'],
  [P.DOMAIN_DEFINE_XML, 'virDomainDefineXML'],
  [P.DOMAIN_DEFINE_XML_FLAGS, 'virDomainDefineXMLFlags'],
  [P.DOMAIN_UNDEFINE, 'virDomainUndefine'],
  [P.DOMAIN_UNDEFINE_FLAGS, 'virDomainUndefineFlags'],
  [P.DOMAIN_DESTROY, 'virDomainDestroy'],
  [P.DOMAIN_DESTROY_FLAGS, 'virDomainDestroyFlags'],
  [P.DOMAIN_SHUTDOWN, 'virDomainShutdown'],
  [P.DOMAIN_SHUTDOWN_FLAGS, 'virDomainShutdownFlags'],
  [P.DOMAIN_REBOOT, 'virDomainReboot'],
  [P.DOMAIN_RESET, 'virDomainReset'],
  [P.DOMAIN_SUSPEND, 'virDomainSuspend'],
  [P.DOMAIN_RESUME, 'virDomainResume'],
  [P.DOMAIN_SET_AUTOSTART, 'virDomainSetAutostart'],
  [P.DOMAIN_SET_MEMORY, 'virDomainSetMemory'],
  [P.DOMAIN_SET_MEMORY_FLAGS, 'virDomainSetMemoryFlags'],
  [P.DOMAIN_PIN_VCPU, 'virDomainPinVcpu'],
  [P.DOMAIN_PIN_VCPU_FLAGS, 'virDomainPinVcpuFlags'],
  [P.DOMAIN_OPEN_CONSOLE, 'virDomainOpenConsole'],
  [P.STORAGE_POOL_CREATE_XML, 'virStoragePoolCreateXML'],
  [P.STORAGE_POOL_DEFINE_XML, 'virStoragePoolDefineXML'],
  [P.STORAGE_POOL_CREATE, 'virStoragePoolCreate'],
  [P.STORAGE_POOL_BUILD, 'virStoragePoolBuild'],
  [P.STORAGE_POOL_DESTROY, 'virStoragePoolDestroy'],
  [P.STORAGE_POOL_DELETE, 'virStoragePoolDelete'],
  [P.STORAGE_POOL_UNDEFINE, 'virStoragePoolUndefine'],
  [P.STORAGE_POOL_REFRESH, 'virStoragePoolRefresh'],
  [P.STORAGE_POOL_SET_AUTOSTART, 'virStoragePoolSetAutostart'],
  [P.STORAGE_VOL_CREATE_XML, 'virStorageVolCreateXML'],
  [P.STORAGE_VOL_CREATE_XML_FROM, 'virStorageVolCreateXMLFrom'],
  [P.STORAGE_VOL_DELETE, 'virStorageVolDelete'],
  [P.STORAGE_VOL_WIPE, 'virStorageVolWipe'],
  [P.STORAGE_VOL_RESIZE, 'virStorageVolResize'],
  [P.STORAGE_VOL_UPLOAD, 'virStorageVolUpload'],
  [P.STORAGE_VOL_DOWNLOAD, 'virStorageVolDownload'],
]);

/** Whether a read-only client is refused this call; `flags` are the call's flags where it has them. */
export function isDeniedReadOnly(proc: number, flags?: number): boolean {
  if (MUTATING_PROCEDURES.has(proc)) return true;
  return proc === P.DOMAIN_GET_XML_DESC && ((flags ?? 0) & XML_SECURE) !== 0;
}

/** libvirt's refusal (VIR_ERR_OPERATION_DENIED), as virCheckReadOnlyGoto words it. */
export function readOnlyDeniedError(proc: number): RemoteError {
  const api = MUTATING_PROCEDURES.get(proc);
  const detail = api ? `read only access prevents ${api}` : 'virDomainGetXMLDesc with secure flag';
  const domain = api?.startsWith('virStorage') ? VirErrorDomain.STORAGE : VirErrorDomain.DOMAIN;
  return buildRemoteError(VirErrorNumber.OPERATION_DENIED, domain, `operation forbidden: ${detail}`);
}
