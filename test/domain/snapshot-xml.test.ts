import { describe, expect, it } from 'vitest';
import { formatSnapshotXml, parseSnapshotXml, type SnapshotDef } from '../../src/domain/snapshot-xml.js';

const DOMAIN = "<domain type='qemu'>\n  <name>d</name>\n</domain>";

const SNAP: SnapshotDef = {
  name: 's2',
  description: 'a & b',
  state: 'running',
  creationTime: 1700000000,
  parent: 's1',
  memory: 'internal',
  disks: [
    { name: 'vda', snapshot: 'internal' },
    { name: 'hdc', snapshot: 'no' },
  ],
  domainXml: DOMAIN,
};

describe('snapshot XML', () => {
  it('writes libvirt element order, with the domain indented inside', () => {
    expect(formatSnapshotXml(SNAP, { current: true })).toBe(
      [
        '<domainsnapshot>',
        '  <name>s2</name>',
        '  <description>a &amp; b</description>',
        '  <state>running</state>',
        '  <parent>',
        '    <name>s1</name>',
        '  </parent>',
        '  <creationTime>1700000000</creationTime>',
        "  <memory snapshot='internal'/>",
        '  <disks>',
        "    <disk name='vda' snapshot='internal'/>",
        "    <disk name='hdc' snapshot='no'/>",
        '  </disks>',
        "  <domain type='qemu'>",
        '    <name>d</name>',
        '  </domain>',
        '  <active>1</active>',
        '</domainsnapshot>',
        '',
      ].join('\n'),
    );
  });

  it('reads back what it writes, the current mark and the domain included', () => {
    expect(parseSnapshotXml(formatSnapshotXml(SNAP, { current: false }))).toEqual({
      ...SNAP,
      current: false,
    });
  });

  it('reads what virsh snapshot-create-as sends', () => {
    const xml = "<domainsnapshot>\n  <name>x</name>\n  <memory snapshot='no'/>\n</domainsnapshot>\n";
    expect(parseSnapshotXml(xml)).toEqual({ name: 'x', memory: 'no', disks: [] });
  });

  it('reads a memory file without a location as external memory (virsh --memspec file=PATH)', () => {
    const xml = "<domainsnapshot><name>m</name><memory file='/var/m.mem'/></domainsnapshot>";
    expect(parseSnapshotXml(xml)).toEqual({
      name: 'm',
      memory: 'external',
      memoryFile: '/var/m.mem',
      disks: [],
    });
  });

  it('refuses a name with a slash, an unknown state and an unknown element, naming each', () => {
    expect(() => parseSnapshotXml('<domainsnapshot><name>a/b</name></domainsnapshot>')).toThrow(
      "snapshot name 'a/b' is not usable",
    );
    expect(() => parseSnapshotXml('<domainsnapshot><state>odd</state></domainsnapshot>')).toThrow(
      "'odd' is not known; expected running, paused, shutoff, disk-snapshot",
    );
    expect(() => parseSnapshotXml('<domainsnapshot><bogus/></domainsnapshot>')).toThrow(
      'element <bogus> is not supported',
    );
  });
});
