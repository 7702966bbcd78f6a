/**
 * Real virsh against the server: internal snapshots of the Linux guest (TCG) with a qcow2 disk, whose
 * shell prints a counter each tenth of a second, so that "the guest goes back to the snapshot and goes
 * on" is read off its serial console. Then the snapshot tree as virsh shows it, snapshots of the guest
 * shut off, deletion, and undefine's refusal.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/exec/index.js';
import { LINUX_READY_MARKER } from '../../../scripts/guests/paths.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { listImageSnapshots } from '../../../src/storage/qemu-img-snapshot.js';
import { readPidFile, waitForText, waitUntil } from '../../driver/helpers.js';
import type { TestServer } from './server-fixture.js';
import { startShellGuestServer, stopGuestServer } from './guest-server.js';
import { VIRSH, virsh, type VirshResult } from './virsh-harness.js';
import { parseTicks, typeLine as typeInto } from './counter-guest.js';

const hasQemu = findQemuBinary() !== undefined;
if (!VIRSH || !hasQemu) console.warn('skipping virsh snapshot tests: virsh or qemu-system-x86_64 is absent');

describe.skipIf(!VIRSH || !hasQemu)('virsh snapshots (Linux guest, TCG, qcow2 disk)', () => {
  let srv: TestServer;
  let serialLog = '';
  let disk = '';
  const pids: number[] = [];
  const v = (...args: string[]): Promise<VirshResult> => virsh(srv.unixUri, args, { timeoutMs: 120_000 });
  const readLog = (): Promise<string> => readFile(serialLog, 'latin1');
  const lastTick = async (): Promise<number> => parseTicks(await readLog()).at(-1) ?? -1;

  beforeAll(async () => {
    ({ srv, serialLog, disk } = await startShellGuestServer('sn', { pids, qcow2Size: '64M', counter: true }));
  }, 150_000);
  afterAll(() => stopGuestServer(srv, 'sn', pids), 30_000);

  /** Type a line into the guest's shell and wait for its echo. */
  const typeLine = (line: string): Promise<void> => typeInto(srv.conn, 'sn', serialLog, line);

  it('a live snapshot, then revert: the counter goes back and goes on, and a later file is gone', async () => {
    const created = await v('snapshot-create-as', 'sn', 's1', '--description', 'first one');
    expect(created).toEqual({ code: 0, stdout: 'Domain snapshot s1 created\n', stderr: '' });
    const atSnapshot = await lastTick();
    expect((await v('domstate', 'sn')).stdout).toBe('running\n\n');
    await waitUntil(async () => (await lastTick()) >= atSnapshot + 20, 30_000, 'twenty ticks after s1');
    await typeLine('echo later > /after-s1; echo wrote-$((40+1))\n');
    await waitForText(serialLog, 'wrote-41', 10_000);
    const beforeRevert = await lastTick();
    const mark = (await readLog()).length;
    expect(await v('snapshot-revert', 'sn', 's1')).toEqual({
      code: 0,
      stdout: 'Domain snapshot s1 reverted\n\n',
      stderr: '',
    });
    expect((await v('domstate', '--reason', 'sn')).stdout).toBe('running (from snapshot)\n\n');
    // Ticks printed between the mark and the revert still count on from beforeRevert; the revert's own
    // ticks start where the count drops.
    const ticksAfterRevert = async (): Promise<number[]> => {
      const sinceMark = parseTicks((await readLog()).slice(mark));
      const drop = sinceMark.findIndex((t) => t <= beforeRevert);
      return drop < 0 ? [] : sinceMark.slice(drop);
    };
    await waitUntil(async () => (await ticksAfterRevert()).length >= 10, 30_000, 'ticks after revert');
    const after = await ticksAfterRevert();
    // The guest went back to about where s1 was taken, well before where it had got to, and goes on.
    expect(after[0]).toBeLessThanOrEqual(atSnapshot + 3);
    expect(after[0]).toBeLessThan(beforeRevert - 10);
    for (let i = 1; i < after.length; i++) expect(after[i]).toBe((after[i - 1] as number) + 1);
    // No reboot: the ready marker was printed once.
    expect((await readLog()).split(LINUX_READY_MARKER).length - 1).toBe(1);
    await typeLine('cat /after-s1 || echo gone-$((40+2))\n');
    await waitForText(serialLog, 'gone-42', 10_000);
  }, 120_000);

  it('shows the snapshot tree, info, current, parent and XML as virsh prints them', async () => {
    expect((await v('snapshot-create-as', 'sn', 's2')).code).toBe(0);
    expect(await v('snapshot-list', 'sn', '--tree')).toEqual({
      code: 0,
      stdout: 's1\n  |\n  +- s2\n    \n\n',
      stderr: '',
    });
    expect((await v('snapshot-current', 'sn', '--name')).stdout).toBe('s2\n');
    expect((await v('snapshot-parent', 'sn', 's2')).stdout).toBe('s1\n');
    const info = await v('snapshot-info', 'sn', 's1');
    expect(info.stdout).toMatch(
      /Name: +s1\nDomain: +sn\nCurrent: +no\nState: +running\nLocation: +internal\nParent: +-\nChildren: +1\nDescendants: +1\nMetadata: +yes\n/,
    );
    const xml = (await v('snapshot-dumpxml', 'sn', 's1')).stdout;
    expect(xml).toContain('<name>s1</name>');
    expect(xml).toContain('<description>first one</description>');
    expect(xml).toContain('<state>running</state>');
    expect(xml).toContain("<memory snapshot='internal'/>");
    expect(xml).toContain("<disk name='vda' snapshot='internal'/>");
    expect(xml).toMatch(/<domain type='qemu'>\n {4}<name>sn<\/name>/);
    const edit = await run([VIRSH as string, '-c', srv.unixUri, 'snapshot-edit', 'sn', 's1'], {
      env: { HOME: '/tmp', EDITOR: 'sed -i s/first/edited/' },
      okExitCodes: [1],
    });
    expect(edit.stdout).toBe('Snapshot s1 edited.\n\n');
    expect((await v('snapshot-dumpxml', 'sn', 's1')).stdout).toContain(
      '<description>edited one</description>',
    );
    expect((await v('snapshot-current', 'sn', '--name')).stdout).toBe('s2\n');
    const list = (await v('snapshot-list', 'sn', '--parent')).stdout;
    expect(list).toMatch(/ s1 +\S.* running +\n s2 +\S.* running +s1\n/);
    expect((await v('snapshot-list', 'sn', '--roots', '--name')).stdout).toBe('s1\n\n');
    expect((await v('snapshot-list', 'sn', '--leaves', '--name')).stdout).toBe('s2\n\n');
    expect((await v('snapshot-list', 'sn', '--internal', '--name')).stdout).toBe('s1\ns2\n\n');
    expect((await v('snapshot-list', 'sn', '--external', '--name')).stdout).toBe('\n');
    // qemu holds the image; -U reads its header anyway.
    expect(await listImageSnapshots(disk)).toEqual(['s1', 's2']);
  }, 60_000);

  it('takes a snapshot of the guest shut off, and reverts from there to a running one', async () => {
    expect((await v('destroy', 'sn')).code).toBe(0);
    expect((await v('snapshot-create-as', 'sn', 'off1')).code).toBe(0);
    expect((await v('snapshot-info', 'sn', 'off1')).stdout).toMatch(/State: +shutoff\n/);
    expect(await listImageSnapshots(disk)).toEqual(['s1', 's2', 'off1']);
    const mark = (await readLog()).length;
    expect((await v('snapshot-revert', 'sn', 's1')).code).toBe(0);
    pids.push(readPidFile(srv.root, 'sn'));
    expect((await v('domstate', '--reason', 'sn')).stdout).toBe('running (from snapshot)\n\n');
    await waitUntil(
      async () => parseTicks((await readLog()).slice(mark)).length >= 5,
      30_000,
      'ticks after revert',
    );
    expect((await v('snapshot-current', 'sn', '--name')).stdout).toBe('s1\n');
  }, 120_000);

  it('deletes snapshots from the images and the metadata, and undefine refuses while any is left', async () => {
    expect(await v('snapshot-delete', 'sn', 's2')).toEqual({
      code: 0,
      stdout: 'Domain snapshot s2 deleted\n\n',
      stderr: '',
    });
    expect((await v('snapshot-list', 'sn', '--name')).stdout).toBe('off1\ns1\n\n');
    expect((await v('destroy', 'sn')).code).toBe(0);
    expect(await listImageSnapshots(disk)).toEqual(['s1', 'off1']);
    const refused = await v('undefine', 'sn');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('cannot delete inactive domain with 2 snapshots');
    expect((await v('snapshot-delete', 'sn', 's1', '--children')).code).toBe(0);
    expect((await v('snapshot-list', 'sn', '--name')).stdout).toBe('\n');
    expect(await listImageSnapshots(disk)).toEqual([]);
    const missing = await v('snapshot-info', 'sn', 's1');
    expect(missing.stderr).toContain("Domain snapshot not found: no domain snapshot with matching name 's1'");
  }, 120_000);
});
