/**
 * virDomainSetMetadata and virDomainGetMetadata on a definition: the title, the description, and the
 * namespaced elements under <metadata>, one per namespace URI. Pure: no I/O.
 */
import { TsvirtError } from '../errors.js';
import { MetadataType } from '../api/domain-enums.js';
import { renderLibxml } from './format-namespaces.js';
import type { DomainConfig, MetadataElement } from './types.js';
import { parseXmlTree, type XmlElement } from './xml-tree.js';

/** A change virDomainSetMetadata asks for; `metadata` null or '' removes. */
export interface MetadataChange {
  type: number;
  metadata: string | null;
  key: string | null;
  uri: string | null;
}

/** An XML namespace prefix (an NCName without dots, as a short key). */
const PREFIX_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Apply `change` to `def` in place. Errors name the argument; `def` is unchanged when one is thrown. */
export function applyMetadataChange(def: DomainConfig, change: MetadataChange): void {
  const text = change.metadata === null || change.metadata === '' ? undefined : change.metadata;
  switch (change.type) {
    case MetadataType.TITLE:
      if (text?.includes('\n')) {
        throw new TsvirtError('ERR_INVALID_ARG', "metadata title can't contain newlines", {
          field: 'metadata',
          value: text,
          expected: 'one line of text',
        });
      }
      checkNoNamespace(change);
      setText(def, 'title', text);
      return;
    case MetadataType.DESCRIPTION:
      checkNoNamespace(change);
      setText(def, 'description', text);
      return;
    case MetadataType.ELEMENT: {
      const uri = requireUri(change.uri);
      const kept = (def.metadata ?? []).filter((el) => namespaceOf(el) !== uri);
      if (text !== undefined) kept.push(buildElement(text, requireKey(change.key), uri));
      if (kept.length > 0) def.metadata = kept;
      else delete def.metadata;
      return;
    }
    default:
      throw unknownType(change.type);
  }
}

/**
 * What virDomainGetMetadata returns: the title or description text, or the element of namespace `uri`
 * without its namespace, as libvirt serializes it. ERR_NO_METADATA when there is none.
 */
export function readMetadata(def: DomainConfig, type: number, uri: string | null): string {
  let found: string | undefined;
  switch (type) {
    case MetadataType.TITLE:
      found = def.title;
      break;
    case MetadataType.DESCRIPTION:
      found = def.description;
      break;
    case MetadataType.ELEMENT: {
      const wanted = requireUri(uri);
      const el = def.metadata?.find((e) => namespaceOf(e) === wanted);
      if (el) found = renderLibxml(withoutNamespace(el), 0).replace(/\n$/, '');
      break;
    }
    default:
      throw unknownType(type);
  }
  if (found === undefined) {
    throw new TsvirtError(
      'ERR_NO_METADATA',
      'metadata not found: Requested metadata element is not present',
      {
        field: type === MetadataType.ELEMENT ? 'uri' : 'type',
        value: type === MetadataType.ELEMENT ? uri : type,
      },
    );
  }
  return found;
}

function setText(def: DomainConfig, field: 'title' | 'description', text: string | undefined): void {
  if (text === undefined) delete def[field];
  else def[field] = text;
}

function checkNoNamespace(change: MetadataChange): void {
  for (const field of ['key', 'uri'] as const) {
    if (change[field] === null) continue;
    throw new TsvirtError('ERR_INVALID_ARG', `${field} must be NULL for a title or description`, {
      field,
      value: change[field],
      expected: 'NULL',
    });
  }
}

function requireUri(uri: string | null): string {
  if (uri !== null && uri !== '') return uri;
  throw new TsvirtError('ERR_INVALID_ARG', 'metadata of type element needs a namespace URI', {
    field: 'uri',
    value: uri,
    expected: 'a namespace URI such as http://example.org/app',
  });
}

function requireKey(key: string | null): string {
  if (key !== null && PREFIX_PATTERN.test(key)) return key;
  throw new TsvirtError('ERR_INVALID_ARG', `metadata key ${JSON.stringify(key)} is not a namespace prefix`, {
    field: 'key',
    value: key,
    expected: 'an XML prefix: a letter or _, then letters, digits, _ or -',
  });
}

function unknownType(type: number): TsvirtError {
  return new TsvirtError('ERR_INVALID_ARG', `unknown metadata type '${type}'`, {
    field: 'type',
    value: type,
    expected: '0 (description), 1 (title) or 2 (element)',
  });
}

/** The namespace URI a kept element is in: its prefix's declaration, which parsing put on it. */
function namespaceOf(el: MetadataElement): string | undefined {
  const prefix = localPrefix(el.name);
  const decl = prefix === undefined ? 'xmlns' : `xmlns:${prefix}`;
  return el.attrs.find(([k]) => k === decl)?.[1];
}

function localPrefix(qname: string): string | undefined {
  const at = qname.indexOf(':');
  return at > 0 ? qname.slice(0, at) : undefined;
}

function localName(qname: string): string {
  return qname.slice(qname.indexOf(':') + 1);
}

const isDecl = ([k]: [string, string]): boolean => k === 'xmlns' || k.startsWith('xmlns:');

/** The element parsed from `xml`, it and its descendants put in namespace `uri` under prefix `key`. */
function buildElement(xml: string, key: string, uri: string): MetadataElement {
  const root = parseXmlTree(xml, 'metadata');
  const inNamespace = (el: XmlElement): MetadataElement => {
    const attrs = Object.entries(el.attrs).filter((a) => !isDecl(a));
    const name = `${key}:${localName(el.name)}`;
    if (el.children.length === 0) return { name, attrs, children: [], text: el.text };
    return { name, attrs, children: el.children.map(inNamespace) };
  };
  const el = inNamespace(root);
  el.attrs.unshift([`xmlns:${key}`, uri]);
  return el;
}

/** A kept element as GetMetadata shows it: local names, no namespace declarations. */
function withoutNamespace(el: MetadataElement): MetadataElement {
  return {
    ...el,
    name: localName(el.name),
    attrs: el.attrs.filter((a) => !isDecl(a)),
    children: el.children.map(withoutNamespace),
  };
}
