/**
 * Which Connection methods a read-only client may not call, keyed by Connection method name, as
 * libvirt's read-only socket denies them (virCheckReadOnlyGoto in libvirt's public API). The WebSocket
 * API checks it before resolving a target. The libvirt RPC server keeps the same list by procedure
 * (src/remote/server/readonly.ts); test/ws/access.test.ts checks that the two name the same APIs.
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

/** VIR_DOMAIN_XML_SECURE: domainGetXMLDesc with it is refused to read-only clients, as libvirt does. */
const XML_SECURE = 1;

/** Whether a read-only client is refused this call; `flags` are the call's flags where it has them. */
export function isDeniedReadOnly(method: keyof Connection, flags?: unknown): boolean {
  if (MUTATING_METHODS.has(method)) return true;
  return method === 'domainGetXMLDesc' && typeof flags === 'number' && (flags & XML_SECURE) !== 0;
}

/** Throws ERR_ACCESS_DENIED when a read-only client calls a mutating method. */
export function checkAccess(
  method: keyof Connection,
  readOnly: boolean,
  what: string = method,
  flags?: unknown,
): void {
  if (!readOnly || !isDeniedReadOnly(method, flags)) return;
  throw new TsvirtError(
    'ERR_ACCESS_DENIED',
    `${what}: operation forbidden for a read-only connection; use a token with rw access`,
    { method, readOnly },
  );
}
