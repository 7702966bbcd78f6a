/** Real libvirt-python against the server: snapshots (internal and disk-only), an active commit with pivot, a core dump. */
import { PYTHON, hasLibvirtPython } from './python-harness.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../../scripts/guests/paths.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { run } from '../../../src/exec/index.js';
import { buildLinuxXml, buildQcow2VdaXml } from '../../driver/helpers.js';
import { startTestServer, type TestServer } from './server-fixture.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/libvirt-snapshot.py', import.meta.url));

const usable = (await hasLibvirtPython()) && findQemuBinary() !== undefined;
if (!usable)
  console.warn(
    'skipping libvirt-python snapshot tests: /usr/bin/python3 with python3-libvirt, or qemu, is absent',
  );

describe.skipIf(!usable)('libvirt-python snapshots, block jobs and dump against the server', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => {
    expect(await srv.stop()).toEqual([]);
  });

  it('takes, lists, reverts and deletes snapshots, commits a chain back and dumps memory', async () => {
    const disk = join(srv.root, 'pysnap.qcow2');
    await run(['qemu-img', 'create', '-q', '-f', 'qcow2', disk, '64M']);
    const devices = buildQcow2VdaXml(disk);
    const xml = join(srv.root, 'pysnap.xml');
    await writeFile(xml, buildLinuxXml('pysnap', await ensureGuests(), { devices }));
    const r = await run([PYTHON, FIXTURE, srv.unixUri, xml, join(srv.root, 'pysnap.core')], {
      timeoutMs: 180_000,
    });
    expect(JSON.parse(r.stdout)).toEqual({
      names: ['py1'],
      has_current: 1,
      current: 'py1',
      s1_state_running: true,
      s1_is_current: 1,
      s1_has_metadata: 1,
      s2_parent: 'py1',
      legacy: [2, ['py1', 'py2'], 1, ['py2']],
      external: ['py2'],
      internal: ['py1'],
      on_overlay: true,
      job_type: 4, // VIR_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT
      on_base_after_pivot: true,
      job_after_pivot: {},
      dump_magic: '7f454c46', // \x7fELF
      external_delete: 55, // VIR_ERR_OPERATION_INVALID: the pivot took its overlay out of the disk's chain
      state_after_revert: [1, 4], // running, from snapshot
      names_at_end: [],
    });
  }, 200_000);
});
