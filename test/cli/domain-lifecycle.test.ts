import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../scripts/guests/paths.js';
import { findQemuBinary } from '../../src/kvm/index.js';
import { buildBootSectorXml, cleanupRoot, isAlive, readPidFile, waitUntil } from '../driver/helpers.js';
import { hasCli, makeCliRoot, tsvirt } from './cli-harness.js';

const hasQemu = findQemuBinary() !== undefined;
const hasKvm = existsSync('/dev/kvm');
if (!hasQemu) console.warn('skipping the CLI lifecycle tests: qemu-system-x86_64 is absent');
if (!hasKvm) console.warn('skipping the CLI KVM vcpuinfo test: /dev/kvm is absent');
const canRun = hasCli && hasQemu;

/** The threads of `pid` that run vCPUs, by the name qemu gives them (debug-threads=on). */
function threadName(pid: number, tid: number): string {
  return readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
}

/** Cpus_allowed_list of one thread, from /proc. */
function allowedCpus(pid: number, tid: number): string {
  const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
  return /^Cpus_allowed_list:\s*(\S+)$/m.exec(status)?.[1] ?? '';
}

describe.skipIf(!canRun)('tsvirt domain lifecycle on an embedded root (boot-sector guest, TCG)', () => {
  let root = '';
  let xmlFile = '';
  let pid = 0;
  const uuid = '6a1e3c52-1b0f-4c3e-9f7a-2d5b8e0c4f11';
  const t = (...args: string[]) => tsvirt(root, args);

  beforeAll(async () => {
    const guests = await ensureGuests();
    ({ root } = await makeCliRoot());
    const image = join(root, 'boot.img');
    await writeFile(image, readFileSync(guests.bootSectorImage));
    xmlFile = join(root, 'demo.xml');
    await writeFile(xmlFile, buildBootSectorXml('demo', image, { vcpus: 2, uuid }));
  }, 60_000);

  afterAll(async () => {
    if (root) expect(await cleanupRoot(root, [])).toEqual([]);
  }, 30_000);

  it('defines from a file and lists the domain as shut off', async () => {
    expect(await t('define', xmlFile)).toEqual({
      code: 0,
      stdout: `Domain 'demo' defined from ${xmlFile}\n\n`,
      stderr: '',
    });
    expect((await t('list', '--all')).stdout).toBe(
      ' Id   Name   State\n-----------------------\n -    demo   shut off\n\n',
    );
    expect((await t('list')).stdout).toBe(' Id   Name   State\n--------------------\n\n');
  }, 30_000);

  it('starts the guest, which keeps running after the CLI exits and is re-adopted by the next call', async () => {
    expect(await t('start', 'demo')).toEqual({ code: 0, stdout: "Domain 'demo' started\n\n", stderr: '' });
    pid = readPidFile(root, 'demo');
    expect(isAlive(pid)).toBe(true);
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain(uuid);
    expect((await t('list')).stdout).toBe(
      ' Id   Name   State\n----------------------\n 1    demo   running\n\n',
    );
    expect(readPidFile(root, 'demo')).toBe(pid);
    expect(isAlive(pid)).toBe(true);
  }, 30_000);

  it('reports dominfo, domstate --reason, domid, domname and domuuid as virsh does', async () => {
    const info = await t('dominfo', 'demo');
    expect(info.code).toBe(0);
    expect(info.stdout.replace(/^CPU time: +\S+$/m, 'CPU time:       X')).toBe(
      [
        'Id:             1',
        'Name:           demo',
        `UUID:           ${uuid}`,
        'OS Type:        hvm',
        'State:          running',
        'CPU(s):         2',
        'CPU time:       X',
        'Max memory:     65536 KiB',
        'Used memory:    65536 KiB',
        'Persistent:     yes',
        'Autostart:      disable',
        'Managed save:   no',
        '',
        '',
      ].join('\n'),
    );
    expect((await t('domstate', 'demo', '--reason')).stdout).toBe('running (booted)\n\n');
    expect((await t('domid', 'demo')).stdout).toBe('1\n\n');
    expect((await t('domname', '1')).stdout).toBe('demo\n\n');
    expect((await t('domuuid', 'demo')).stdout).toBe(`${uuid}\n\n`);
  }, 30_000);

  it('dumps the live XML with its id, and the inactive XML without', async () => {
    const live = await t('dumpxml', 'demo');
    expect(live.stdout).toMatch(/^<domain type='qemu' id='1'>\n {2}<name>demo<\/name>\n {2}<uuid>/);
    const inactive = await t('dumpxml', 'demo', '--inactive');
    expect(inactive.stdout).toMatch(/^<domain type='qemu'>\n {2}<name>demo<\/name>\n/);
    expect(inactive.stdout).toContain(`<source file='${join(root, 'boot.img')}'/>`);
  }, 30_000);

  it('tsvirt vcpuinfo matches /proc: each vCPU is a thread of the qemu pid, named "CPU n/TCG"', async () => {
    const json = await t('vcpuinfo', 'demo', '--json');
    expect(json.code).toBe(0);
    const vcpus = JSON.parse(json.stdout) as Array<{ number: number; threadId: number }>;
    expect(vcpus.map((v) => v.number)).toEqual([0, 1]);
    for (const v of vcpus) {
      expect(existsSync(`/proc/${pid}/task/${v.threadId}`)).toBe(true);
      expect(threadName(pid, v.threadId)).toBe(`CPU ${v.number}/TCG`);
    }
    const text = (await t('vcpuinfo', 'demo')).stdout;
    expect([...text.matchAll(/^Thread ID: +(\d+)$/gm)].map((m) => Number(m[1]))).toEqual(
      vcpus.map((v) => v.threadId),
    );
  }, 30_000);

  it('vcpupin sets the affinity that /proc/PID/task/TID/status shows', async () => {
    const before = JSON.parse((await t('vcpuinfo', 'demo', '--json')).stdout) as Array<{ threadId: number }>;
    const tid = (before[0] as { threadId: number }).threadId;
    expect((await t('vcpupin', 'demo', '0', '0')).code).toBe(0);
    expect(allowedCpus(pid, tid)).toBe('0');
    const table = await t('vcpupin', 'demo');
    expect(table.stdout).toMatch(/^ VCPU +CPU Affinity\n-+\n 0 +0\n 1 +\S+\n\n$/);
  }, 30_000);

  it('setmem, dommemstat and domblklist', async () => {
    expect(await t('setmem', 'demo', '32M')).toMatchObject({ code: 0, stderr: '' });
    const stats = (await t('dommemstat', 'demo')).stdout;
    expect(stats).toMatch(/^actual \d+\nrss \d+\n/);
    expect((await t('domblklist', 'demo')).stdout).toBe(
      ` Target   Source\n${'-'.repeat(join(root, 'boot.img').length + 12)}\n hda      ${join(root, 'boot.img')}\n\n`,
    );
  }, 30_000);

  it('suspends and resumes; reboot and reset keep the same qemu process', async () => {
    expect((await t('suspend', 'demo')).stdout).toBe("Domain 'demo' suspended\n\n");
    expect((await t('domstate', 'demo', '--reason')).stdout).toBe('paused (user)\n\n');
    expect((await t('resume', 'demo')).stdout).toBe("Domain 'demo' resumed\n\n");
    expect((await t('domstate', 'demo')).stdout).toBe('running\n\n');
    expect((await t('reboot', 'demo')).stdout).toBe("Domain 'demo' is being rebooted\n\n");
    expect((await t('reset', 'demo')).stdout).toBe("Domain 'demo' was reset\n\n");
    expect(readPidFile(root, 'demo')).toBe(pid);
    expect(isAlive(pid)).toBe(true);
  }, 30_000);

  it('autostart marks the domain; a destroyed domain stays off on the next call', async () => {
    expect((await t('autostart', 'demo')).stdout).toBe("Domain 'demo' marked as autostarted\n\n");
    expect((await t('dominfo', 'demo')).stdout).toContain('Autostart:      enable\n');
    // The boot sector ignores the ACPI button: --timeout escalates to destroy.
    expect((await t('shutdown', 'demo', '--timeout', '1')).stdout).toBe(
      "Domain 'demo' did not shut down within 1 s; destroyed\n\n",
    );
    await waitUntil(() => !isAlive(pid), 5_000, `qemu ${pid} to exit`);
    expect((await t('domstate', 'demo')).stdout).toBe('shut off\n\n');
    expect((await t('list', '--all')).stdout).toContain(' -    demo   shut off\n');
    expect((await t('autostart', 'demo', '--disable')).stdout).toBe(
      "Domain 'demo' unmarked as autostarted\n\n",
    );
  }, 30_000);

  it('destroys a started domain, then undefines it', async () => {
    expect((await t('start', 'demo')).code).toBe(0);
    const second = readPidFile(root, 'demo');
    expect(second).not.toBe(pid);
    expect((await t('domid', 'demo')).stdout).toBe('2\n\n');
    expect((await t('destroy', 'demo')).stdout).toBe("Domain 'demo' destroyed\n\n");
    expect(isAlive(second)).toBe(false);
    expect((await t('domid', 'demo')).stdout).toBe('-\n\n');
    expect((await t('undefine', 'demo')).stdout).toBe("Domain 'demo' has been undefined\n\n");
    expect((await t('list', '--all')).stdout).toBe(' Id   Name   State\n--------------------\n\n');
  }, 30_000);

  it('creates a transient domain that vanishes when destroyed', async () => {
    expect((await t('create', xmlFile)).stdout).toBe(`Domain 'demo' created from ${xmlFile}\n\n`);
    const transientPid = readPidFile(root, 'demo');
    expect((await t('list', '--all')).stdout).toBe(
      ' Id   Name   State\n----------------------\n 3    demo   running\n\n',
    );
    expect((await t('dominfo', 'demo')).stdout).toContain('Persistent:     no\n');
    expect((await t('destroy', 'demo')).code).toBe(0);
    expect(isAlive(transientPid)).toBe(false);
    expect((await t('list', '--all')).stdout).toBe(' Id   Name   State\n--------------------\n\n');
  }, 30_000);
});

