/** Real libvirt-python against the server: save, restore, restoreFlags, managedSave and their queries. */
import { PYTHON, hasLibvirtPython } from './python-harness.js';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../../scripts/guests/paths.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { run } from '../../../src/exec/index.js';
import { buildBootSectorXml } from '../../driver/helpers.js';
import { startTestServer, type TestServer } from './server-fixture.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/libvirt-save.py', import.meta.url));

const usable = (await hasLibvirtPython()) && findQemuBinary() !== undefined;
if (!usable)
  console.warn(
    'skipping libvirt-python save tests: /usr/bin/python3 with python3-libvirt, or qemu, is absent',
  );

describe.skipIf(!usable)('libvirt-python save and restore against the server', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => {
    expect(await srv.stop()).toEqual([]);
  });

  it('saves, restores (running and paused) and managed-saves a domain, with libvirt states and reasons', async () => {
    const image = join(srv.root, 'pysave.img');
    await copyFile((await ensureGuests()).bootSectorImage, image);
    const xml = join(srv.root, 'pysave.xml');
    await writeFile(xml, buildBootSectorXml('pysave', image));
    const r = await run([PYTHON, FIXTURE, srv.unixUri, xml, join(srv.root, 'py.save')], {
      timeoutMs: 90_000,
    });
    expect(JSON.parse(r.stdout)).toEqual({
      state_saved: [5, 5], // shut off, saved
      image_xml_has_name: true,
      state_restored: [1, 3], // running, restored
      state_restored_paused: [3, 1], // paused, user
      has_managed: 1,
      state_managed: [5, 5],
      managed_xml_has_name: true,
      state_after_start: [3, 1], // saved while paused, so it resumes paused
      has_managed_after_start: 0,
      bad_image: [
        55,
        `${xml} is not a usable tsvirt save image: it does not begin with the save image magic`,
      ],
    });
  }, 120_000);
});
