import { describe, expect, it } from 'vitest';
import { decodeMigrationCookie, encodeMigrationCookie } from '../../../src/driver/migration/cookie.js';
import {
  buildQemuTcpUri,
  checkMigrateFlags,
  checkPrepareFlavour,
  parseMigrateUri,
  parseMigrationParams,
} from '../../../src/driver/migration/request.js';

describe('migration cookie', () => {
  it('round-trips name, uuid, host and a persistent definition, NUL-terminated as libvirt sends it', () => {
    const c = {
      name: 'a&b',
      uuid: '11111111-2222-3333-4444-555555555555',
      hostname: 'h1',
      persistentXml: "<domain type='qemu'><name>a&amp;b</name></domain>",
    };
    const bytes = encodeMigrationCookie(c);
    expect(bytes.at(-1)).toBe(0);
    expect(bytes.toString('utf8')).toContain('<name>a&amp;b</name>');
    expect(decodeMigrationCookie(bytes)).toEqual(c);
  });

  it("reads libvirtd 9.0's Begin cookie: the host uuid, the lockstate feature; its <cpu> features are not the cookie's", () => {
    const begin = [
      '<qemu-migration>',
      '  <name>mg</name>',
      '  <uuid>1c2ee213-9aa2-4ceb-8803-027bd48571cc</uuid>',
      '  <hostname>lvhost-6831e5</hostname>',
      '  <hostuuid>62bdcbf6-1235-4561-8958-3ee9d3587c6c</hostuuid>',
      "  <feature name='lockstate'/>",
      "  <cpu mode='custom' match='exact' check='full'>",
      "    <model fallback='forbid'>qemu64</model>",
      "    <feature policy='require' name='hypervisor'/>",
      '  </cpu>',
      '  <capabilities>',
      "    <cap name='xbzrle' auto='no'/>",
      "    <cap name='pause-before-switchover' auto='yes'/>",
      '  </capabilities>',
      '</qemu-migration>',
      '',
    ].join('\n');
    expect(decodeMigrationCookie(Buffer.from(`${begin}\0`))).toEqual({
      name: 'mg',
      uuid: '1c2ee213-9aa2-4ceb-8803-027bd48571cc',
      hostname: 'lvhost-6831e5',
      hostUuid: '62bdcbf6-1235-4561-8958-3ee9d3587c6c',
      features: ['lockstate'],
    });
  });

  it("writes the host uuid and the persistent definition as libvirt's <domain> child with its mandatory feature", () => {
    const c = {
      name: 'mg',
      uuid: '11111111-2222-3333-4444-555555555555',
      hostname: 'h1',
      hostUuid: '3d1219c7-c4c5-404a-a8bf-fc6ab9d0fa4d',
      features: ['persistent' as const],
      persistentXml:
        "<domain type='qemu'>\n  <name>mg</name>\n  <uuid>11111111-2222-3333-4444-555555555555</uuid>\n</domain>",
    };
    const text = encodeMigrationCookie(c).toString('utf8');
    expect(text).toBe(
      [
        '<qemu-migration>',
        '  <name>mg</name>',
        '  <uuid>11111111-2222-3333-4444-555555555555</uuid>',
        '  <hostname>h1</hostname>',
        '  <hostuuid>3d1219c7-c4c5-404a-a8bf-fc6ab9d0fa4d</hostuuid>',
        "  <feature name='persistent'/>",
        "<domain type='qemu'>",
        '  <name>mg</name>',
        '  <uuid>11111111-2222-3333-4444-555555555555</uuid>',
        '</domain>',
        '</qemu-migration>',
        '\0',
      ].join('\n'),
    );
    expect(decodeMigrationCookie(Buffer.from(text))).toEqual(c);
  });

  it('refuses a mandatory feature tsvirt cannot honour, and a lock driver holding leases, by name', () => {
    const doc = (extra: string) =>
      Buffer.from(
        `<qemu-migration><name>a</name><uuid>u</uuid><hostname>h</hostname>${extra}</qemu-migration>`,
      );
    expect(() => decodeMigrationCookie(doc("<feature name='memory-hotplug'/>"))).toThrow(
      "migration cookie feature 'memory-hotplug' is not supported",
    );
    expect(() => decodeMigrationCookie(doc("<feature name='teleport'/>"))).toThrow(
      "migration cookie feature 'teleport' is not supported: tsvirt does not know this feature",
    );
    expect(() =>
      decodeMigrationCookie(
        doc("<feature name='lockstate'/><lockstate driver='sanlock'><leases>x</leases></lockstate>"),
      ),
    ).toThrow("lock driver 'sanlock'");
    expect(
      decodeMigrationCookie(doc("<feature name='lockstate'/><lockstate driver='nop'/>"))?.features,
    ).toEqual(['lockstate']);
  });

  it('takes an empty cookie as none and refuses one that is not a <qemu-migration> document', () => {
    expect(decodeMigrationCookie(Buffer.alloc(0))).toBeUndefined();
    expect(() => decodeMigrationCookie(Buffer.from('garbage'))).toThrow(/not a <qemu-migration> document/);
    expect(() => decodeMigrationCookie(Buffer.from('<qemu-migration></qemu-migration>'))).toThrow(
      /names no domain/,
    );
  });
});

