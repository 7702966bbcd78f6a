/**
 * Real virsh against the server: save, restore (running and --paused), save-image-dumpxml and
 * save-image-define on the Linux guest (TCG) whose shell prints a counter each tenth of a second, so
 * that "the guest goes on where it stopped, with no reboot" is read off its serial console.
 */
import { copyFile, mkdir, readFile, readdir, stat, truncate, writeFile } from 'node:fs/promises';
import { run } from '../../../src/exec/index.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINUX_READY_MARKER } from '../../../scripts/guests/paths.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { isAlive, readPidFile, waitForText, waitUntil } from '../../driver/helpers.js';
import type { TestServer } from './server-fixture.js';
import { startShellGuestServer, stopGuestServer } from './guest-server.js';
import { VIRSH, virsh, type VirshResult } from './virsh-harness.js';
import { lastTick, readTicks, startCounter, typeLine as typeInto } from './counter-guest.js';

const hasQemu = findQemuBinary() !== undefined;
if (!VIRSH || !hasQemu) console.warn('skipping virsh save tests: virsh or qemu-system-x86_64 is absent');

describe.skipIf(!VIRSH || !hasQemu)('virsh save and restore (Linux guest, TCG)', () => {
  let srv: TestServer;
  let serialLog = '';
  const pids: number[] = [];
  const v = (...args: string[]): Promise<VirshResult> => virsh(srv.unixUri, args, { timeoutMs: 60_000 });

  beforeAll(async () => {
    ({ srv, serialLog } = await startShellGuestServer('sv', { pids, counter: true }));
  }, 150_000);
  afterAll(() => stopGuestServer(srv, 'sv', pids), 30_000);

  /** Type a line into the guest's shell. */
  const typeLine = (line: string): Promise<void> => typeInto(srv.conn, 'sv', serialLog, line);

  /** Fill 96 MiB of the guest's memory with random bytes, so that a save has real data to write. */
  async function fillGuestMemory(): Promise<void> {
    const log = await readFile(serialLog, 'latin1');
    const count = log.split('filled-').length;
    await typeLine('head -c 100663296 /dev/urandom > /big; echo filled-$((40+2))\n');
    await waitForText(serialLog, 'filled-42', 120_000, count);
  }

  it('saves a running guest to a file and stops it as saved', async () => {
    const file = join(srv.root, 'sv.save');
    const r = await v('save', 'sv', file);
    expect(r).toEqual({ code: 0, stdout: `\nDomain 'sv' saved to ${file}\n\n`, stderr: '' });
    expect(await v('domstate', '--reason', 'sv')).toEqual({
      code: 0,
      stdout: 'shut off (saved)\n\n',
      stderr: '',
    });
    expect(isAlive(pids[0] as number)).toBe(false);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // Nothing half-written is left beside the image.
    expect((await readdir(srv.root)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const dump = await v('save-image-dumpxml', file);
    expect(dump.code).toBe(0);
    expect(dump.stdout).toContain('<name>sv</name>');
  }, 90_000);

  it('restores it running: the counter goes on from where it stopped, with no reboot', async () => {
    const file = join(srv.root, 'sv.save');
    const before = await lastTick(serialLog);
    expect(await v('restore', file)).toEqual({
      code: 0,
      stdout: `Domain restored from ${file}\n\n`,
      stderr: '',
    });
    pids.push(readPidFile(srv.root, 'sv'));
    expect(await v('domstate', '--reason', 'sv')).toEqual({
      code: 0,
      stdout: 'running (restored)\n\n',
      stderr: '',
    });
    await waitUntil(
      async () => (await lastTick(serialLog)) >= before + 10,
      30_000,
      'ten ticks after restore',
    );
    const ticks = await readTicks(serialLog);
    // One boot only, and the ticks never went back: the guest's memory came back as it was.
    const log = await readFile(serialLog, 'latin1');
    expect(log.split(LINUX_READY_MARKER).length - 1).toBe(1);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]).toBeGreaterThanOrEqual(ticks[i - 1] as number);
    expect(ticks.filter((t) => t === before + 1).length).toBeLessThanOrEqual(1);
  }, 90_000);

  it('restores --paused: the counter stands still until resume', async () => {
    const file = join(srv.root, 'sv2.save');
    expect((await v('save', 'sv', file)).code).toBe(0);
    expect(await v('restore', '--paused', file)).toEqual({
      code: 0,
      stdout: `Domain restored from ${file}\n\n`,
      stderr: '',
    });
    pids.push(readPidFile(srv.root, 'sv'));
    expect((await v('domstate', 'sv')).stdout).toBe('paused\n\n');
    const held = await lastTick(serialLog);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await lastTick(serialLog)).toBe(held);
    expect((await v('resume', 'sv')).code).toBe(0);
    await waitUntil(async () => (await lastTick(serialLog)) >= held + 5, 30_000, 'ticks after resume');
  }, 90_000);

  it('refuses a file that is not a save image, and one cut short, naming why', async () => {
    const junk = join(srv.root, 'junk.save');
    await writeFile(junk, 'this is not a save image\n'.repeat(10));
    const r = await v('restore', junk);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${junk} is not a usable tsvirt save image: it does not begin with the save image magic`,
    );
    const cut = join(srv.root, 'cut.save');
    await copyFile(join(srv.root, 'sv.save'), cut);
    await truncate(cut, (await stat(cut)).size - 4096);
    const c = await v('restore', cut);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(
      /is not a usable tsvirt save image: its size \d+ is not the \d+ bytes its header states/,
    );
    expect((await v('domstate', 'sv')).stdout).toBe('running\n\n');
  }, 60_000);

  it('fails a save on a full disk: no file is left, and the guest runs on', async () => {
    const dir = join(srv.root, 'small');
    await mkdir(dir);
    const mounted = await run(['mount', '-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir], {
      okExitCodes: [0, 1, 32],
    });
    if (mounted.exitCode !== 0) {
      console.warn(
        `skipping the full-disk save check: cannot mount a small tmpfs (${mounted.stderr.trim()})`,
      );
      return;
    }
    try {
      const r = await v('save', 'sv', join(dir, 'full.save'));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('free some space on that file system');
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await run(['umount', dir]);
    }
    expect(await v('domstate', '--reason', 'sv')).toEqual({
      code: 0,
      stdout: 'running (unpaused)\n\n',
      stderr: '',
    });
    const held = await lastTick(serialLog);
    await waitUntil(
      async () => (await lastTick(serialLog)) >= held + 3,
      30_000,
      'ticks after the failed save',
    );
  }, 60_000);

  it('domjobinfo shows a save in progress, and domjobabort cancels it with the guest left running', async () => {
    await fillGuestMemory();
    const file = join(srv.root, 'aborted.save');
    const dom = await srv.conn.lookupDomainByName('sv');
    const saving = srv.conn.domainSave(dom, file);
    saving.catch(() => undefined);
    await waitUntil(async () => (await srv.conn.domainGetJobInfo(dom)).type !== 0, 10_000, 'the save job');
    const info = await v('domjobinfo', 'sv');
    expect(info.stdout).toMatch(/Job type: +(Unbounded|Bounded)/);
    expect(info.stdout).toMatch(/Operation: +Save/);
    expect(await v('domjobabort', 'sv')).toEqual({ code: 0, stdout: '\n', stderr: '' });
    await expect(saving).rejects.toThrow(/was aborted by request/);
    expect(
      (await readdir(srv.root)).filter((n) => n.startsWith('.aborted.save') || n === 'aborted.save'),
    ).toEqual([]);
    expect((await v('domstate', 'sv')).stdout).toBe('running\n\n');
    expect((await v('domjobinfo', '--completed', 'sv')).stdout).toMatch(/Job type: +Cancelled/);
  }, 90_000);

  it('a qemu killed mid-save leaves the domain shut off (crashed) and no image', async () => {
    const file = join(srv.root, 'killed.save');
    const dom = await srv.conn.lookupDomainByName('sv');
    const pid = readPidFile(srv.root, 'sv');
    const saving = srv.conn.domainSave(dom, file);
    saving.catch(() => undefined);
    await waitUntil(async () => (await srv.conn.domainGetJobInfo(dom)).type !== 0, 10_000, 'the save job');
    process.kill(pid, 'SIGKILL');
    await expect(saving).rejects.toThrow();
    await waitUntil(async () => (await v('domstate', 'sv')).stdout === 'shut off\n\n', 10_000, 'shut off');
    expect((await v('domstate', '--reason', 'sv')).stdout).toBe('shut off (crashed)\n\n');
    expect((await readdir(srv.root)).filter((n) => n.includes('killed.save'))).toEqual([]);
    // It starts again from a boot, and the counter is set going for the next test.
    expect((await v('start', 'sv')).code).toBe(0);
    pids.push(readPidFile(srv.root, 'sv'));
    await waitForText(serialLog, '/ # ', 90_000, 2);
    await startCounter(srv.conn, 'sv', serialLog);
  }, 150_000);

  it('managedsave, then start resumes from the image and removes it', async () => {
    expect(await v('managedsave', 'sv')).toEqual({
      code: 0,
      stdout: "\nDomain 'sv' state saved by libvirt\n\n",
      stderr: '',
    });
    expect((await v('list', '--all', '--managed-save')).stdout).toMatch(/ -\s+sv\s+saved\n/);
    expect((await v('list', '--all', '--with-managed-save', '--name')).stdout).toBe('sv\n\n');
    expect((await v('dominfo', 'sv')).stdout).toMatch(/Managed save: +yes\n/);
    expect((await v('managedsave-dumpxml', 'sv')).stdout).toContain('<name>sv</name>');
    const refused = await v('undefine', 'sv');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Refusing to undefine while domain managed save image exists');
    const before = await lastTick(serialLog);
    expect(await v('start', 'sv')).toEqual({ code: 0, stdout: "Domain 'sv' started\n\n", stderr: '' });
    pids.push(readPidFile(srv.root, 'sv'));
    expect((await v('domstate', '--reason', 'sv')).stdout).toBe('running (restored)\n\n');
    expect((await v('dominfo', 'sv')).stdout).toMatch(/Managed save: +no\n/);
    await waitUntil(async () => (await lastTick(serialLog)) >= before + 5, 30_000, 'ticks after start');
    const ticks = await readTicks(serialLog);
    expect(
      ticks.slice(ticks.lastIndexOf(before)).every((t, i, all) => i === 0 || t >= (all[i - 1] as number)),
    ).toBe(true);
  }, 90_000);

  it('managedsave-remove drops the image, and start then boots afresh', async () => {
    const boots = (await readFile(serialLog, 'latin1')).split(LINUX_READY_MARKER).length - 1;
    expect((await v('managedsave', 'sv')).code).toBe(0);
    expect(await v('managedsave-remove', 'sv')).toEqual({
      code: 0,
      stdout: "Removed managedsave image for domain 'sv'\n",
      stderr: '',
    });
    expect((await v('dominfo', 'sv')).stdout).toMatch(/Managed save: +no\n/);
    expect((await v('start', 'sv')).code).toBe(0);
    pids.push(readPidFile(srv.root, 'sv'));
    expect((await v('domstate', '--reason', 'sv')).stdout).toBe('running (booted)\n\n');
    await waitForText(serialLog, LINUX_READY_MARKER, 90_000, boots + 1);
  }, 120_000);

  it('save-image-define replaces the XML and the state a restore brings back', async () => {
    const file = join(srv.root, 'sv3.save');
    expect(await v('save', 'sv', file)).toMatchObject({ code: 0, stderr: '' });
    const xml = (await v('save-image-dumpxml', file)).stdout;
    const edited = join(srv.root, 'edited.xml');
    await writeFile(edited, xml.replace('</name>', '</name>\n  <description>edited</description>'));
    expect(await v('save-image-define', file, edited, '--paused')).toEqual({
      code: 0,
      stdout: `State file ${file} updated.\n\n`,
      stderr: '',
    });
    expect((await v('save-image-dumpxml', file)).stdout).toContain('<description>edited</description>');
    // Saved running, now marked paused: a plain restore leaves it paused.
    expect((await v('restore', file)).code).toBe(0);
    pids.push(readPidFile(srv.root, 'sv'));
    expect((await v('domstate', 'sv')).stdout).toBe('paused\n\n');
    expect((await v('destroy', 'sv')).code).toBe(0);
  }, 60_000);
});
