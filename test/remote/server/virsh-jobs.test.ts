/** Real virsh against the server: domjobinfo and domjobabort on a boot-sector guest (TCG) with no job. */
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../../scripts/guests/paths.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { connectRemote } from '../../../src/remote/index.js';
import { buildBootSectorXml, isAlive, readPidFile } from '../../driver/helpers.js';
import { startTestServer, type TestServer } from './server-fixture.js';
import { VIRSH, virsh, type VirshResult } from './virsh-harness.js';

const hasQemu = findQemuBinary() !== undefined;
if (!VIRSH || !hasQemu) console.warn('skipping virsh job tests: virsh or qemu-system-x86_64 is absent');

const ok = (stdout: string): VirshResult => ({ code: 0, stdout, stderr: '' });

describe.skipIf(!VIRSH || !hasQemu)('virsh domjobinfo and domjobabort', () => {
  let srv: TestServer;
  const pids: number[] = [];
  const v = (...args: string[]): Promise<VirshResult> => virsh(srv.unixUri, args);
  const ro = (...args: string[]): Promise<VirshResult> => virsh(srv.roUri, args, { readOnly: true });

  beforeAll(async () => {
    const guests = await ensureGuests();
    srv = await startTestServer();
    const image = join(srv.root, 'boot.img');
    await copyFile(guests.bootSectorImage, image);
    const xml = join(srv.root, 'j1.xml');
    await writeFile(xml, buildBootSectorXml('j1', image));
    expect((await v('define', xml)).code).toBe(0);
    expect(await v('start', 'j1')).toEqual(ok("Domain 'j1' started\n\n"));
    pids.push(readPidFile(srv.root, 'j1'));
  });

  afterAll(async () => {
    expect(await srv.stop()).toEqual([]);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  const none = ok('Job type:         None        \n\n');

  it('shows no job on a running domain, now and completed, and refuses to abort none', async () => {
    expect(await v('domjobinfo', 'j1')).toEqual(none);
    expect(await v('domjobinfo', '--completed', 'j1')).toEqual(none);
    expect(await v('domjobinfo', '--completed', '--keep-completed', 'j1')).toEqual(none);
    expect(await v('domjobabort', 'j1')).toEqual({
      code: 1,
      stdout: '\n',
      stderr: "error: Requested operation is not valid: no job is active on the domain 'j1'\n",
    });
  });

  it('gives RemoteConnection the same answers through the derived client', async () => {
    const c = await connectRemote(srv.unixUri);
    try {
      const dom = await c.lookupDomainByName('j1');
      expect(await c.domainGetJobStats(dom)).toEqual({ type: 0, params: [] });
      expect(await c.domainGetJobInfo(dom)).toMatchObject({ type: 0, timeElapsed: 0n, fileRemaining: 0n });
      await expect(c.domainAbortJob(dom)).rejects.toMatchObject({
        message: "Requested operation is not valid: no job is active on the domain 'j1'",
      });
      await expect(c.domainAbortJob(dom, 1)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    } finally {
      await c.close();
    }
  });

  it('allows domjobinfo on the read-only socket and refuses domjobabort there', async () => {
    expect(await ro('domjobinfo', 'j1')).toEqual(none);
    expect(await ro('domjobabort', 'j1')).toEqual({
      code: 1,
      stdout: '\n',
      stderr: 'error: operation forbidden: read only access prevents virDomainAbortJob\n',
    });
  });

  it('says a shut-off domain is not running, except for the completed job', async () => {
    expect(await v('destroy', 'j1')).toEqual(ok("Domain 'j1' destroyed\n\n"));
    const notRunning = {
      code: 1,
      stdout: '\n',
      stderr: 'error: Requested operation is not valid: domain is not running\n',
    };
    expect(await v('domjobinfo', 'j1')).toEqual(notRunning);
    expect(await v('domjobabort', 'j1')).toEqual(notRunning);
    expect(await v('domjobinfo', '--completed', 'j1')).toEqual(none);
  });
});
