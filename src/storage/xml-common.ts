import { parseXmlTree, type XmlElement } from '../domain/xml-tree.js';
import { el, renderXml, type XmlNode as WriterNode } from '../domain/xml-writer.js';
import { TsvirtError } from '../errors.js';

/** A parsed XML element: attributes under `@_name`, text under `#text`, children by tag. */
export type XmlNode = Record<string, unknown>;

/** Elements that are always a list, even when there is one (dotted paths from the root). */
const LIST_PATHS: ReadonlySet<string> = new Set(['pool.source.device']);

/**
 * Parse a document whose root element must be `root`. The document goes through the domain XML's
 * parser (xml-tree.ts), so pool and volume XML decode references, refuse characters XML does not allow
 * and refuse a DOCTYPE exactly as domain XML does. ERR_XML_PARSE when it is not well-formed XML.
 */
export function parseRoot(xml: string, root: string): XmlNode {
  if (typeof xml !== 'string') {
    throw new TsvirtError('ERR_XML_PARSE', `${root} XML is not a string; pass the document text`, {
      field: root,
      reason: 'not a string',
    });
  }
  let tree: XmlElement;
  try {
    tree = parseXmlTree(xml, `${root} XML`);
  } catch (err) {
    if (err instanceof TsvirtError) {
      throw new TsvirtError(err.code, err.message, { field: root, ...err.fields }, { cause: err });
    }
    throw err;
  }
  if (tree.name !== root) {
    throw invalid(root, `the root element is <${tree.name}>, not <${root}>`, tree.name, `<${root}>`);
  }
  const node = toNode(tree, root);
  return typeof node === 'string' ? { '#text': node } : node;
}

/** An element in fast-xml-parser's object shape: a string when it has only text, else a node. */
function toNode(el: XmlElement, path: string): XmlNode | string {
  const text = el.text.trim();
  const attrs = Object.entries(el.attrs);
  if (attrs.length === 0 && el.children.length === 0) return text;
  const node: XmlNode = {};
  for (const [key, value] of attrs) node[`@_${key}`] = value;
  if (text !== '') node['#text'] = text;
  for (const kid of el.children) {
    const kidPath = `${path}.${kid.name}`;
    const value = toNode(kid, kidPath);
    const prev = node[kid.name];
    if (prev === undefined) node[kid.name] = LIST_PATHS.has(kidPath) ? [value] : value;
    else if (Array.isArray(prev)) prev.push(value);
    else node[kid.name] = [prev, value];
  }
  return node;
}

/**
 * Serialize one root element as libvirt writes it (the domain XML's writer): single-quoted
 * attributes, two-space indentation, an element without content as `<name/>`. Keys of `node` are
 * written in their order; undefined values are left out and an array is one element per item.
 */
export function buildRoot(root: string, node: XmlNode): string {
  return renderXml(toWriterNode(root, node));
}

function toWriterNode(name: string, value: unknown): WriterNode {
  if (typeof value !== 'object' || value === null) return el(name, [], String(value));
  const node = value as XmlNode;
  const attrs: Array<[string, string | undefined]> = [];
  const kids: WriterNode[] = [];
  let text: string | undefined;
  for (const [key, v] of Object.entries(node)) {
    if (v === undefined) continue;
    if (key === '#text') text = String(v);
    else if (key.startsWith('@_')) attrs.push([key.slice(2), String(v)]);
    else if (Array.isArray(v)) kids.push(...v.map((item) => toWriterNode(key, item)));
    else kids.push(toWriterNode(key, v));
  }
  return text !== undefined && kids.length === 0 ? el(name, attrs, text) : el(name, attrs, kids);
}

/** A child element, when it is present and single. */
export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  const value = node?.[name];
  if (value === undefined) return undefined;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as XmlNode;
  if (typeof value === 'string') return { '#text': value };
  return undefined;
}

/** The trimmed text of a child element, or undefined when absent or empty. */
export function childText(node: XmlNode | undefined, name: string): string | undefined {
  const value = node?.[name];
  const text = typeof value === 'string' ? value : (child(node, name)?.['#text'] as string | undefined);
  return text === undefined || text === '' ? undefined : String(text);
}

/** An attribute's value, or undefined. */
export function attr(node: XmlNode | undefined, name: string): string | undefined {
  const value = node?.[`@_${name}`];
  return value === undefined ? undefined : String(value);
}

/** An ERR_XML_INVALID naming the offending field, its value and what was expected. */
export function invalid(field: string, problem: string, value: unknown, expected: string): TsvirtError {
  return new TsvirtError('ERR_XML_INVALID', `${field}: ${problem}; expected ${expected}`, {
    field,
    value,
    expected,
  });
}
