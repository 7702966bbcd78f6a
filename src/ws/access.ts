/**
 * Which Connection methods a read-only client may not call, keyed by Connection method name, as
 * libvirt's read-only socket denies them (virCheckReadOnlyGoto in libvirt's public API). The WebSocket
 * API checks it before resolving a target. Both this list and the libvirt RPC server's list by procedure
 * (src/remote/server/readonly.ts) derive from the API catalogue's `access` field.
 */
import type { Connection } from '../connection.js';
import { ENTRIES, type AnyEntry } from '../api/catalogue/index.js';
import { TsvirtError } from '../errors.js';

const entries = ENTRIES as readonly AnyEntry[];

/** Connection methods that change state or hand out a guest's devices; denied to read-only clients. */
export const MUTATING_METHODS: ReadonlySet<keyof Connection> = new Set(
  entries.flatMap((e) => (e.access === 'write' && e.method !== undefined ? [e.method] : [])),
);

/** Methods refused only with a flag (domainGetXMLDesc with VIR_DOMAIN_XML_SECURE): method → flag bit. */
const DENIED_WITH_FLAG: ReadonlyMap<keyof Connection, number> = new Map(
  entries.flatMap((e) =>
    typeof e.access === 'object' && e.method !== undefined
      ? [[e.method, e.access.readUnlessFlag] as const]
      : [],
  ),
);

/** Whether a read-only client is refused this call; `flags` are the call's flags where it has them. */
export function isDeniedReadOnly(method: keyof Connection, flags?: unknown): boolean {
  if (MUTATING_METHODS.has(method)) return true;
  const flag = DENIED_WITH_FLAG.get(method);
  return flag !== undefined && typeof flags === 'number' && (flags & flag) !== 0;
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
