import { describe, expect, it } from 'vitest';
import { formatPoolXml, parsePoolXml } from '../../src/storage/pool-xml.js';
import { formatVolumeXml, parseVolumeXml, type VolumeDesc } from '../../src/storage/volume-xml.js';
import { parseSize } from '../../src/units.js';
import { isTsvirtError } from '../../src/errors.js';
import { catchTsvirtError } from '../tsvirt-error.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isTsvirtError(err) ? err.code : 'not a TsvirtError';
  }
  return undefined;
}

const LOGICAL = `<pool type='logical'>
  <name>HostVG</name>
  <uuid>8C79F996-CB2A-D24D-9822-AC7547AB2D01</uuid>
  <source>
    <device path='/dev/sdb1'/>
    <device path='/dev/sdc1'/>
    <name>HostVG</name>
    <format type='lvm2'/>
  </source>
  <target><path>/dev/HostVG</path></target>
</pool>`;

describe('pool XML', () => {
  it('reads a logical pool with two devices and lower-cases its uuid', () => {
    const def = parsePoolXml(LOGICAL);
    expect(def).toEqual({
      type: 'logical',
      name: 'HostVG',
      uuid: '8c79f996-cb2a-d24d-9822-ac7547ab2d01',
      source: { devices: ['/dev/sdb1', '/dev/sdc1'], name: 'HostVG', format: 'lvm2' },
      target: { path: '/dev/HostVG' },
    });
  });

  it('survives a round trip through formatPoolXml for dir and logical pools', () => {
    const dir = parsePoolXml(
      "<pool type='dir'><name>default</name><target><path>/var/lib/images</path><permissions><mode>0711</mode><owner>0</owner><group>0</group></permissions></target></pool>",
    );
    expect(parsePoolXml(formatPoolXml(dir))).toEqual(dir);
    const logical = parsePoolXml(LOGICAL);
    expect(parsePoolXml(formatPoolXml(logical))).toEqual(logical);
  });

  it('defaults the volume group to the pool name and the target to /dev/VG', () => {
    const def = parsePoolXml(
      "<pool type='logical'><name>vg0</name><source><device path='/dev/loop9'/></source></pool>",
    );
    expect(def.source.name).toBe('vg0');
    expect(def.target.path).toBe('/dev/vg0');
  });

  it('writes sizes in bytes when asked', () => {
    const xml = formatPoolXml(parsePoolXml(LOGICAL), { capacity: 10n, allocation: 4n, available: 6n });
    expect(xml).toContain("<capacity unit='bytes'>10</capacity>");
    expect(xml).toContain("<available unit='bytes'>6</available>");
  });

  it('refuses pool types libvirt has but tsvirt does not, by name', () => {
    const err = (() => {
      try {
        parsePoolXml("<pool type='netfs'><name>n</name><target><path>/mnt</path></target></pool>");
      } catch (e) {
        return e as Error & { code: string };
      }
    })();
    expect(err?.code).toBe('ERR_NOT_SUPPORTED');
    expect(err?.message).toMatch(/^pool type 'netfs' is not supported/);
  });

  it.each([
    ['not XML', '<pool type="dir"><name>x</name>', 'ERR_XML_PARSE'],
    ['another root', '<domain/>', 'ERR_XML_INVALID'],
    ['no type', '<pool><name>x</name></pool>', 'ERR_XML_INVALID'],
    ['an unknown type', "<pool type='floppy'><name>x</name></pool>", 'ERR_XML_INVALID'],
    ['no name', "<pool type='dir'><target><path>/x</path></target></pool>", 'ERR_XML_INVALID'],
    [
      'a name with a slash',
      "<pool type='dir'><name>a/b</name><target><path>/x</path></target></pool>",
      'ERR_INVALID_ARG',
    ],
    [
      'a name of ..',
      "<pool type='dir'><name>..</name><target><path>/x</path></target></pool>",
      'ERR_INVALID_ARG',
    ],
    [
      'a bad uuid',
      "<pool type='dir'><name>x</name><uuid>nope</uuid><target><path>/x</path></target></pool>",
      'ERR_XML_INVALID',
    ],
    [
      'a relative target',
      "<pool type='dir'><name>x</name><target><path>images</path></target></pool>",
      'ERR_XML_INVALID',
    ],
    ['no target', "<pool type='dir'><name>x</name></pool>", 'ERR_XML_INVALID'],
    [
      'a relative device',
      "<pool type='logical'><name>x</name><source><device path='sdb'/></source></pool>",
      'ERR_XML_INVALID',
    ],
  ])('refuses a pool with %s', (_what, xml, code) => {
    expect(codeOf(() => parsePoolXml(xml))).toBe(code);
  });
});

