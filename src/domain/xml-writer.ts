/** An element to write: attributes in order (undefined ones are left out), then children or text. */
export interface XmlNode {
  name: string;
  attrs?: Array<[string, string | number | undefined]>;
  children?: Array<XmlNode | undefined | false>;
  text?: string;
  /** Writes the element itself, given its depth (for content that keeps its own serialization). */
  render?: (depth: number) => string;
}

/** Build an XmlNode; children that are undefined or false are left out. */
export function el(
  name: string,
  attrs: XmlNode['attrs'] = [],
  content?: XmlNode['children'] | string,
): XmlNode {
  return typeof content === 'string'
    ? { name, attrs, text: content }
    : { name, attrs, children: content ?? [] };
}

/** Characters escapeXmlText replaces or drops (HAS_ tests, the global one replaces). */
// eslint-disable-next-line no-control-regex
const HAS_SPECIAL_RE = /[&<>"'\r\x00-\x08\x0B\x0C\x0E-\x1F]/;
// eslint-disable-next-line no-control-regex
const SPECIAL_RE = /[&<>"'\r\x00-\x08\x0B\x0C\x0E-\x1F]/g;

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\r': '&#13;',
};

/**
 * Escape a value as libvirt's virBufferEscapeString does, for text and attributes alike: the five
 * markup characters become &lt; &gt; &amp; &quot; &apos;, and control characters XML cannot carry are
 * dropped (libvirt drops U+0001-U+0019 but tab, LF, CR; this drops U+001A-U+001F too, which libvirt
 * would write and no XML parser could read back). Tab and LF stay; CR becomes &#13;, where libvirt
 * writes it as it is and a reader turns it into LF (XML 1.0 §2.11).
 */
export function escapeXmlText(text: string): string {
  return HAS_SPECIAL_RE.test(text) ? text.replace(SPECIAL_RE, (c) => ESCAPES[c] ?? '') : text;
}

/**
 * An attribute value: escaped as text, with tab and LF as &#9; and &#10;, where libvirt writes them as
 * they are; a reader turns a literal one in an attribute into a space (XML 1.0 §3.3.3), so only the
 * reference brings the value back unchanged.
 */
export function escapeXmlAttribute(text: string): string {
  const escaped = escapeXmlText(text);
  return /[\t\n]/.test(escaped) ? escaped.replace(/[\t\n]/g, (c) => `&#${c.charCodeAt(0)};`) : escaped;
}

/** Write a node as libvirt does: single-quoted attributes, two-space indent, one element per line. */
export function renderXml(node: XmlNode, depth = 0): string {
  if (node.render) return node.render(depth);
  const pad = '  '.repeat(depth);
  const attrs = (node.attrs ?? [])
    .filter((a): a is [string, string | number] => a[1] !== undefined)
    .map(([k, v]) => ` ${k}='${escapeXmlAttribute(String(v))}'`)
    .join('');
  const open = `${pad}<${node.name}${attrs}`;
  if (node.text !== undefined) return `${open}>${escapeXmlText(node.text)}</${node.name}>\n`;
  const kids = (node.children ?? []).filter((c): c is XmlNode => !!c);
  if (kids.length === 0) return `${open}/>\n`;
  return `${open}>\n${kids.map((k) => renderXml(k, depth + 1)).join('')}${pad}</${node.name}>\n`;
}
