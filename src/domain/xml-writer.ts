/** An element to write: attributes in order (undefined ones are left out), then children or text. */
export interface XmlNode {
  name: string;
  attrs?: Array<[string, string | number | undefined]>;
  children?: Array<XmlNode | undefined | false>;
  text?: string;
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

function escapeText(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function escapeAttr(text: string): string {
  return escapeText(text).replaceAll("'", '&apos;').replaceAll('"', '&quot;').replaceAll('\n', '&#10;');
}

/** Write a node as libvirt does: single-quoted attributes, two-space indent, one element per line. */
export function renderXml(node: XmlNode, depth = 0): string {
  const pad = '  '.repeat(depth);
  const attrs = (node.attrs ?? [])
    .filter((a): a is [string, string | number] => a[1] !== undefined)
    .map(([k, v]) => ` ${k}='${escapeAttr(String(v))}'`)
    .join('');
  const open = `${pad}<${node.name}${attrs}`;
  if (node.text !== undefined) return `${open}>${escapeText(node.text)}</${node.name}>\n`;
  const kids = (node.children ?? []).filter((c): c is XmlNode => !!c);
  if (kids.length === 0) return `${open}/>\n`;
  return `${open}>\n${kids.map((k) => renderXml(k, depth + 1)).join('')}${pad}</${node.name}>\n`;
}
