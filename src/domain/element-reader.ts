import { TsvirtError } from '../errors.js';
import type { XmlElement } from './xml-tree.js';

/** ERR_NOT_SUPPORTED for an element, attribute or value outside tsvirt's subset. */
export function notSupported(
  el: XmlElement,
  what: { attribute?: string; value?: string; expected?: readonly string[] } = {},
): TsvirtError {
  const { attribute, value, expected } = what;
  const subject =
    attribute === undefined
      ? value === undefined
        ? `element <${el.name}>`
        : `value '${value}' of <${el.name}>`
      : value === undefined
        ? `attribute '${attribute}'`
        : `${attribute}='${value}'`;
  const remedy = expected ? `use one of: ${expected.join(', ')}` : 'remove it';
  return new TsvirtError(
    'ERR_NOT_SUPPORTED',
    `${el.path}: ${subject} is not supported by tsvirt; ${remedy}`,
    {
      element: el.name,
      path: el.path,
      ...(attribute === undefined ? {} : { attribute }),
      ...(value === undefined ? {} : { value }),
      ...(expected === undefined ? {} : { expected: [...expected] }),
    },
  );
}

/** ERR_XML_INVALID for a missing or malformed value. */
export function invalid(
  el: XmlElement,
  problem: string,
  what: { attribute?: string; value?: string; expected: string },
): TsvirtError {
  const where = what.attribute === undefined ? el.path : `${el.path}@${what.attribute}`;
  return new TsvirtError('ERR_XML_INVALID', `${where}: ${problem}; expected ${what.expected}`, {
    element: el.name,
    path: el.path,
    ...(what.attribute === undefined ? {} : { attribute: what.attribute }),
    ...(what.value === undefined ? {} : { value: what.value }),
    expected: what.expected,
  });
}

/**
 * Reads one element while recording which attributes and children were read, so that `finish()` can
 * reject whatever was not: nothing in the XML is dropped in silence.
 */
export class ElementReader {
  private readonly usedAttrs = new Set<string>();
  private readonly usedChildren = new Set<XmlElement>();

  constructor(readonly el: XmlElement) {}

  /** An attribute's value, or undefined. */
  attr(name: string): string | undefined {
    this.usedAttrs.add(name);
    return this.el.attrs[name];
  }

  /** An attribute that must be present and non-empty. */
  requireAttr(name: string, expected: string): string {
    const value = this.attr(name);
    if (value === undefined || value === '') {
      throw invalid(this.el, `attribute '${name}' is missing`, { attribute: name, expected });
    }
    return value;
  }

  /** An attribute limited to a closed set of values, with a default when absent. */
  enumAttr<const T extends string>(name: string, allowed: readonly T[], fallback: T): T;
  enumAttr<const T extends string>(name: string, allowed: readonly T[]): T | undefined;
  enumAttr<const T extends string>(name: string, allowed: readonly T[], fallback?: T): T | undefined {
    const value = this.attr(name);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      throw notSupported(this.el, { attribute: name, value, expected: allowed });
    }
    return value as T;
  }

  /** A yes/no (or on/off) attribute. */
  boolAttr(name: string, words: readonly [string, string] = ['yes', 'no']): boolean | undefined {
    const value = this.enumAttr(name, words);
    return value === undefined ? undefined : value === words[0];
  }

  /** A non-negative integer attribute. */
  uintAttr(name: string): number | undefined {
    const value = this.attr(name);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) {
      throw invalid(this.el, `'${value}' is not a number`, {
        attribute: name,
        value,
        expected: 'an integer',
      });
    }
    return Number(value);
  }

  /** The one child of this name, or undefined; two of them is an error. */
  child(name: string): ElementReader | undefined {
    const found = this.children(name);
    if (found.length > 1) {
      throw invalid(this.el, `element <${name}> appears ${found.length} times`, { expected: 'at most one' });
    }
    return found[0];
  }

  /** Every child of this name, in document order. */
  children(name: string): ElementReader[] {
    const found = this.el.children.filter((c) => c.name === name);
    for (const c of found) this.usedChildren.add(c);
    return found.map((c) => new ElementReader(c));
  }

  /** The trimmed text content. */
  text(): string {
    return this.el.text.trim();
  }

  /** Text that must be non-empty. */
  requireText(expected: string): string {
    const text = this.text();
    if (text === '') throw invalid(this.el, `<${this.el.name}> is empty`, { expected });
    return text;
  }

  /** Mark attributes or children as read although their value is deliberately not kept. */
  skip(names: { attrs?: string[]; children?: string[] }): void {
    for (const a of names.attrs ?? []) this.usedAttrs.add(a);
    for (const c of names.children ?? []) this.children(c);
  }

  /** Reject the first attribute or child element that was never read. */
  finish(): void {
    for (const name of Object.keys(this.el.attrs)) {
      if (!this.usedAttrs.has(name)) throw notSupported(this.el, { attribute: name });
    }
    for (const child of this.el.children) {
      if (!this.usedChildren.has(child)) throw notSupported(child);
    }
  }
}
