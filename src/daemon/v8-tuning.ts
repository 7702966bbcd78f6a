/**
 * V8 settings for a small idle daemon, set at run time (node:v8) so that `npx tsvirtd`, `npm start` and
 * a plain `node tsvirtd.js` get them alike, without flags on the command line.
 *
 * - The optimizing compiler waits until the daemon serves: start-up code (the module loader, the
 *   tables) runs once, and optimizing it only maps several MiB of compiler code into the process.
 * - One full GC once the daemon serves starts V8's memory reducer, which, once allocation is low (an
 *   idle daemon), shrinks the young generation that start-up grew to 16 MiB back to 1 MiB. Under
 *   load V8 grows it again as usual.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Before the daemon's modules load: no optimizing compiler until settleHeapForIdle(). */
export function deferOptimizingCompiler(): void {
  setFlagsFromString('--no-opt');
}

/** How long after the start the full GC runs: past the start's own last replies and file writes. */
const SETTLE_DELAY_MS = 1_000;

/** Once the daemon serves: the optimizing compiler back on, and soon one full GC for the memory reducer. */
export function settleHeapForIdle(): void {
  setFlagsFromString('--opt');
  // gc() exists only in a context made while --expose-gc is set; the flag goes off again at once.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  setFlagsFromString('--no-expose-gc');
  setTimeout(gc, SETTLE_DELAY_MS).unref();
}
