/**
 * libvirtd.conf syntax (libvirt's virconf): `key = value` statements, one a line (or separated by `;`),
 * `#` comments, values that are integers, strings in double or single quotes (no escapes, as in
 * libvirt), or lists of those in brackets that may span lines. Pure: text in, entries out.
 */
import { TsvirtError } from '../errors.js';

/** One value of a config entry. */
export type ConfValue = number | string | ConfValue[];

/** One `key = value` statement, with the line its key is on (1-based). */
export interface ConfEntry {
  key: string;
  value: ConfValue;
  line: number;
}

/** A cursor over the text that knows its line number. */
class Cursor {
  pos = 0;
  line = 1;

  constructor(
    readonly text: string,
    readonly file: string,
  ) {}

  peek(): string | undefined {
    return this.text[this.pos];
  }

  next(): string | undefined {
    const ch = this.text[this.pos++];
    if (ch === '\n') this.line++;
    return ch;
  }

  /** Skip spaces and tabs, and with `newlines` also line ends and comments. */
  skipBlank(newlines: boolean): void {
    for (;;) {
      const ch = this.peek();
      if (ch === ' ' || ch === '\t' || ch === '\r') this.next();
      else if (newlines && ch === '\n') this.next();
      else if (newlines && ch === '#') this.skipComment();
      else return;
    }
  }

  skipComment(): void {
    while (this.peek() !== undefined && this.peek() !== '\n') this.next();
  }

  fail(why: string, fields: Record<string, unknown> = {}): TsvirtError {
    return new TsvirtError('ERR_CONFIG_FILE', `${this.file}:${this.line}: ${why}`, {
      file: this.file,
      line: this.line,
      ...fields,
    });
  }
}

/** Parses config text into its entries in order; `file` names it in errors (`FILE:LINE: why`). */
export function parseConf(text: string, file: string): ConfEntry[] {
  const cur = new Cursor(text, file);
  const entries: ConfEntry[] = [];
  for (;;) {
    cur.skipBlank(true);
    if (cur.peek() === undefined) return entries;
    const line = cur.line;
    const key = parseKey(cur);
    cur.skipBlank(false);
    if (cur.next() !== '=') throw cur.fail(`expected '=' after '${key}'`, { field: key });
    cur.skipBlank(false);
    const value = parseValue(cur, key);
    entries.push({ key, value, line });
    endStatement(cur, key);
  }
}

function parseKey(cur: Cursor): string {
  const start = cur.pos;
  while (/[A-Za-z0-9_.]/.test(cur.peek() ?? '')) cur.next();
  const key = cur.text.slice(start, cur.pos);
  if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(key)) {
    throw cur.fail(`expected a key name, found '${cur.peek() ?? 'end of file'}'`);
  }
  return key;
}

/** After a value: blanks, then an optional `;`, a comment, a line end or the end of the file. */
function endStatement(cur: Cursor, key: string): void {
  cur.skipBlank(false);
  if (cur.peek() === ';') cur.next();
  cur.skipBlank(false);
  const ch = cur.peek();
  if (ch === undefined || ch === '\n') return;
  if (ch === '#') return cur.skipComment();
  throw cur.fail(`unexpected '${ch}' after the value of '${key}'`, { field: key });
}

function parseValue(cur: Cursor, key: string): ConfValue {
  const ch = cur.peek();
  if (ch === '"' || ch === "'") return parseString(cur, key);
  if (ch === '[') return parseList(cur, key);
  if (ch !== undefined && /[-+0-9]/.test(ch)) return parseInteger(cur, key);
  throw cur.fail(`'${key}' needs a value: an integer, a quoted string or a [list]`, { field: key });
}

function parseString(cur: Cursor, key: string): string {
  const quote = cur.next() as string;
  const startLine = cur.line;
  const start = cur.pos;
  for (;;) {
    const ch = cur.peek();
    if (ch === undefined || ch === '\n') {
      throw new TsvirtError(
        'ERR_CONFIG_FILE',
        `${cur.file}:${startLine}: unterminated string in the value of '${key}'; close it with ${quote}`,
        { file: cur.file, line: startLine, field: key },
      );
    }
    if (ch === quote) break;
    cur.next();
  }
  const text = cur.text.slice(start, cur.pos);
  cur.next();
  return text;
}

function parseInteger(cur: Cursor, key: string): number {
  const start = cur.pos;
  if (cur.peek() === '-' || cur.peek() === '+') cur.next();
  while (/[0-9]/.test(cur.peek() ?? '')) cur.next();
  const text = cur.text.slice(start, cur.pos);
  if (/[A-Za-z_.]/.test(cur.peek() ?? '') || !/^[-+]?[0-9]+$/.test(text)) {
    throw cur.fail(`'${key}' has a bad number; write an integer or a quoted string`, { field: key });
  }
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw cur.fail(`'${key}' = ${text} is out of range`, { field: key });
  return n;
}

function parseList(cur: Cursor, key: string): ConfValue[] {
  const startLine = cur.line;
  cur.next(); // '['
  const unterminated = (): TsvirtError =>
    new TsvirtError(
      'ERR_CONFIG_FILE',
      `${cur.file}:${startLine}: unterminated list in the value of '${key}'; close it with ]`,
      { file: cur.file, line: startLine, field: key },
    );
  const items: ConfValue[] = [];
  for (;;) {
    cur.skipBlank(true);
    if (cur.peek() === ']') break;
    if (cur.peek() === undefined) throw unterminated();
    items.push(parseValue(cur, key));
    cur.skipBlank(true);
    const sep = cur.peek();
    if (sep === undefined) throw unterminated();
    if (sep === ',') cur.next();
    else if (sep !== ']') {
      throw cur.fail(`expected ',' or ']' in the list of '${key}', found '${sep}'`, { field: key });
    }
  }
  cur.next(); // ']'
  return items;
}
