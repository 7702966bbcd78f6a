/** Real virsh against the server: `virsh event --loop` receiving lifecycle events, and read-only access. */
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../../scripts/guests/paths.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { buildBootSectorXml, isAlive, readPidFile, waitUntil } from '../../driver/helpers.js';
import { startTestServer, type TestServer } from './server-fixture.js';
import { VIRSH, virsh } from './virsh-harness.js';

const hasQemu = findQemuBinary() !== undefined;
if (!VIRSH || !hasQemu)
  console.warn('skipping virsh event/read-only tests: virsh or qemu-system-x86_64 is absent');

describe.skipIf(!VIRSH || !hasQemu)('virsh event and read-only access', () => {
  let srv: TestServer;
  const pids: number[] = [];

  beforeAll(async () => {
    const guests = await ensureGuests();
    srv = await startTestServer();
    const image = join(srv.root, 'boot.img');
    await copyFile(guests.bootSectorImage, image);
    await srv.conn.domainDefineXML(buildBootSectorXml('e1', image));
  });
  afterAll(async () => {
    expect(await srv.stop()).toEqual([]);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it('prints started, suspended, resumed and stopped from `virsh event --loop --event lifecycle`', async () => {
    const watching = virsh(srv.tcpUri, ['event', '--loop', '--event', 'lifecycle', '--timeout', '6'], {
      timeoutMs: 15_000,
    });
    // virsh registers with procedure 316 once connected; events before that would be lost.
    await waitUntil(
      () => srv.logs.some((l) => l.includes('domain event 0 registered')),
      5_000,
      'registration',
    );
    const dom = await srv.conn.lookupDomainByName('e1');
    await srv.conn.domainCreate(dom);
    pids.push(readPidFile(srv.root, 'e1'));
    await srv.conn.domainSuspend(dom);
    await srv.conn.domainResume(dom);
    await srv.conn.domainDestroy(dom);
    const r = await watching;
    expect(r).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        "event 'lifecycle' for domain 'e1': Started Booted",
        "event 'lifecycle' for domain 'e1': Suspended Paused",
        "event 'lifecycle' for domain 'e1': Resumed Unpaused",
        "event 'lifecycle' for domain 'e1': Stopped Destroyed",
        'event loop timed out',
        'events received: 4',
        '',
        '',
      ].join('\n'),
    });
  });

  it('lets the read-only socket and `virsh -r` list and query, and refuses mutations', async () => {
    const table = ' Id   Name   State\n-----------------------\n -    e1     shut off\n\n';
    expect(await virsh(srv.roUri, ['list', '--all'])).toEqual({ code: 0, stdout: table, stderr: '' });
    expect(await virsh(srv.tcpUri, ['list', '--all'], { readOnly: true })).toEqual({
      code: 0,
      stdout: table,
      stderr: '',
    });
    expect((await virsh(srv.roUri, ['dominfo', 'e1'])).code).toBe(0);
    expect((await virsh(srv.roUri, ['pool-list'])).code).toBe(0);
    const denied = {
      code: 1,
      stdout: '\n',
      stderr:
        "error: Failed to start domain 'e1'\nerror: operation forbidden: read only access prevents virDomainCreate\n",
    };
    expect(await virsh(srv.roUri, ['start', 'e1'])).toEqual(denied);
    expect(await virsh(srv.unixUri, ['start', 'e1'], { readOnly: true })).toEqual(denied);
    expect(await virsh(srv.roUri, ['vol-create-as', 'default', 'x.img', '1M'])).toEqual({
      code: 1,
      stdout: '\n',
      stderr:
        'error: Failed to create vol x.img\nerror: operation forbidden: read only access prevents virStorageVolCreateXML\n',
    });
    expect(await virsh(srv.roUri, ['undefine', 'e1'])).toMatchObject({ code: 1 });
    expect((await srv.conn.lookupDomainByName('e1')).id).toBe(-1);
  });
});
