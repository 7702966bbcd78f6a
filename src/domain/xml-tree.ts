import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { TsvirtError } from '../errors.js';
import { decodeXmlAttribute, decodeXmlText, findForbiddenChar } from './xml-references.js';

/** One XML element: its name, attributes, child elements and text, and its path from the root. */
export interface XmlElement {
  name: string;
  /** Slash-separated path from the root, for error messages: `domain/devices/disk`. */
  path: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The concatenated text directly inside the element. */
  text: string;
}

type OrderedNode = Record<string, unknown>;

/** A <!DOCTYPE> in the prolog, after any XML declaration, processing instructions and comments. */
const DOCTYPE_PATTERN = /^\s*(?:(?:<\?[\s\S]*?\?>|<!--[\s\S]*?-->)\s*)*<!DOCTYPE/i;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // References are decoded once, by xml-references.ts; CDATA stays apart so that it is not decoded.
  processEntities: false,
  cdataPropName: '#cdata',
});

/** The most characters of the validator's complaint kept in a message (it can list every open tag). */
const MAX_REASON_CHARS = 300;

/**
 * Parse a well-formed XML document with exactly one root element into an XmlElement tree, references
 * decoded. `subject` names the document in messages ("pool XML"). Throws ERR_XML_PARSE.
 */
export function parseXmlTree(xml: string, subject = 'XML'): XmlElement {
  const verdict = XMLValidator.validate(xml);
  if (verdict !== true) {
    const { msg, line, col } = verdict.err;
    const reason = summarizeReason(msg);
    throw new TsvirtError(
      'ERR_XML_PARSE',
      `${subject} is not well-formed at line ${line}, column ${col}: ${reason}`,
      { line, col, reason },
    );
  }
  const forbidden = findForbiddenChar(xml);
  if (forbidden !== undefined) {
    const { codePoint, line, col } = forbidden;
    const char = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
    throw new TsvirtError(
      'ERR_XML_PARSE',
      `${subject} is not well-formed at line ${line}, column ${col}: character ${char} is not allowed in XML; remove it`,
      { line, col, reason: `character ${char}` },
    );
  }
  if (DOCTYPE_PATTERN.test(xml)) {
    // A domain definition never needs one, and its entities are a way to smuggle in files or huge texts.
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `${subject} <!DOCTYPE> is not supported by tsvirt; remove it`,
      {
        element: '!DOCTYPE',
      },
    );
  }
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(xml) as OrderedNode[];
  } catch (cause) {
    const reason = summarizeReason((cause as Error).message);
    throw new TsvirtError(
      'ERR_XML_PARSE',
      `${subject} could not be parsed: ${reason}`,
      { reason },
      { cause },
    );
  }
  const roots = toElements(nodes, '');
  if (roots.length !== 1 || !roots[0]) {
    throw new TsvirtError(
      'ERR_XML_PARSE',
      `${subject} has ${roots.length} root elements; expected exactly one`,
      { roots: roots.slice(0, 10).map((r) => r.name) },
    );
  }
  return roots[0];
}

/**
 * The validator's complaint, short: for unclosed tags it lists every one of them as JSON (3.9 MB of
 * `<a>` gives 10 MB of message), so keep the first few names and the count.
 */
function summarizeReason(msg: string): string {
  if (msg.length <= MAX_REASON_CHARS) return msg;
  if (msg.startsWith("Invalid '[")) {
    const head = msg.slice(0, 4 * MAX_REASON_CHARS);
    const names = [...head.matchAll(/"([^"]*)"/g)].slice(0, 8).map((m) => `<${m[1] as string}>`);
    let count = 0;
    for (let at = msg.indexOf('",'); at !== -1; at = msg.indexOf('",', at + 2)) count++;
    return `${count + 1} tags are not closed: ${names.join(', ')}, ...; close them`;
  }
  return `${msg.slice(0, MAX_REASON_CHARS)}... (${msg.length} characters in all)`;
}

function toElements(nodes: OrderedNode[], parentPath: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const node of nodes) {
    const name = Object.keys(node).find((k) => k !== ':@');
    if (name === undefined || name === '#text' || name === '#comment' || name === '#cdata') continue;
    const path = parentPath ? `${parentPath}/${name}` : name;
    const inner = (node[name] as OrderedNode[]) ?? [];
    const attrs: Record<string, string> = {};
    for (const [key, raw] of Object.entries((node[':@'] as Record<string, string> | undefined) ?? {})) {
      attrs[key] = decodeXmlAttribute(String(raw), `${path}@${key}`);
    }
    out.push({ name, path, attrs, children: toElements(inner, path), text: textOf(inner, path) });
  }
  return out;
}

/** The text directly inside an element: its text nodes decoded, its CDATA sections as written. */
function textOf(inner: OrderedNode[], path: string): string {
  let text = '';
  for (const n of inner) {
    if ('#text' in n) text += decodeXmlText(String(n['#text']), path);
    else if ('#cdata' in n) {
      for (const part of n['#cdata'] as OrderedNode[]) text += String(part['#text'] ?? '');
    }
  }
  return text;
}