describe('migration parameters and flags', () => {
  it('reads the parameters it knows and refuses others by name', () => {
    expect(
      parseMigrationParams([
        { name: 'migrate_uri', type: 'string', value: 'tcp:10.0.0.2:49152' },
        { name: 'destination_name', type: 'string', value: 'x' },
        { name: 'bandwidth', type: 'ullong', value: 5n },
      ]),
    ).toEqual({ uri: 'tcp:10.0.0.2:49152', destName: 'x', bandwidthMiBs: 5n });
    expect(() => parseMigrationParams([{ name: 'migrate_disks', type: 'string', value: 'vda' }])).toThrow(
      "migration parameter 'migrate_disks' is not supported by tsvirt",
    );
    expect(() => parseMigrationParams([{ name: 'bandwidth', type: 'int', value: 5 }])).toThrow(
      "migration parameter 'bandwidth' must be of type ullong, not int",
    );
  });

  it('refuses flags it cannot honour by name', () => {
    expect(() => checkMigrateFlags(1 | 8 | 16 | 64 | 128)).not.toThrow();
    expect(() => checkMigrateFlags(1 | 4 | (1 << 20))).toThrow('migration flags zerocopy are not supported');
  });

  it('takes tunnelled with peer-to-peer, and refuses it with what a stream cannot carry', () => {
    expect(() => checkMigrateFlags(1 | 2 | 4 | 8 | 16)).not.toThrow();
    expect(() => checkMigrateFlags(2 | 4 | 1024 | 8)).toThrow('a tunnelled migration cannot be offline');
    expect(() => checkMigrateFlags(1 | 2 | 4 | 0x8000)).toThrow(
      'a tunnelled migration cannot be done with --postcopy',
    );
    expect(() => checkMigrateFlags(1 | 2 | 4 | 64)).toThrow(
      'a tunnelled migration cannot be done with --copy-storage-all',
    );
  });

  it('sends each kind of migration to its own Prepare', () => {
    expect(() => checkPrepareFlavour(1 | 4, true)).not.toThrow();
    expect(() => checkPrepareFlavour(1, false)).not.toThrow();
    expect(() => checkPrepareFlavour(1 | 4, false)).toThrow(
      'a tunnelled migration is prepared with virDomainMigratePrepareTunnel3Params',
    );
    expect(() => checkPrepareFlavour(1, true)).toThrow(
      'a direct migration is prepared with virDomainMigratePrepare3Params',
    );
  });

  it('parses tcp URIs in both forms, IPv6 included, and builds qemu’s', () => {
    expect(parseMigrateUri('tcp:10.0.0.2:49152')).toEqual({ host: '10.0.0.2', port: 49152 });
    expect(parseMigrateUri('tcp://host.example')).toEqual({ host: 'host.example' });
    expect(parseMigrateUri('tcp://[fd00::2]:50000')).toEqual({ host: 'fd00::2', port: 50000 });
    expect(() => parseMigrateUri('rdma:x:1')).toThrow('is not of the form tcp:HOST:PORT');
    expect(buildQemuTcpUri('fd00::2', 1)).toBe('tcp:[fd00::2]:1');
  });
});
