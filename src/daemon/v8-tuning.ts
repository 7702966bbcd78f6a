/**
 * V8 settings for a small idle daemon, set at run time (node:v8) so that `npx tsvirtd`, `npm start` and
 * a plain `node tsvirtd.js` get them alike, without flags on the command line.
 *
 * - The compilers (Sparkplug, TurboFan) wait until the daemon serves: start-up code (the module loader,
 *   the tables) runs once, and compiling it only maps a few MiB of compiler code and code objects into
 *   the process. Hot paths are compiled as usual once clients come.
 * - One full GC soon after the daemon serves starts V8's memory reducer, which, once allocation is low
 *   (an idle daemon), shrinks the young generation that start-up grew to 16 MiB back to 1 MiB, about
 *   ten seconds after the start. Under load V8 grows it again as usual.
 * Flags about these compilers given to node itself are left alone.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The compilers deferred during start-up. */
const DEFERRED_COMPILERS = ['opt', 'sparkplug'] as const;

/** How long after the start the full GC runs: past the start's own last replies and file writes. */
const SETTLE_DELAY_MS = 1_000;

/** Whether node was started with a flag naming one of these compilers (or --jitless). */
function hasCompilerFlags(): boolean {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return given.some((arg) => /^--(no-)?(opt|turbofan|sparkplug|jitless|lite-mode)\b/.test(arg));
}

let deferred = false;

/** Before the daemon's modules load: no Sparkplug or TurboFan until settleHeapForIdle(). */
export function deferCompilers(): void {
  if (deferred || hasCompilerFlags()) return;
  for (const name of DEFERRED_COMPILERS) setFlagsFromString(`--no-${name}`);
  deferred = true;
}

/** Once the daemon serves: the compilers back on, and soon one full GC for the memory reducer. */
export function settleHeapForIdle(): void {
  if (deferred) for (const name of DEFERRED_COMPILERS) setFlagsFromString(`--${name}`);
  deferred = false;
  // gc() exists only in a context made while --expose-gc is set; the flag goes off again at once.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  setFlagsFromString('--no-expose-gc');
  setTimeout(gc, SETTLE_DELAY_MS).unref();
}