describe('volume XML', () => {
  it('reads name, capacity and allocation with units, format and backing store', () => {
    const spec =
      parseVolumeXml(`<volume><name>ov.qcow2</name><capacity unit='G'>8</capacity><allocation unit='KiB'>4</allocation>
      <target><format type='qcow2'/></target><backingStore><path>/p/base.img</path><format type='raw'/></backingStore></volume>`);
    expect(spec).toEqual({
      name: 'ov.qcow2',
      capacity: 8n * 1024n ** 3n,
      allocation: 4096n,
      format: 'qcow2',
      backing: { path: '/p/base.img', format: 'raw' },
    });
  });

  it('reads what formatVolumeXml writes', () => {
    const vol: VolumeDesc = {
      name: 'a.img',
      key: '/p/a.img',
      path: '/p/a.img',
      type: 'file',
      format: 'qcow2',
      capacity: 1024n,
      allocation: 512n,
      backing: { path: '/p/b', format: 'raw' },
    };
    const xml = formatVolumeXml(vol);
    expect(xml).toContain('<key>/p/a.img</key>');
    expect(parseVolumeXml(xml)).toEqual({
      name: 'a.img',
      capacity: 1024n,
      allocation: 512n,
      format: 'qcow2',
      backing: { path: '/p/b', format: 'raw' },
    });
  });

  it.each([
    [
      'a size that does not parse',
      '<volume><name>v</name><capacity>12x</capacity></volume>',
      'ERR_XML_INVALID',
    ],
    ['an unknown unit', "<volume><name>v</name><capacity unit='Q'>1</capacity></volume>", 'ERR_XML_INVALID'],
    ['a negative size', '<volume><name>v</name><capacity>-1</capacity></volume>', 'ERR_XML_INVALID'],
    ['no name', '<volume><capacity>1</capacity></volume>', 'ERR_XML_INVALID'],
    ['a literal NUL, which XML does not allow', '<volume><name>a\u0000b</name></volume>', 'ERR_XML_PARSE'],
    [
      'a format tsvirt does not make',
      "<volume><name>v</name><target><format type='vdi'/></target></volume>",
      'ERR_NOT_SUPPORTED',
    ],
    ['a backing store without path', '<volume><name>v</name><backingStore/></volume>', 'ERR_XML_INVALID'],
    ['garbage', '<<<', 'ERR_XML_PARSE'],
  ])('refuses a volume with %s', (_what, xml, code) => {
    expect(codeOf(() => parseVolumeXml(xml))).toBe(code);
  });
});

describe('references and names in pool and volume XML', () => {
  const errorOf = catchTsvirtError;
  const pool = (name: string, path = '/p'): string =>
    `<pool type='dir'><name>${name}</name><target><path>${path}</path></target></pool>`;
  const volume = (name: string): string => `<volume><name>${name}</name><capacity>1</capacity></volume>`;

  it('decodes character references and entities in names and paths, once', () => {
    const def = parsePoolXml(pool('a&#65;b', '/srv/&#x76;ms&amp;#1;'));
    expect([def.name, def.target.path]).toEqual(['aAb', '/srv/vms&#1;']);
    expect(parsePoolXml(formatPoolXml(def))).toEqual(def);
    expect(parseVolumeXml(volume('disk&#x2D;1&lt;2&gt;.img')).name).toBe('disk-1<2>.img');
  });

  it('refuses &#0; and undeclared entities as not well-formed, naming the element', () => {
    const nul = errorOf(() => parseVolumeXml(volume('a&#0;b')));
    expect(nul.code).toBe('ERR_XML_PARSE');
    expect(nul.fields).toMatchObject({ field: 'volume', path: 'volume/name', reference: '&#0;' });
    expect(nul.message).toBe('volume/name: "&#0;" names no character XML allows; remove it');
    expect(errorOf(() => parsePoolXml(pool('p', '/&nbsp;'))).fields).toMatchObject({
      path: 'pool/target/path',
      reference: '&nbsp;',
    });
  });

  it.each([
    ['a newline', 'a&#10;b', 'U+000A'],
    ['a tab', 'a&#9;b', 'U+0009'],
    ['a carriage return', 'a&#13;b', 'U+000D'],
    ['a DEL', 'a&#x7F;b', 'U+007F'],
  ])('refuses a volume or pool name with %s, naming the field and the value', (_what, raw, char) => {
    const vol = errorOf(() => parseVolumeXml(volume(raw)));
    expect(vol.code).toBe('ERR_INVALID_ARG');
    const value = vol.fields.value as string;
    expect(value).toMatch(/^a[^]b$/);
    expect(vol.message).toBe(
      `volume name ${JSON.stringify(value)} may not contain the control character ${char}; choose a plain file name`,
    );
    expect(vol.fields.field).toBe('volume.name');
    const p = errorOf(() => parsePoolXml(pool(raw)));
    expect([p.code, p.fields.field]).toEqual(['ERR_INVALID_ARG', 'pool.name']);
  });

  it("refuses a pool name with '/', as libvirt's pool XML parser does", () => {
    expect(errorOf(() => parsePoolXml(pool('a&#x2F;b'))).message).toBe(
      `pool name "a/b" may not contain '/'; choose a plain file name`,
    );
  });

  it('refuses a DOCTYPE in pool XML, as in domain XML', () => {
    const err = errorOf(() => parsePoolXml(`<!DOCTYPE p [<!ENTITY x "y">]>${pool('&x;')}`));
    expect(err.code).toBe('ERR_NOT_SUPPORTED');
  });
});

describe('sizes', () => {
  it.each([
    ['8G', 8589934592n],
    ['100M', 104857600n],
    ['100MiB', 104857600n],
    ['1KB', 1000n],
    ['1kb', 1000n],
    ['512', 512n],
    ['2 T', 2n * 1024n ** 4n],
  ])('reads %s as virsh does', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['', 'G', '1.5G', '8X', '-1', '1GiBs'])('refuses %j with a message naming the field', (text) => {
    expect(() => parseSize(text, 'bytes', 'capacity')).toThrow(
      /^capacity .* is not a size; write a whole number/,
    );
  });
});
