import { describe, expect, it } from 'vitest';
import { formatDomainXml, parseDomainXml } from '../../src/domain/index.js';
import { decodeXmlAttribute, decodeXmlText, findForbiddenChar } from '../../src/domain/xml-references.js';
import { escapeXmlAttribute, escapeXmlText } from '../../src/domain/xml-writer.js';
import { catchTsvirtError } from '../tsvirt-error.js';
import { buildDomainXml } from './fixtures.js';

const errorOf = catchTsvirtError;

const named = (name: string): string => buildDomainXml().replace('<name>t</name>', `<name>${name}</name>`);

describe('XML references', () => {
  it('decodes decimal and hex character references and the five predefined entities', () => {
    expect(decodeXmlText('a&#65;b&#x42;&#x1F600;', 'p')).toBe('aAbB\u{1F600}');
    expect(decodeXmlText('&lt;&gt;&amp;&apos;&quot;', 'p')).toBe(`<>&'"`);
  });

  it('decodes once, so that &amp;#65; is the text &#65;', () => {
    expect(decodeXmlText('&amp;#65;', 'p')).toBe('&#65;');
  });

  it('refuses a reference to a character XML does not allow, naming where and which', () => {
    for (const ref of ['&#0;', '&#x0;', '&#1;', '&#xFFFE;', '&#xD800;', '&#x110000;', '&#99999999999;']) {
      const err = errorOf(() => decodeXmlText(`a${ref}b`, 'domain/name'));
      expect(err.code, ref).toBe('ERR_XML_PARSE');
      expect(err.message, ref).toBe(`domain/name: "${ref}" names no character XML allows; remove it`);
      expect(err.fields).toEqual({
        path: 'domain/name',
        reference: ref,
        reason: 'names no character XML allows',
      });
    }
  });

  it('refuses an undeclared entity and an & that starts no reference', () => {
    const unknown = errorOf(() => decodeXmlAttribute('x&nbsp;y', 'domain/devices/disk/source@file'));
    expect(unknown.message).toMatch(
      /^domain\/devices\/disk\/source@file: "&nbsp;" is an undeclared entity; /,
    );
    for (const raw of ['a & b', 'a&', '&#x;', '&#12a;', `&${'x'.repeat(40)};`]) {
      expect(errorOf(() => decodeXmlAttribute(raw, 'p')).message, raw).toMatch(
        /starts no reference; write a literal & as &amp;$/,
      );
    }
  });

  it('turns line ends into LF in text, and literal whitespace into spaces in attributes only', () => {
    expect(decodeXmlText('a\r\nb\rc', 'p')).toBe('a\nb\nc');
    expect(decodeXmlAttribute('a\tb\r\nc\nd', 'p')).toBe('a b c d');
    expect(decodeXmlAttribute('a&#9;b&#10;c&#13;', 'p')).toBe('a\tb\nc\r');
  });

  it('finds a literal character XML does not allow, with its line and column', () => {
    expect(findForbiddenChar('<a>\n  x\u0001</a>')).toEqual({ codePoint: 1, line: 2, col: 4 });
    expect(findForbiddenChar('<a>\uFFFF</a>')).toEqual({ codePoint: 0xffff, line: 1, col: 4 });
    expect(findForbiddenChar('<a>\t\u{1F600}\u00e9</a>')).toBeUndefined();
  });
});

describe('domain XML with references', () => {
  it('defines <name>a&#65;b</name> as the name aAb, and writes it back plainly', () => {
    const config = parseDomainXml(named('a&#65;b'));
    expect(config.name).toBe('aAb');
    expect(formatDomainXml(config)).toContain('<name>aAb</name>');
  });

  it('decodes references in disk paths and keeps CDATA as written', () => {
    const config = parseDomainXml(
      buildDomainXml({
        top: '<description><![CDATA[x &#65; <y>]]> &amp;#66;</description>',
        devices: "<disk><source file='/i/&#x61;&amp;b.img'/><target dev='vda'/></disk>",
      }),
    );
    expect(config.devices.disks[0]?.source).toMatchObject({ kind: 'file', path: '/i/a&b.img' });
    expect(config.description).toBe('x &#65; <y> &#66;');
  });

  it('refuses &#0; in a name and an unknown entity in a path as not well-formed, naming the place', () => {
    const nul = errorOf(() => parseDomainXml(named('a&#0;b')));
    expect([nul.code, nul.message]).toEqual([
      'ERR_XML_PARSE',
      'domain/name: "&#0;" names no character XML allows; remove it',
    ]);
    const entity = errorOf(() =>
      parseDomainXml(
        buildDomainXml({ devices: "<disk><source file='/i/&foo;'/><target dev='vda'/></disk>" }),
      ),
    );
    expect(entity.fields).toMatchObject({ path: 'domain/devices/disk/source@file', reference: '&foo;' });
  });

  it('refuses a name that decodes to a newline, a tab or a slash, as libvirt does', () => {
    for (const ref of ['&#10;', '&#9;', '&#x2F;']) {
      const err = errorOf(() => parseDomainXml(named(`a${ref}b`)));
      expect([err.code, err.fields.path], ref).toEqual(['ERR_XML_INVALID', 'domain/name']);
    }
  });

  it('refuses a literal control character anywhere in the document, with its line', () => {
    const err = errorOf(() => parseDomainXml(buildDomainXml({ top: '<description>a\u0007b</description>' })));
    expect(err.code).toBe('ERR_XML_PARSE');
    expect(err.message).toMatch(
      /^XML is not well-formed at line 5, column \d+: character U\+0007 is not allowed/,
    );
  });

  it("escapes as libvirt's dumpxml does and reads back what it wrote", () => {
    const text = `a<b>&c"d'e\tf\ng\rh\u0001i`;
    expect(escapeXmlText(text)).toBe('a&lt;b&gt;&amp;c&quot;d&apos;e\tf\ng&#13;hi');
    expect(escapeXmlAttribute(text)).toBe('a&lt;b&gt;&amp;c&quot;d&apos;e&#9;f&#10;g&#13;hi');
    const config = parseDomainXml(
      buildDomainXml({
        top: '<description>1 &lt; 2 &amp; "q" \'a\'</description>',
        devices:
          "<disk><source file='/i/it&apos;s &quot;x&quot; &lt;&amp;&gt;&#10;.img'/><target dev='vda'/></disk>",
      }),
    );
    const xml = formatDomainXml(config);
    expect(xml).toContain('<description>1 &lt; 2 &amp; &quot;q&quot; &apos;a&apos;</description>');
    expect(xml).toContain("<source file='/i/it&apos;s &quot;x&quot; &lt;&amp;&gt;&#10;.img'/>");
    expect(parseDomainXml(xml)).toEqual(config);
  });
});
