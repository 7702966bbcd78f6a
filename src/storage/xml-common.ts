import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { TsvirtError } from '../errors.js';

/** A parsed XML element: attributes under `@_name`, text under `#text`, children by tag. */
export type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  alwaysCreateTextNode: false,
  isArray: (_name, jpath) => jpath === 'pool.source.device',
});

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  indentBy: '  ',
  suppressEmptyNode: true,
});

/** Parse a document whose root element must be `root`; ERR_XML_PARSE when it is not well-formed XML. */
export function parseRoot(xml: string, root: string): XmlNode {
  const valid =
    typeof xml === 'string' ? XMLValidator.validate(xml) : { err: { msg: 'not a string', line: 0 } };
  if (valid !== true) {
    throw new TsvirtError(
      'ERR_XML_PARSE',
      `${root} XML is not well-formed: ${valid.err.msg} (line ${valid.err.line}); fix the document`,
      {
        field: root,
        line: valid.err.line,
        reason: valid.err.msg,
      },
    );
  }
  // XML 1.0 has no NUL character; the parser would drop `&#0;` silently and change a name.
  if (/&#0+;|&#x0+;/i.test(xml)) {
    throw new TsvirtError(
      'ERR_XML_PARSE',
      `${root} XML refers to character 0 (NUL), which XML does not allow; remove it`,
      { field: root, reason: 'NUL character reference' },
    );
  }
  let doc: XmlNode;
  try {
    doc = parser.parse(xml) as XmlNode;
  } catch (cause) {
    // The validator lets a few faults through (an unclosed CDATA, a bad DOCTYPE) that the parser throws on.
    const reason = (cause as Error).message;
    throw new TsvirtError(
      'ERR_XML_PARSE',
      `${root} XML could not be parsed: ${reason}; fix the document`,
      { field: root, reason },
      { cause },
    );
  }
  const node = doc[root];
  if (node === undefined || typeof node !== 'object' || node === null) {
    const found = Object.keys(doc).find((k) => !k.startsWith('?')) ?? 'nothing';
    throw invalid(root, `the root element is <${found}>, not <${root}>`, found, `<${root}>`);
  }
  return node as XmlNode;
}

/** Serialize one root element with two-space indentation. */
export function buildRoot(root: string, node: XmlNode): string {
  return builder.build({ [root]: node }) as string;
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
