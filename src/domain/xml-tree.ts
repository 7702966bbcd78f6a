import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { TsvirtError } from '../errors.js';

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
});

/** Parse a well-formed XML document with exactly one root element into an XmlElement tree. */
export function parseXmlTree(xml: string): XmlElement {
  const verdict = XMLValidator.validate(xml);
  if (verdict !== true) {
    const { msg, line, col } = verdict.err;
    throw new TsvirtError('ERR_XML_PARSE', `XML is not well-formed at line ${line}, column ${col}: ${msg}`, {
      line,
      col,
      reason: msg,
    });
  }
  if (DOCTYPE_PATTERN.test(xml)) {
    // A domain definition never needs one, and its entities are a way to smuggle in files or huge texts.
    throw new TsvirtError('ERR_NOT_SUPPORTED', 'XML <!DOCTYPE> is not supported by tsvirt; remove it', {
      element: '!DOCTYPE',
    });
  }
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(xml) as OrderedNode[];
  } catch (cause) {
    throw new TsvirtError(
      'ERR_XML_PARSE',
      `XML could not be parsed: ${(cause as Error).message}`,
      {
        reason: (cause as Error).message,
      },
      { cause },
    );
  }
  const roots = toElements(nodes, '');
  if (roots.length !== 1 || !roots[0]) {
    throw new TsvirtError('ERR_XML_PARSE', `XML has ${roots.length} root elements; expected exactly one`, {
      roots: roots.map((r) => r.name),
    });
  }
  return roots[0];
}

function toElements(nodes: OrderedNode[], parentPath: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const node of nodes) {
    const name = Object.keys(node).find((k) => k !== ':@');
    if (name === undefined || name === '#text' || name === '#comment') continue;
    const path = parentPath ? `${parentPath}/${name}` : name;
    const inner = (node[name] as OrderedNode[]) ?? [];
    const attrs = (node[':@'] as Record<string, string> | undefined) ?? {};
    const text = inner
      .filter((n) => '#text' in n)
      .map((n) => String(n['#text']))
      .join('');
    out.push({ name, path, attrs: { ...attrs }, children: toElements(inner, path), text });
  }
  return out;
}
