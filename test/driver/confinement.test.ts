/**
 * qemu runs as qemu.conf's unprivileged user, with no capabilities, under its seccomp filter; the
 * files of a running guest are that user's for the run only, and nothing qemu could not open starts.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DomainState } from '../../src/connection.js';
import { rejectionOf } from '../tsvirt-error.js';
import { DEFAULT_QEMU_CONFINEMENT, lookupUser } from '../../src/driver/qemu-user.js';
import { useDriverHarness } from './harness.js';
import { buildBootSectorXml, readPidFile } from './helpers.js';
import { buildNetworkPorts } from '../../src/network/index.js';

const isRoot = process.getuid?.() === 0;
const hasQemuUser = isRoot && hasUser('tsvirt-qemu');
if (!hasQemuUser)
  console.log(
    'confinement tests skipped: they need root and the user tsvirt-qemu (scripts/setup.sh makes it)',
  );

function hasUser(name: string): boolean {
  try {
    execFileSync('getent', ['passwd', name]);
    return true;
  } catch {
    return false;
  }
}

/** The lines of /proc/PID/status that say whom a process runs as and how it is confined. */
function readConfinement(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const m = /^(Uid|Gid|Groups|CapEff|CapPrm|CapBnd|Seccomp|NoNewPrivs):\s*(.*)$/.exec(line);
    if (m) out[m[1] as string] = (m[2] as string).trim();
  }
  return out;
}

const startError = rejectionOf;

