/**
 * The verb shapes the pool-* and net-* verbs share: act on one object and say so, make one from an XML
 * file, print its XML. Each kind says how virsh names it in its messages.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from '../command.js';
import { parseVerbArgs, req, type VerbArgs } from '../args.js';
import type { Connection } from '../../connection.js';

/** One kind of named object the verbs act on. */
export interface ObjectKind<R extends { name: string }> {
  /** The positional argument and the JSON key: `pool`, `network`. */
  key: string;
  /** The word virsh's messages start with: `Pool`, `Network`. */
  noun: string;
  lookup(conn: Connection, text: string): Promise<R>;
  /** What the messages call the object: its name, or the text as typed (virsh's net-* verbs keep a uuid). */
  shownAs: 'name' | 'typed';
}

/** A verb `NAME <object>` that acts and prints "Noun X <done>". */
export function objectAction<R extends { name: string }>(
  kind: ObjectKind<R>,
  name: string,
  summary: string,
  done: string | ((a: VerbArgs) => string),
  act: (c: Connection, obj: R, a: VerbArgs) => Promise<void>,
  flags: string[] = [],
): Command {
  return {
    name,
    summary,
    usage: `Usage: tsvirt ${name} <${kind.key}>${flags.map((f) => ` [--${f}]`).join('')}`,
    async run(ctx) {
      const a = parseVerbArgs(ctx.args, { verb: name, positionals: [kind.key], flags });
      const conn = await ctx.connect();
      const text = req(a, kind.key);
      const obj = await kind.lookup(conn, text);
      await act(conn, obj, a);
      const word = typeof done === 'string' ? done : done(a);
      const shown = kind.shownAs === 'name' ? obj.name : text;
      ctx.print(
        ctx.json ? JSON.stringify({ [kind.key]: obj.name, ok: true }) : `${kind.noun} ${shown} ${word}\n`,
      );
      return 0;
    },
  };
}

/** The `-define` and `-create` verbs: an object from an XML file. */
export function objectFromFile<R extends { name: string }>(
  kind: ObjectKind<R>,
  name: string,
  summary: string,
  word: string,
  make: (c: Connection, xml: string) => Promise<R>,
): Command {
  return {
    name,
    summary,
    usage: `Usage: tsvirt ${name} <file>`,
    async run(ctx) {
      const a = parseVerbArgs(ctx.args, { verb: name, positionals: ['file'] });
      const file = req(a, 'file');
      const obj = await make(await ctx.connect(), await readFile(file, 'utf8'));
      ctx.print(ctx.json ? JSON.stringify(obj) : `${kind.noun} ${obj.name} ${word} from ${file}\n`);
      return 0;
    },
  };
}

/** The `-dumpxml` verb: the object's XML, the persistent definition with --inactive. */
export function objectDumpxml<R extends { name: string }>(
  kind: ObjectKind<R>,
  name: string,
  summary: string,
  getXml: (c: Connection, obj: R, inactive: boolean) => Promise<string>,
): Command {
  return {
    name,
    summary,
    usage: `Usage: tsvirt ${name} <${kind.key}> [--inactive]`,
    async run(ctx) {
      const a = parseVerbArgs(ctx.args, { verb: name, positionals: [kind.key], flags: ['inactive'] });
      const conn = await ctx.connect();
      const xml = await getXml(conn, await kind.lookup(conn, req(a, kind.key)), a.flags.has('inactive'));
      ctx.print(ctx.json ? JSON.stringify({ xml }) : `${xml.trimEnd()}\n`);
      return 0;
    },
  };
}
