import { describe, expect, it } from 'vitest';
import {
  formatCpuset,
  normalizeMac,
  normalizeUuid,
  parseCpuset,
  parseSizeToKiB,
  validateDomainName,
} from '../../src/domain/index.js';
import { TsvirtError } from '../../src/errors.js';

function thrown(fn: () => unknown): TsvirtError {
  try {
    fn();
  } catch (err) {
    return err as TsvirtError;
  }
  throw new Error('did not throw');
}

describe('parseSizeToKiB', () => {
  it('knows every libvirt unit, binary and decimal', () => {
    const table: Array<[string, string, number]> = [
      ['1', 'b', 1],
      ['2048', 'bytes', 2],
      ['3', 'k', 3],
      ['3', 'KiB', 3],
      ['1024', 'KB', 1000],
      ['1', 'M', 1024],
      ['1', 'MiB', 1024],
      ['1', 'MB', 977],
      ['1', 'G', 1048576],
      ['1', 'GiB', 1048576],
      ['1', 'GB', 976563],
      ['1', 'T', 1073741824],
      ['1', 'TiB', 1073741824],
      ['1', 'TB', 976562500],
    ];
    for (const [value, unit, kib] of table)
      expect([value, unit, parseSizeToKiB(value, unit)]).toEqual([value, unit, kib]);
  });

  it('defaults to KiB and trims the value', () => {
    expect(parseSizeToKiB(' 512 ')).toBe(512);
  });

  it('rejects a value that is not a non-negative integer, and an unknown unit', () => {
    expect(thrown(() => parseSizeToKiB('1.5', 'G')).fields).toMatchObject({ field: 'value', value: '1.5' });
    expect(thrown(() => parseSizeToKiB('-1')).code).toBe('ERR_INVALID_ARG');
    expect(thrown(() => parseSizeToKiB('1', 'XB')).fields).toMatchObject({ field: 'unit', value: 'XB' });
    expect(thrown(() => parseSizeToKiB('1', 'constructor')).fields).toMatchObject({ field: 'unit' });
  });
});

describe('cpusets', () => {
  it('parses ranges and exclusions into a sorted list and writes them back compactly', () => {
    expect(parseCpuset('6,0-3,^2')).toEqual([0, 1, 3, 6]);
    expect(formatCpuset([0, 1, 3, 6])).toBe('0-1,3,6');
    expect(formatCpuset(parseCpuset('0-7,^4'))).toBe('0-3,5-7');
  });

  it('rejects malformed text and a set with no CPU', () => {
    for (const bad of ['', 'a', '3-1', '1,,2', '0-5000']) {
      expect(thrown(() => parseCpuset(bad)).fields).toMatchObject({ field: 'cpuset', value: bad });
    }
    expect(thrown(() => parseCpuset('1,^1')).message).toBe("cpuset '1,^1' selects no CPU");
  });
});

describe('identity checks', () => {
  it('normalizes uuids and MACs, and refuses malformed ones', () => {
    expect(normalizeUuid('4DEA22B3-1D52-D8F3-2516-782E98AB3FA0')).toBe(
      '4dea22b3-1d52-d8f3-2516-782e98ab3fa0',
    );
    expect(normalizeUuid('4dea22b3-1d52-d8f3-2516-782e98ab3fa')).toBeUndefined();
    expect(normalizeUuid('-4dea22b31d52d8f32516782e98ab3fa0')).toBeUndefined();
    expect(normalizeMac('52:54:00:AB:CD:EF')).toBe('52:54:00:ab:cd:ef');
    expect(normalizeMac('52-54-00-ab-cd-ef')).toBeUndefined();
  });

  it('accepts names libvirt accepts and refuses empty, slashed, control-character and overlong ones', () => {
    expect(() => validateDomainName('web-01.example_x y')).not.toThrow();
    for (const bad of ['', 'a/b', 'a\nb', 'x'.repeat(201)]) {
      const err = thrown(() => validateDomainName(bad));
      expect(err.code).toBe('ERR_XML_INVALID');
      expect(err.fields).toMatchObject({ element: 'name', value: bad });
    }
  });
});
