/** Real virsh against the server: the domain commands with the boot-sector guest (TCG), output checked exactly. */
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../../scripts/guests/paths.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { buildBootSectorXml, isAlive, readPidFile } from '../../driver/helpers.js';
import { startTestServer, type TestServer } from './server-fixture.js';
import { VIRSH, virsh, type VirshResult } from './virsh-harness.js';

const hasQemu = findQemuBinary() !== undefined;
if (!VIRSH || !hasQemu) console.warn('skipping virsh domain tests: virsh or qemu-system-x86_64 is absent');

const ok = (stdout: string): VirshResult => ({ code: 0, stdout, stderr: '' });

describe.skipIf(!VIRSH || !hasQemu)('virsh domain commands', () => {
  let srv: TestServer;
  let xmlFile = '';
  let uuid = '';
  const pids: number[] = [];
  const v = (...args: string[]): Promise<VirshResult> => virsh(srv.unixUri, args);

  beforeAll(async () => {
    const guests = await ensureGuests();
    srv = await startTestServer();
    const image = join(srv.root, 'boot.img');
    await copyFile(guests.bootSectorImage, image);
    xmlFile = join(srv.root, 'd1.xml');
    await writeFile(xmlFile, buildBootSectorXml('d1', image));
    await copyFile(guests.bootSectorImage, join(srv.root, 'boot2.img'));
    await writeFile(join(srv.root, 't1.xml'), buildBootSectorXml('t1', join(srv.root, 'boot2.img')));
  });

  afterAll(async () => {
    expect(await srv.stop()).toEqual([]);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it('defines, lists and describes an inactive domain', async () => {
    expect(await v('define', xmlFile)).toEqual(ok(`Domain 'd1' defined from ${xmlFile}\n\n`));
    uuid = (await srv.conn.lookupDomainByName('d1')).uuid;
    const table = ' Id   Name   State\n-----------------------\n -    d1     shut off\n\n';
    expect(await v('list', '--all')).toEqual(ok(table));
    expect(await v('list', '--inactive')).toEqual(ok(table));
    expect(await v('list')).toEqual(ok(' Id   Name   State\n--------------------\n\n'));
    expect(await v('list', '--all', '--name')).toEqual(ok('d1\n\n'));
    expect(await v('domid', 'd1')).toEqual(ok('-\n\n'));
    expect(await v('domuuid', 'd1')).toEqual(ok(`${uuid}\n\n`));
    expect(await v('domname', uuid)).toEqual(ok('d1\n\n'));
    expect(await v('domstate', '--reason', 'd1')).toEqual(ok('shut off (unknown)\n\n'));
    expect(await v('dominfo', uuid)).toEqual(
      ok(
        `Id:             -\nName:           d1\nUUID:           ${uuid}\nOS Type:        hvm\nState:          shut off\n` +
          'CPU(s):         1\nMax memory:     65536 KiB\nUsed memory:    65536 KiB\nPersistent:     yes\n' +
          'Autostart:      disable\nManaged save:   no\n\n',
      ),
    );
    expect(await v('dumpxml', 'd1')).toEqual(
      ok(`${await srv.conn.domainGetXMLDesc(await srv.conn.lookupDomainByName('d1'))}\n`),
    );
    expect(await v('autostart', 'd1')).toEqual(ok("Domain 'd1' marked as autostarted\n\n"));
    expect(await v('autostart', '--disable', 'd1')).toEqual(ok("Domain 'd1' unmarked as autostarted\n\n"));
  });

  it('starts the domain and drives it: state, ids, vCPUs, memory, suspend, resume, reboot, reset', async () => {
    expect(await v('start', 'd1')).toEqual(ok("Domain 'd1' started\n\n"));
    pids.push(readPidFile(srv.root, 'd1'));
    const id = (await srv.conn.lookupDomainByName('d1')).id;
    expect(await v('list')).toEqual(
      ok(` Id   Name   State\n----------------------\n ${id}    d1     running\n\n`),
    );
    expect(await v('domid', 'd1')).toEqual(ok(`${id}\n\n`));
    expect(await v('domname', String(id))).toEqual(ok('d1\n\n'));
    expect(await v('domstate', '--reason', 'd1')).toEqual(ok('running (booted)\n\n'));
    const info = await v('dominfo', String(id));
    expect(info.stdout).toMatch(
      new RegExp(
        `^Id:             ${id}\nName:           d1\n.*State:          running\nCPU\\(s\\):         1\nCPU time:       [0-9.]+s\n`,
        's',
      ),
    );
    const vcpu = await v('vcpuinfo', 'd1');
    expect(vcpu.stdout).toMatch(
      /^VCPU: {11}0\nCPU: {12}\d+\nState: {10}running\nCPU time: {7}[0-9.]+s\nCPU Affinity: {3}[y-]+\n\n$/,
    );
    expect(await v('vcpupin', 'd1', '0', '0')).toEqual(ok('\n'));
    expect((await v('vcpuinfo', 'd1')).stdout).toMatch(/CPU Affinity: {3}y-*\n/);
    expect(await v('setmem', 'd1', '32M')).toEqual(ok('\n'));
    expect((await v('dommemstat', 'd1')).stdout).toMatch(/^actual \d+\n/);
    expect(await v('suspend', 'd1')).toEqual(ok("Domain 'd1' suspended\n\n"));
    expect(await v('domstate', '--reason', 'd1')).toEqual(ok('paused (user)\n\n'));
    expect(await v('resume', 'd1')).toEqual(ok("Domain 'd1' resumed\n\n"));
    expect(await v('reboot', 'd1')).toEqual(ok("Domain 'd1' is being rebooted\n\n"));
    expect(await v('reset', 'd1')).toEqual(ok("Domain 'd1' was reset\n\n"));
    expect(await v('shutdown', 'd1')).toEqual(ok("Domain 'd1' is being shutdown\n\n"));
    expect(await v('start', 'd1')).toEqual({
      code: 1,
      stdout: '\n',
      stderr: 'error: Domain is already active\n',
    });
  });

  it('destroys gracefully, then creates a transient domain and undefines the persistent one', async () => {
    expect(await v('destroy', '--graceful', 'd1')).toEqual(ok("Domain 'd1' destroyed\n\n"));
    expect(await v('domstate', '--reason', 'd1')).toEqual(ok('shut off (destroyed)\n\n'));
    const off = await v('vcpuinfo', 'd1');
    expect(off.stdout).toMatch(/^VCPU: {11}0\nCPU: {12}N\/A\nState: {10}N\/A\n/);
    const t1 = join(srv.root, 't1.xml');
    expect(await v('create', t1)).toEqual(ok(`Domain 't1' created from ${t1}\n\n`));
    pids.push(readPidFile(srv.root, 't1'));
    expect(await v('destroy', 't1')).toEqual(ok("Domain 't1' destroyed\n\n"));
    expect(await v('undefine', 'd1')).toEqual(ok("Domain 'd1' has been undefined\n\n"));
    expect(await v('dominfo', 'd1')).toEqual({
      code: 1,
      stdout: '\n',
      stderr: "error: failed to get domain 'd1'\n",
    });
  });
});
