import { parseArgs } from 'node:util';
import { TsvirtError } from '../errors.js';

/** The options of one verb: boolean flags, and options that take a value. */
export interface VerbSpec {
  verb: string;
  /** Positional parameter names, in order; a trailing '?' marks one as optional. */
  positionals: string[];
  flags?: string[];
  options?: string[];
  /** Name under which positionals after the named ones are kept (send-key's keycodes); absent, they are refused. */
  variadic?: string;
}

/** Parsed verb arguments: named positionals, flags and option values. */
export interface VerbArgs {
  pos: Record<string, string | undefined>;
  flags: Set<string>;
  opts: Record<string, string | undefined>;
  /** The positionals after the named ones, when the spec has `variadic`. */
  rest: string[];
}

/**
 * Parses a verb's arguments as virsh does: `--opt value` or `--opt=value`, and a named positional may
 * also be given as `--name value` (virsh accepts `--domain X` for the first argument).
 */
export function parseVerbArgs(args: string[], spec: VerbSpec): VerbArgs {
  const names = spec.positionals.map((p) => p.replace(/\?$/, ''));
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const f of spec.flags ?? []) options[f] = { type: 'boolean' };
  for (const o of [...(spec.options ?? []), ...names]) options[o] = { type: 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    const option = /'(--?[^' ]+)/.exec((err as Error).message)?.[1] ?? '';
    throw new TsvirtError('ERR_INVALID_ARG', `command '${spec.verb}' doesn't support option ${option}`, {
      verb: spec.verb,
      option,
    });
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const rest = [...parsed.positionals];
  const pos: Record<string, string | undefined> = {};
  for (const name of names) pos[name] = (values[name] as string | undefined) ?? rest.shift();
  if (rest.length > 0 && spec.variadic === undefined) {
    throw new TsvirtError('ERR_INVALID_ARG', `unexpected data '${rest[0]}'`, {
      verb: spec.verb,
      value: rest[0],
    });
  }
  spec.positionals.forEach((p, i) => {
    if (!p.endsWith('?') && pos[names[i] as string] === undefined) {
      throw new TsvirtError('ERR_INVALID_ARG', `command '${spec.verb}' requires <${names[i]}> option`, {
        verb: spec.verb,
        field: names[i],
      });
    }
  });
  const flags = new Set((spec.flags ?? []).filter((f) => values[f] === true));
  const opts: Record<string, string | undefined> = {};
  for (const o of spec.options ?? []) opts[o] = values[o] as string | undefined;
  return { pos, flags, opts, rest: spec.variadic === undefined ? [] : rest };
}

/** The value of a required positional (parseVerbArgs has checked it is there). */
export function req(a: VerbArgs, name: string): string {
  return a.pos[name] as string;
}
