/**
 * Which Connection methods a read-only client may not call, keyed by Connection method name, as
 * libvirt's read-only socket denies them (virCheckReadOnlyGoto in libvirt's public API). The WebSocket
 * API checks it before resolving a target; the libvirt RPC server's read-only socket is meant to derive
 * its denied procedures from the same list.
 */
import type { Connection } from '../connection.js';
import { TsvirtError } from '../errors.js';

/** Connection methods that change state or hand out a guest's devices; denied to read-only clients. */
export const MUTATING_METHODS: ReadonlySet<keyof Connection> = new Set<keyof Connection>([
  'domainDefineXML',
  'domainCreateXML',
  'domainUndefine',
  'domainCreate',
  'domainShutdown',
  'domainDestroy',
  'domainReboot',
  'domainReset',
  'domainSuspend',
  'domainResume',
  'domainSetAutostart',
  'domainPinVcpu',
  'domainSetMemory',
  'domainOpenConsole',
  'storagePoolDefineXML',
  'storagePoolCreateXML',
  'storagePoolBuild',
  'storagePoolCreate',
  'storagePoolDestroy',
  'storagePoolDelete',
  'storagePoolUndefine',
  'storagePoolRefresh',
  'storagePoolSetAutostart',
  'storageVolCreateXML',
  'storageVolCreateXMLFrom',
  'storageVolDelete',
  'storageVolWipe',
  'storageVolResize',
  'storageVolUpload',
  'storageVolDownload',
]);

/** Throws ERR_ACCESS_DENIED when a read-only client calls a mutating method. */
export function checkAccess(method: keyof Connection, readOnly: boolean, what: string = method): void {
  if (!readOnly || !MUTATING_METHODS.has(method)) return;
  throw new TsvirtError(
    'ERR_ACCESS_DENIED',
    `${what}: operation forbidden for a read-only connection; use a token with rw access`,
    { method, readOnly },
  );
}
