/**
 * XML's characters and references, as an XML 1.0 parser without a DTD reads them. fast-xml-parser runs
 * with processEntities off, so this is the one place where `&...;` becomes a character: decoding once
 * keeps `&amp;#65;` the text `&#65;`, where a second pass would make it `A`.
 *
 * The rules (XML 1.0, 5th edition): a character reference `&#N;` or `&#xH;` must name a Char (§2.2:
 * tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF; §4.1 WFC "Legal Character"); without a
 * DTD only the five predefined entities exist (§4.6, §4.1 WFC "Entity Declared"); a literal `&` must
 * start a reference. Line ends become LF (§2.11), and in an attribute value a literal tab, LF or CR
 * becomes a space while a character reference to one stays that character (§3.3.3).
 */
import { TsvirtError } from '../errors.js';

const PREDEFINED: Readonly<Record<string, string>> = {
  lt: '<',
  gt: '>',
  amp: '&',
  apos: "'",
  quot: '"',
};

/** The longest reference body read (`#x10FFFF` has 8 characters; names of 32 are ample for a message). */
const MAX_REFERENCE_CHARS = 32;

/** A literal character XML does not allow: C0 controls but tab, LF and CR; U+FFFE, U+FFFF; lone surrogates. */
const FORBIDDEN_CHAR_RE =
  // eslint-disable-next-line no-control-regex
  /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether a code point is a Char of XML 1.0 (§2.2). */
export function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** The first literal character of `xml` that XML does not allow, with its line and column, or undefined. */
export function findForbiddenChar(xml: string): { codePoint: number; line: number; col: number } | undefined {
  const match = FORBIDDEN_CHAR_RE.exec(xml);
  if (!match) return undefined;
  let line = 1;
  for (let at = xml.indexOf('\n'); at !== -1 && at < match.index; at = xml.indexOf('\n', at + 1)) line++;
  const col = match.index - (xml.lastIndexOf('\n', match.index - 1) + 1) + 1;
  return { codePoint: match[0].charCodeAt(0), line, col };
}

/** The text of an element as XML gives it: line ends as LF, references decoded. `where` names it in errors. */
export function decodeXmlText(raw: string, where: string): string {
  return decodeReferences(raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw, where);
}

/** An attribute value as XML gives it: literal tab, LF and CR (CR LF as one) as spaces, then references decoded. */
export function decodeXmlAttribute(raw: string, where: string): string {
  return decodeReferences(/[\t\n\r]/.test(raw) ? raw.replace(/\r\n|[\t\n\r]/g, ' ') : raw, where);
}

/** Replace each reference in `raw` by its character; ERR_XML_PARSE for a bad or unknown one. */
export function decodeReferences(raw: string, where: string): string {
  if (!raw.includes('&')) return raw;
  let out = '';
  let from = 0;
  for (let at = raw.indexOf('&'); at !== -1; at = raw.indexOf('&', from)) {
    const end = raw.indexOf(';', at);
    const body = end === -1 || end - at - 1 > MAX_REFERENCE_CHARS ? undefined : raw.slice(at + 1, end);
    out += raw.slice(from, at) + resolveReference(body, raw.slice(at, at + 12), where);
    from = (end as number) + 1;
  }
  return out + raw.slice(from);
}

function resolveReference(body: string | undefined, context: string, where: string): string {
  if (body !== undefined && /^#(?:[0-9]+|x[0-9a-fA-F]+)$/.test(body)) {
    const code = body[1] === 'x' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    if (!isXmlChar(code)) {
      throw referenceError(where, `&${body};`, 'names no character XML allows', 'remove it');
    }
    return String.fromCodePoint(code);
  }
  if (body === undefined || !/^[A-Za-z_:][-A-Za-z0-9._:]*$/.test(body)) {
    throw referenceError(where, context, "has an '&' that starts no reference", 'write a literal & as &amp;');
  }
  const char = PREDEFINED[body];
  if (char === undefined) {
    throw referenceError(
      where,
      `&${body};`,
      'is an undeclared entity',
      'without a DTD XML has only &lt; &gt; &amp; &apos; &quot; and &#N; or &#xH;',
    );
  }
  return char;
}

function referenceError(where: string, reference: string, problem: string, remedy: string): TsvirtError {
  const shown = JSON.stringify(reference);
  return new TsvirtError('ERR_XML_PARSE', `${where}: ${shown} ${problem}; ${remedy}`, {
    path: where,
    reference,
    reason: problem,
  });
}
