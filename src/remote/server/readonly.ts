/**
 * What a read-only client (the ro socket, or CONNECT_OPEN with VIR_CONNECT_RO) may not call, by
 * procedure, derived from the catalogue's `access` field, with the public API name libvirt puts in its
 * refusal. The WebSocket API derives its list by Connection method from the same field (ws/access.ts).
 */
import { ENTRIES, entryOf, isDeniedReadOnly as isEntryDenied } from '../../api/catalogue/index.js';
import { VirErrorDomain, VirErrorNumber } from '../error-map.js';
import { buildRemoteError, type RemoteError } from '../structs-common.js';

/** Mutating procedure number → the libvirt API whose read-only check refuses it. */
export const MUTATING_PROCEDURES: ReadonlyMap<number, string> = new Map(
  ENTRIES.filter((e) => e.access === 'write').map((e) => [e.proc, e.api]),
);

/** Whether a read-only client is refused this call; `flags` are the call's flags where it has them. */
export function isDeniedReadOnly(proc: number, flags?: number): boolean {
  const entry = entryOf(proc);
  return entry !== undefined && isEntryDenied(entry, flags);
}

/** libvirt's refusal (VIR_ERR_OPERATION_DENIED), as virCheckReadOnlyGoto words it. */
export function readOnlyDeniedError(proc: number): RemoteError {
  const entry = entryOf(proc);
  const access = entry?.access;
  const detail =
    access === undefined || typeof access === 'string'
      ? `read only access prevents ${entry?.api ?? `procedure ${proc}`}`
      : `${entry?.api} with ${access.flagName}`;
  const domain = entry?.api.startsWith('virStorage') ? VirErrorDomain.STORAGE : VirErrorDomain.DOMAIN;
  return buildRemoteError(VirErrorNumber.OPERATION_DENIED, domain, `operation forbidden: ${detail}`);
}
