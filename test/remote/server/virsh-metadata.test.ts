/**
 * Real virsh against the server: `desc` and `metadata`, live and config, run as one virsh session against
 * a running domain named 'test', and the same session against libvirt's own test driver (test:///default,
 * whose running persistent domain is also 'test'): the two must print the same, errors included.
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../../scripts/guests/paths.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { buildBootSectorXml } from '../../driver/helpers.js';
import { startTestServer, type TestServer } from './server-fixture.js';
import { VIRSH, virsh } from './virsh-harness.js';
import { run } from '../../../src/exec/index.js';
import { MetadataType } from '../../../src/api/domain-enums.js';
import { waitUntil } from '../../driver/helpers.js';

const hasQemu = findQemuBinary() !== undefined;
if (!VIRSH || !hasQemu) console.warn('skipping virsh metadata tests: virsh or qemu-system-x86_64 is absent');

/** One virsh session: title and description live and config, a namespaced element set, read, removed. */
const SESSION = [
  'desc test --title --new-desc hello',
  'desc test --title',
  'desc test --title --config',
  "desc test --live --new-desc 'a running description'",
  'desc test',
  'desc test --config --new-desc cfg',
  'desc test --config',
  'desc test --live',
  `metadata test --uri http://example.org/app --key app --set '<data a="1"><item>x</item><item>y &amp; z</item></data>'`,
  'metadata test --uri http://example.org/app',
  'metadata test --uri http://example.org/app --config',
  "metadata test --uri http://example.org/app --key other --set '<b>t</b>' --config",
  'metadata test --uri http://example.org/app --config',
  'metadata test --uri http://example.org/app --remove',
  'metadata test --uri http://example.org/app',
  "desc test --title --new-desc ''",
  'desc test --title',
  "desc test --title --new-desc 'two\nlines'",
].join('; ');

describe.skipIf(!VIRSH || !hasQemu)('virsh desc and metadata', () => {
  let srv: TestServer;

  beforeAll(async () => {
    const guests = await ensureGuests();
    srv = await startTestServer();
    const image = join(srv.root, 'boot.img');
    await copyFile(guests.bootSectorImage, image);
    await writeFile(join(srv.root, 'test.xml'), buildBootSectorXml('test', image));
    await srv.conn.domainCreate(await srv.conn.domainDefineXML(buildBootSectorXml('test', image)));
  });

  afterAll(async () => {
    await srv.conn.domainDestroy(await srv.conn.lookupDomainByName('test'));
    expect(await srv.stop()).toEqual([]);
  });

  it('prints what libvirt prints, and keeps live and config apart', async () => {
    const ours = await virsh(srv.unixUri, [SESSION]);
    const libvirts = await virsh('test:///default', [SESSION]);
    expect(libvirts.stdout).toContain('<data a="1">\n  <item>x</item>\n  <item>y &amp; z</item>\n</data>');
    expect(ours).toEqual(libvirts);

    const dom = await srv.conn.lookupDomainByName('test');
    const live = await srv.conn.domainGetXMLDesc(dom);
    expect(live).toContain('<description>a running description</description>');
    expect(live).not.toContain('<title>');
    expect(live).not.toContain('http://example.org/app');
    // The config kept its own description and the element set with --config, under its key.
    const config = await readFile(join(srv.root, 'etc', 'qemu', 'test.xml'), 'utf8');
    expect(config).toContain('<description>cfg</description>');
    expect(config).toContain('<other:b xmlns:other="http://example.org/app">t</other:b>');
  });

  it('sends a metadata-change event for each change, as virsh event prints it', async () => {
    const dom = await srv.conn.lookupDomainByName('test');
    const uri = 'http://example.org/ev';
    const changes: Array<[() => Promise<void>, string]> = [
      [
        () => srv.conn.domainSetMetadata(dom, MetadataType.TITLE, 'T', undefined, undefined, 0),
        'title, uri <null>',
      ],
      [
        () => srv.conn.domainSetMetadata(dom, MetadataType.ELEMENT, '<e/>', 'ev', uri, 0),
        `element, uri ${uri}`,
      ],
    ];
    for (const [change, printed] of changes) {
      const registered = srv.logs.filter((l) => /domain event 23 registered/.test(l)).length;
      const argv = [
        VIRSH as string,
        '-c',
        srv.unixUri,
        'event',
        'test',
        'metadata-change',
        '--timeout',
        '30',
      ];
      const event = run(argv, { timeoutMs: 40_000, env: { HOME: '/tmp' } });
      await waitUntil(
        () => srv.logs.filter((l) => /domain event 23 registered/.test(l)).length > registered,
        10_000,
        'virsh event',
      );
      await change();
      expect((await event).stdout).toBe(
        `event 'metadata-change' for domain 'test': type ${printed}\nevents received: 1\n\n`,
      );
    }
  });
});
