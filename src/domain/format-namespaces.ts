import { QEMU_NAMESPACE_URI } from './parse-namespaces.js';
import type { DomainConfig, MetadataElement } from './types.js';
import { el, type XmlNode } from './xml-writer.js';

/** The xmlns:qemu attribute <domain> carries when the definition has qemu namespace data. */
export function buildNamespaceAttrs(config: DomainConfig): Array<[string, string | undefined]> {
  return [['xmlns:qemu', config.qemuCommandline ? QEMU_NAMESPACE_URI : undefined]];
}

/**
 * <metadata> as libvirt writes it: serialized by libxml2, so with double-quoted attributes, two spaces
 * per level and each child element on a line of its own.
 */
export function buildMetadataNode(config: DomainConfig): XmlNode | undefined {
  const metadata = config.metadata;
  if (metadata === undefined) return undefined;
  return {
    name: 'metadata',
    render: (depth) => renderLibxml({ name: 'metadata', attrs: [], children: metadata }, depth),
  };
}

/** <qemu:commandline>, after <devices>, with the qemu prefix libvirt always writes. */
export function buildQemuCommandlineNode(config: DomainConfig): XmlNode | undefined {
  const cmd = config.qemuCommandline;
  if (!cmd) return undefined;
  return el(
    'qemu:commandline',
    [],
    [
      ...cmd.args.map((value) => el('qemu:arg', [['value', value]])),
      ...cmd.env.map((e) =>
        el('qemu:env', [
          ['name', e.name],
          ['value', e.value],
        ]),
      ),
    ],
  );
}

export function renderLibxml(node: MetadataElement, depth: number): string {
  const pad = '  '.repeat(depth);
  const attrs = node.attrs.map(([k, v]) => ` ${k}="${escapeLibxmlAttr(v)}"`).join('');
  const open = `${pad}<${node.name}${attrs}`;
  if (node.children.length === 0) {
    const text = node.text ?? '';
    return text === '' ? `${open}/>\n` : `${open}>${escapeLibxmlText(text)}</${node.name}>\n`;
  }
  const inner = node.children.map((c) => renderLibxml(c, depth + 1)).join('');
  return `${open}>\n${inner}${pad}</${node.name}>\n`;
}

/** Text as libxml2 escapes it: & < > and CR. */
function escapeLibxmlText(text: string): string {
  return text.replace(/[&<>\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' })[c] ?? c);
}

/** An attribute value as libxml2 escapes it: & < > " and tab, LF, CR as references. */
function escapeLibxmlAttr(text: string): string {
  return text.replace(
    /[&<>"\t\n\r]/g,
    (c) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' })[
        c
      ] ?? c,
  );
}