describe.skipIf(!canRun || !hasKvm)('tsvirt vcpuinfo under KVM', () => {
  it('names the vCPU threads "CPU n/KVM", threads of the qemu pid', async () => {
    const guests = await ensureGuests();
    const { root, image } = await makeCliRoot(guests.bootSectorImage);
    try {
      const xml = join(root, 'kvm.xml');
      await writeFile(xml, buildBootSectorXml('kvmdemo', image, { type: 'kvm', vcpus: 2 }));
      expect((await tsvirt(root, ['define', xml])).code).toBe(0);
      const started = await tsvirt(root, ['start', 'kvmdemo']);
      expect(started).toEqual({ code: 0, stdout: "Domain 'kvmdemo' started\n\n", stderr: '' });
      const pid = readPidFile(root, 'kvmdemo');
      const vcpus = JSON.parse((await tsvirt(root, ['vcpuinfo', 'kvmdemo', '--json'])).stdout) as Array<{
        number: number;
        threadId: number;
      }>;
      expect(vcpus).toHaveLength(2);
      for (const v of vcpus) expect(threadName(pid, v.threadId)).toBe(`CPU ${v.number}/KVM`);
      expect((await tsvirt(root, ['destroy', 'kvmdemo'])).code).toBe(0);
      expect(isAlive(pid)).toBe(false);
    } finally {
      expect(await cleanupRoot(root, [])).toEqual([]);
    }
  }, 60_000);
});
