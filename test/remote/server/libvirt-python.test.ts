/** Real libvirt-python (Debian's python3-libvirt) against the server: domains, storage and lifecycle events. */
import { PYTHON, hasLibvirtPython } from './python-harness.js';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../../scripts/guests/paths.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { run } from '../../../src/exec/index.js';
import { startTestServer, type TestServer } from './server-fixture.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/libvirt-api.py', import.meta.url));

const usable = (await hasLibvirtPython()) && findQemuBinary() !== undefined;
if (!usable)
  console.warn('skipping libvirt-python tests: /usr/bin/python3 with python3-libvirt, or qemu, is absent');

describe.skipIf(!usable)('libvirt-python against the server', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => {
    expect(await srv.stop()).toEqual([]);
  });

  for (const transport of ['tcp', 'unix'] as const) {
    it(`opens, defines, runs, lists and undefines a domain, manages a pool and volume, and gets events over ${transport}`, async () => {
      const image = join(srv.root, `py-${transport}.img`);
      await copyFile((await ensureGuests()).bootSectorImage, image);
      const uri = transport === 'tcp' ? srv.tcpUri : srv.unixUri;
      const pooldir = join(srv.root, `pyp-${transport}`);
      const r = await run([PYTHON, FIXTURE, uri, image, pooldir], { timeoutMs: 60_000 });
      const out = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(out).toMatchObject({
        type: 'QEMU',
        defined: ['py1', -1, 0],
        listAll: ['py1'],
        id_after_create: true,
        info_running: [1, 65536, 1],
        state_suspended: [3, 1],
        state_destroyed: [5, 2],
        listAll_after: [],
        pool: ['pyp', 1, 2],
        vol: ['v.img', join(pooldir, 'v.img'), [0, 1048576, expect.any(Number)]],
        vols: ['v.img'],
        vol_by_path: 'v.img',
        pools: ['default'],
        events: [
          ['py1', 0, 0], // defined
          ['py1', 2, 0], // started booted
          ['py1', 3, 0], // suspended paused
          ['py1', 4, 0], // resumed unpaused
          ['py1', 5, 1], // stopped destroyed
          ['py1', 1, 0], // undefined
        ],
      });
    });
  }
});
