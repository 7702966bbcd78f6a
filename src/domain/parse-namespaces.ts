import { ElementReader, invalid, notSupported } from './element-reader.js';
import type { MetadataElement, QemuCommandline } from './types.js';
import type { XmlElement } from './xml-tree.js';

/** The namespace of libvirt's qemu extensions (<qemu:commandline>). */
export const QEMU_NAMESPACE_URI = 'http://libvirt.org/schemas/domain/qemu/1.0';

/** An environment variable name as libvirt accepts it for <qemu:env>. */
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The namespaces declared on an element: prefix to URI ('' for a default namespace). */
export function readNamespaceDecls(el: XmlElement): Map<string, string> {
  const decls = new Map<string, string>();
  for (const [key, value] of Object.entries(el.attrs)) {
    if (key === 'xmlns') decls.set('', value);
    else if (key.startsWith('xmlns:')) decls.set(key.slice('xmlns:'.length), value);
  }
  return decls;
}

/** Mark the root's xmlns and xmlns:* attributes as read: a namespace declaration is not a setting. */
export function skipNamespaceDecls(r: ElementReader): void {
  r.skip({ attrs: Object.keys(r.el.attrs).filter((k) => k === 'xmlns' || k.startsWith('xmlns:')) });
}

function prefixOf(qname: string): string | undefined {
  const at = qname.indexOf(':');
  return at > 0 ? qname.slice(0, at) : undefined;
}

/**
 * Read <metadata>: its child elements as written. Each must be in a namespace (libvirt keeps only
 * namespaced metadata); a prefix declared on <domain> is declared again on the child that uses it, so
 * that the kept element reads the same on its own.
 */
export function parseMetadata(
  r: ElementReader | undefined,
  rootDecls: Map<string, string>,
): MetadataElement[] | undefined {
  if (!r) return undefined;
  const children = r.el.children.map((child) => {
    const inScope = new Map([...rootDecls, ...readNamespaceDecls(child)]);
    const prefix = prefixOf(child.name) ?? '';
    if (!inScope.has(prefix)) {
      throw invalid(child, `metadata element <${child.name}> is in no namespace`, {
        value: child.name,
        expected: "a namespaced element such as <app:data xmlns:app='http://example.org/app'>",
      });
    }
    const copied = copyElement(child);
    for (const used of findUndeclaredPrefixes(child, new Map())) {
      const uri = rootDecls.get(used);
      if (uri === undefined) {
        throw invalid(child, `namespace prefix '${used}' is not declared`, {
          value: used,
          expected: `an xmlns:${used}='URI' declaration`,
        });
      }
      copied.attrs.push([used === '' ? 'xmlns' : `xmlns:${used}`, uri]);
    }
    return copied;
  });
  r.skip({ children: r.el.children.map((c) => c.name) });
  r.finish();
  return children;
}

function copyElement(el: XmlElement): MetadataElement {
  const attrs = Object.entries(el.attrs);
  if (el.children.length === 0) return { name: el.name, attrs, children: [], text: el.text };
  if (el.text.trim() !== '') {
    throw notSupported(el, {
      value: el.text.trim().slice(0, 40),
      expected: ['elements only, or text only, inside one metadata element'],
    });
  }
  return { name: el.name, attrs, children: el.children.map(copyElement) };
}

/** Prefixes an element or its attributes use that neither it nor its ancestors below <metadata> declare. */
function findUndeclaredPrefixes(el: XmlElement, outer: Map<string, string>): Set<string> {
  const scope = new Map([...outer, ...readNamespaceDecls(el)]);
  const missing = new Set<string>();
  const used = [el.name, ...Object.keys(el.attrs).filter((k) => k !== 'xmlns' && !k.startsWith('xmlns:'))]
    .map(prefixOf)
    .filter((p): p is string => p !== undefined && p !== 'xml');
  if (prefixOf(el.name) === undefined && !scope.has('')) missing.add('');
  for (const p of used) if (!scope.has(p)) missing.add(p);
  for (const child of el.children) for (const p of findUndeclaredPrefixes(child, scope)) missing.add(p);
  return missing;
}

/**
 * Read <P:commandline> where P is the prefix <domain> binds to libvirt's qemu namespace: <P:arg value=/>
 * and <P:env name= value=/>, in document order.
 */
export function parseQemuCommandline(
  root: ElementReader,
  rootDecls: Map<string, string>,
): QemuCommandline | undefined {
  const prefix = [...rootDecls].find(([, uri]) => uri === QEMU_NAMESPACE_URI)?.[0];
  const undeclared = root.el.children.find(
    (c) => c.name.endsWith(':commandline') && !rootDecls.has(prefixOf(c.name) ?? ''),
  );
  if (undeclared) {
    throw invalid(undeclared, `namespace prefix '${prefixOf(undeclared.name)}' is not declared`, {
      value: undeclared.name,
      expected: `xmlns:${prefixOf(undeclared.name)}='${QEMU_NAMESPACE_URI}' on <domain>`,
    });
  }
  const foreign = root.el.children.find(
    (c) => c.name.endsWith(':commandline') && rootDecls.get(prefixOf(c.name) ?? '') !== QEMU_NAMESPACE_URI,
  );
  if (foreign) {
    throw invalid(foreign, `<${foreign.name}> is not in libvirt's qemu namespace`, {
      value: rootDecls.get(prefixOf(foreign.name) ?? '') ?? '',
      expected: `xmlns:${prefixOf(foreign.name)}='${QEMU_NAMESPACE_URI}'`,
    });
  }
  if (prefix === undefined || prefix === '') return undefined;
  const found = root.children(`${prefix}:commandline`);
  if (found.length === 0) return undefined;
  const cmd: QemuCommandline = { args: [], env: [] };
  for (const r of found) {
    for (const arg of r.children(`${prefix}:arg`)) {
      const value = arg.attr('value');
      if (value === undefined) {
        throw invalid(arg.el, "attribute 'value' is missing", {
          attribute: 'value',
          expected: 'a qemu argument',
        });
      }
      arg.finish();
      cmd.args.push(value);
    }
    for (const env of r.children(`${prefix}:env`)) {
      const name = env.requireAttr('name', 'an environment variable name');
      if (!ENV_NAME_PATTERN.test(name)) {
        throw invalid(env.el, `'${name}' is not an environment variable name`, {
          attribute: 'name',
          value: name,
          expected: 'a letter or _ then letters, digits or _',
        });
      }
      const value = env.attr('value');
      env.finish();
      cmd.env.push(value === undefined ? { name } : { name, value });
    }
    r.finish();
  }
  return cmd;
}