describe.skipIf(!hasQemuUser)('qemu confinement', () => {
  const h = useDriverHarness();

  it('runs qemu as tsvirt-qemu with no capabilities and seccomp filtering, and gives the disk back at stop', async () => {
    const driver = await h.setup();
    const user = await lookupUser('tsvirt-qemu', 'kvm');
    const before = await stat(h.image);
    const dom = await driver.domainDefineXML(buildBootSectorXml('conf1', h.image));
    await driver.domainCreate(dom);
    const pid = readPidFile(h.root, 'conf1');
    const status = readConfinement(pid);
    console.log(`qemu pid ${pid}: Uid ${status.Uid}, CapEff ${status.CapEff}, Seccomp ${status.Seccomp}`);
    expect(status.Uid).toBe(`${user.uid}\t${user.uid}\t${user.uid}\t${user.uid}`);
    expect(status.Gid?.split('\t')[0]).toBe(String(user.gid));
    expect(status.CapEff).toBe('0000000000000000');
    expect(status.CapBnd).toBe('0000000000000000');
    expect(status.Seccomp).toBe('2');
    const during = await stat(h.image);
    expect([during.uid, during.gid]).toEqual([user.uid, user.gid]);
    await driver.domainDestroy(dom);
    const after = await stat(h.image);
    expect([after.uid, after.gid]).toEqual([before.uid, before.gid]);
  });

  it('keeps capabilities cleared and the sandbox on when qemu.conf says user = "root"', async () => {
    const lines: string[] = [];
    const driver = await h.setup(lines, {
      qemuConf: { ...DEFAULT_QEMU_CONFINEMENT, user: 'root', group: 'root' },
    });
    expect(lines.join('\n')).toMatch(/qemu runs as root/);
    const dom = await driver.domainDefineXML(buildBootSectorXml('conf2', h.image));
    await driver.domainCreate(dom);
    const status = readConfinement(readPidFile(h.root, 'conf2'));
    expect(status.Uid?.split('\t')[0]).toBe('0');
    expect(status.CapEff).toBe('0000000000000000');
    expect(status.Seccomp).toBe('2');
    await driver.domainDestroy(dom);
  });

  it('starts qemu without the filter when seccomp_sandbox = 0', async () => {
    const driver = await h.setup([], { qemuConf: { ...DEFAULT_QEMU_CONFINEMENT, seccompSandbox: false } });
    const dom = await driver.domainDefineXML(buildBootSectorXml('conf3', h.image));
    await driver.domainCreate(dom);
    expect(readConfinement(readPidFile(h.root, 'conf3')).Seccomp).toBe('0');
    await driver.domainDestroy(dom);
  });

  it('refuses to start a disk on /etc/shadow, naming the file and the user, and leaves the file as it was', async () => {
    const driver = await h.setup();
    const before = await stat('/etc/shadow');
    const xml = buildBootSectorXml('shadow', h.image).replace(
      '</devices>',
      "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/etc/shadow'/><target dev='hdb' bus='ide'/></disk></devices>",
    );
    const dom = await driver.domainDefineXML(xml);
    const err = await startError(driver.domainCreate(dom));
    expect(err.code).toBe('ERR_IO');
    expect(err.message).toMatch(
      /disk hdb \/etc\/shadow: the qemu user tsvirt-qemu .* cannot open it for reading and writing/,
    );
    expect(err.fields).toMatchObject({ path: '/etc/shadow', user: 'tsvirt-qemu' });
    const after = await stat('/etc/shadow');
    expect([after.uid, after.gid, after.mode]).toEqual([before.uid, before.gid, before.mode]);
    expect(await driver.domainGetState(dom)).toMatchObject({ state: DomainState.SHUTOFF });
    const image = await stat(h.image);
    expect(image.uid).toBe(0);
  });

  it('names the folder that the qemu user cannot pass through', async () => {
    const driver = await h.setup();
    const hidden = join(h.root, 'private');
    await mkdir(hidden);
    await chmod(hidden, 0o700);
    const image = join(hidden, 'disk.img');
    await writeFile(image, Buffer.alloc(512));
    const dom = await driver.domainDefineXML(buildBootSectorXml('hidden', image));
    const err = await startError(driver.domainCreate(dom));
    expect(err.message).toContain(`no search permission on ${hidden} (mode 0700, owner 0:0)`);
    expect((await stat(image)).uid).toBe(0);
  });

  it('starts and destroys a domain whose name has a comma', async () => {
    const driver = await h.setup();
    const dom = await driver.domainDefineXML(buildBootSectorXml('a,b', h.image, { console: true }));
    await driver.domainCreate(dom);
    expect(await driver.domainGetState(dom)).toMatchObject({ state: DomainState.RUNNING });
    expect(await driver.domainGetXMLDesc(dom)).toMatch(/<console type='pty' tty='\/dev\/pts\/\d+'>/);
    // qemu's option syntax needs the comma doubled in the serial log's path.
    expect((await stat(join(h.root, 'log', 'qemu', 'a,b.serial.log'))).isFile()).toBe(true);
    await driver.domainDestroy(dom);
  });

  it('refuses a bridge NIC on a bridge that does not exist, before it makes a tap or runs qemu', async () => {
    const noNetworks = (): never => {
      throw new Error('no network driver in this test');
    };
    const driver = await h.setup([], { resources: [buildNetworkPorts(noNetworks)] });
    const xml = buildBootSectorXml('nic', h.image).replace(
      '</devices>',
      "<interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='br-none'/><model type='virtio'/></interface></devices>",
    );
    const dom = await driver.domainDefineXML(xml);
    const err = await startError(driver.domainCreate(dom));
    expect(err.code).toBe('ERR_OPERATION_FAILED');
    expect(err.message).toBe(
      "domain 'nic': interface 52:54:00:00:00:01: bridge 'br-none' does not exist; create it or name another <source bridge>",
    );
    expect(err.fields).toMatchObject({ field: 'interface/source@bridge', value: 'br-none' });
    expect((await driver.domainGetState(dom)).state).toBe(DomainState.SHUTOFF);
  });

  it('refuses at define an emulator that is not a qemu-system binary', async () => {
    const driver = await h.setup();
    const xml = buildBootSectorXml('sh', h.image).replace(
      '<devices>',
      '<devices><emulator>/bin/sh</emulator>',
    );
    const err = await startError(driver.domainDefineXML(xml));
    expect(err.code).toBe('ERR_INVALID_ARG');
    expect(err.message).toMatch(/emulator '\/bin\/sh' is .*, not a qemu-system program/);
    await expect(driver.lookupDomainByName('sh')).rejects.toMatchObject({ code: 'ERR_DOMAIN_NOT_FOUND' });
    const fake = join(h.root, 'qemu-system-x86_64');
    await writeFile(fake, '#!/bin/sh\necho hello\n', { mode: 0o755 });
    await chmod(h.root, 0o755);
    const fakeXml = buildBootSectorXml('fake', h.image).replace(
      '<devices>',
      `<devices><emulator>${fake}</emulator>`,
    );
    const fakeErr = await startError(driver.domainDefineXML(fakeXml));
    expect(fakeErr.message).toMatch(/does not answer -version as qemu does/);
  });
});
