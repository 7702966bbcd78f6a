/** virDomainSetMetadata / GetMetadata on a definition: kept as written, read back, and refused clearly. */
import { describe, expect, it } from 'vitest';
import { MetadataType } from '../../src/api/domain-enums.js';
import { formatDomainXml, parseDomainXml } from '../../src/domain/index.js';
import { applyMetadataChange, readMetadata } from '../../src/domain/metadata-edit.js';
import { catchTsvirtError } from '../tsvirt-error.js';

/** `fn` throws a TsvirtError of `code` whose fields include `fields`. */
function expectTsvirtError(fn: () => unknown, code: string, fields: Record<string, unknown> = {}): void {
  const err = catchTsvirtError(fn);
  expect(err.code).toBe(code);
  expect(err.fields).toMatchObject(fields);
}

const BASE = `<domain type='qemu'><name>m</name><memory unit='KiB'>65536</memory><os><type>hvm</type></os>
<metadata><old:x xmlns:old='http://example.org/old'>1</old:x></metadata></domain>`;

const set = (
  type: number,
  metadata: string | null,
  key: string | null = null,
  uri: string | null = null,
) => ({
  type,
  metadata,
  key,
  uri,
});

describe('metadata edits', () => {
  it('sets an element under its key, replaces it by namespace, and survives a round trip', () => {
    const def = parseDomainXml(BASE);
    applyMetadataChange(
      def,
      set(MetadataType.ELEMENT, '<d n="1"><i>a</i></d>', 'app', 'http://example.org/app'),
    );
    applyMetadataChange(def, set(MetadataType.ELEMENT, '<e>2</e>', 'app2', 'http://example.org/app'));
    const again = parseDomainXml(formatDomainXml(def));
    expect(readMetadata(again, MetadataType.ELEMENT, 'http://example.org/app')).toBe('<e>2</e>');
    expect(readMetadata(again, MetadataType.ELEMENT, 'http://example.org/old')).toBe('<x>1</x>');
    applyMetadataChange(again, set(MetadataType.ELEMENT, null, null, 'http://example.org/old'));
    applyMetadataChange(again, set(MetadataType.ELEMENT, null, null, 'http://example.org/app'));
    expect(formatDomainXml(again)).not.toContain('<metadata');
  });

  it('sets and clears title and description', () => {
    const def = parseDomainXml(BASE);
    applyMetadataChange(def, set(MetadataType.TITLE, 'T'));
    applyMetadataChange(def, set(MetadataType.DESCRIPTION, 'line 1\nline 2'));
    expect(readMetadata(def, MetadataType.TITLE, null)).toBe('T');
    expect(readMetadata(def, MetadataType.DESCRIPTION, null)).toBe('line 1\nline 2');
    applyMetadataChange(def, set(MetadataType.TITLE, ''));
    expectTsvirtError(() => readMetadata(def, MetadataType.TITLE, null), 'ERR_NO_METADATA', {
      field: 'type',
    });
  });

  it('refuses bad arguments by name and leaves the definition as it was', () => {
    const def = parseDomainXml(BASE);
    const before = formatDomainXml(def);
    expectTsvirtError(() => applyMetadataChange(def, set(MetadataType.TITLE, 'a\nb')), 'ERR_INVALID_ARG', {
      field: 'metadata',
    });
    expectTsvirtError(() => applyMetadataChange(def, set(MetadataType.TITLE, 'a', 'k')), 'ERR_INVALID_ARG', {
      field: 'key',
    });
    expectTsvirtError(
      () => applyMetadataChange(def, set(MetadataType.ELEMENT, '<a/>', null, 'http://x')),
      'ERR_INVALID_ARG',
      { field: 'key' },
    );
    expectTsvirtError(
      () => applyMetadataChange(def, set(MetadataType.ELEMENT, '<a/>', '1bad', 'http://x')),
      'ERR_INVALID_ARG',
      { field: 'key', value: '1bad' },
    );
    expectTsvirtError(
      () => applyMetadataChange(def, set(MetadataType.ELEMENT, '<a/>', 'k')),
      'ERR_INVALID_ARG',
      {
        field: 'uri',
      },
    );
    expectTsvirtError(
      () => applyMetadataChange(def, set(MetadataType.ELEMENT, '<a>', 'k', 'http://x')),
      'ERR_XML_PARSE',
    );
    expectTsvirtError(() => applyMetadataChange(def, set(7, 'x')), 'ERR_INVALID_ARG', {
      field: 'type',
      value: 7,
    });
    expectTsvirtError(() => readMetadata(def, MetadataType.ELEMENT, 'http://none'), 'ERR_NO_METADATA', {
      field: 'uri',
      value: 'http://none',
    });
    expect(formatDomainXml(def)).toBe(before);
  });
});
