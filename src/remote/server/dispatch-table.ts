/**
 * THE table from REMOTE_PROGRAM procedure number to handler, derived from the API catalogue
 * (src/api/catalogue/): each entry's `serve`. A number missing here is answered with VIR_ERR_NO_SUPPORT
 * and the connection stays up.
 */
import { ENTRIES } from '../../api/catalogue/index.js';
import { Procedure as P } from '../protocol.js';
import type { HandlerTable } from './dispatch-types.js';

/** Every procedure the server implements. */
export const PROCEDURE_TABLE: HandlerTable = Object.fromEntries(ENTRIES.map((e) => [e.proc, e.serve]));

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
