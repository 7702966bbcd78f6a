/**
 * THE table from REMOTE_PROGRAM procedure number to handler. A number missing here is answered with
 * VIR_ERR_NO_SUPPORT and the connection stays up.
 */
import { Procedure as P } from '../protocol.js';
import type { HandlerTable } from './dispatch-types.js';
import { hostHandlers } from './dispatch-host.js';
import { domainHandlers } from './dispatch-domain.js';
import { storageHandlers } from './dispatch-storage.js';
import { legacyHandlers } from './dispatch-legacy.js';
import { streamHandlers } from './dispatch-streams.js';

/** Every procedure the server implements. */
export const PROCEDURE_TABLE: HandlerTable = {
  ...hostHandlers,
  ...domainHandlers,
  ...storageHandlers,
  ...legacyHandlers,
  ...streamHandlers,
};

/** Procedures allowed before CONNECT_OPEN (libvirtd lets these through unauthenticated and unopened). */
export const PRE_OPEN_PROCEDURES: ReadonlySet<number> = new Set([
  P.AUTH_LIST,
  P.CONNECT_SUPPORTS_FEATURE,
  P.CONNECT_OPEN,
]);

/** The procedure numbers the server implements, ascending. */
export function implementedProcedures(): number[] {
  return Object.keys(PROCEDURE_TABLE)
    .map(Number)
    .sort((a, b) => a - b);
}
