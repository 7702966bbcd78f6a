/**
 * Real virsh against the server: snapshot-delete and snapshot-revert of external disk-only snapshots,
 * on the boot-sector guest (TCG) with a qcow2 data disk whose layers are written with qemu-io, so that
 * where each byte pattern ends up after a merge or a revert is read off the images themselves.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/exec/index.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { readPidFile } from '../../driver/helpers.js';
import type { TestServer } from './server-fixture.js';
import { startDataDiskGuestServer, stopGuestServer } from './guest-server.js';
import { VIRSH, virsh, type VirshResult } from './virsh-harness.js';

const hasQemu = findQemuBinary() !== undefined;
if (!VIRSH || !hasQemu) {
  console.warn('skipping virsh external snapshot delete/revert tests: virsh or qemu-system-x86_64 is absent');
}

const KIB64 = 65536;

/** Write 64 KiB of `byte` at `slot` * 64 KiB into a qcow2 image no qemu has open. */
async function writeSlot(path: string, slot: number, byte: number): Promise<void> {
  await run(['qemu-io', '-f', 'qcow2', '-c', `write -P ${byte} ${slot * KIB64} ${KIB64}`, path]);
}

/** Whether the image (read through its chain, shared with a running qemu) holds `byte` at `slot`. */
async function holds(path: string, slot: number, byte: number): Promise<boolean> {
  const r = await run(
    ['qemu-io', '-U', '-r', '-f', 'qcow2', '-c', `read -P ${byte} ${slot * KIB64} ${KIB64}`, path],
    {
      okExitCodes: [1],
    },
  );
  return r.exitCode === 0 && !r.stdout.includes('Pattern verification failed');
}

/** The backing file of an image, or undefined. */
async function backingOf(path: string): Promise<string | undefined> {
  const r = await run(['qemu-img', 'info', '-U', '--output=json', path]);
  return (JSON.parse(r.stdout) as { 'backing-filename'?: string })['backing-filename'];
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe.skipIf(!VIRSH || !hasQemu)(
  'virsh: deleting and reverting to external snapshots (boot-sector guest, TCG)',
  () => {
    let srv: TestServer;
    let base = '';
    const pids: number[] = [];
    const v = (...args: string[]): Promise<VirshResult> => virsh(srv.unixUri, args, { timeoutMs: 90_000 });
    const overlay = (name: string): string => join(srv.root, `data.${name}`);
    const snap = (name: string): Promise<VirshResult> =>
      v('snapshot-create-as', 'xd', name, '--disk-only', '--diskspec', 'hda,snapshot=no');
    const inactiveXml = async (): Promise<string> => (await v('dumpxml', 'xd', '--inactive')).stdout;

    beforeAll(async () => {
      ({ srv, base } = await startDataDiskGuestServer('xd', '4M'));
      await writeSlot(base, 0, 0x11);
    }, 120_000);
    afterAll(() => stopGuestServer(srv, 'xd', pids), 30_000);

    it('deletes a shut-off snapshot below the top: its overlay merges into the base, the layer above is rebased', async () => {
      expect((await snap('a')).code).toBe(0);
      await writeSlot(overlay('a'), 1, 0x22);
      expect((await snap('b')).code).toBe(0);
      await writeSlot(overlay('b'), 2, 0x33);
      expect(await holds(base, 1, 0x22)).toBe(false);

      expect(await v('snapshot-delete', 'xd', 'a')).toEqual({
        code: 0,
        stdout: 'Domain snapshot a deleted\n\n',
        stderr: '',
      });
      expect(await exists(overlay('a'))).toBe(false);
      expect(await holds(base, 1, 0x22)).toBe(true);
      expect(await backingOf(overlay('b'))).toBe(base);
      expect(await holds(overlay('b'), 0, 0x11)).toBe(true);
      expect(await holds(overlay('b'), 2, 0x33)).toBe(true);
      expect(await inactiveXml()).toMatch(
        new RegExp(
          `<source file='${overlay('b')}'/>\\s*<backingStore type='file'>\\s*<format type='qcow2'/>\\s*<source file='${base}'/>`,
        ),
      );
      expect((await v('snapshot-list', 'xd', '--name')).stdout).toBe('b\n\n');
      // The child's definition names the base now, where it named the merged overlay.
      const b = (await v('snapshot-dumpxml', 'xd', 'b')).stdout;
      expect(b).toContain(`<source file='${base}'/>`);
      expect(b).not.toContain(overlay('a'));
    }, 90_000);

    it('deletes the shut-off current snapshot whose overlay is the disk itself: the disk is on the base again', async () => {
      expect((await v('snapshot-delete', 'xd', 'b')).code).toBe(0);
      expect(await exists(overlay('b'))).toBe(false);
      expect(await holds(base, 2, 0x33)).toBe(true);
      expect((await v('domblklist', 'xd', '--inactive')).stdout).toContain(`vdb      ${base}`);
      expect((await v('snapshot-list', 'xd', '--name')).stdout).toBe('\n');
    }, 60_000);

    it('refuses to delete an external snapshot with --children, and changes nothing', async () => {
      expect((await snap('c')).code).toBe(0);
      const r = await v('snapshot-delete', 'xd', 'c', '--children');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('deletion of external disk snapshots with children not supported');
      expect(await exists(overlay('c'))).toBe(true);
      expect((await v('snapshot-list', 'xd', '--name')).stdout).toBe('c\n\n');
    }, 60_000);

    it('deletes snapshots of the running guest: a commit below the top, then an active commit that pivots', async () => {
      await writeSlot(overlay('c'), 3, 0x44);
      expect((await v('start', 'xd')).code).toBe(0);
      pids.push(readPidFile(srv.root, 'xd'));
      expect((await snap('d')).code).toBe(0);

      expect(await v('snapshot-delete', 'xd', 'c')).toMatchObject({ code: 0, stderr: '' });
      expect(await exists(overlay('c'))).toBe(false);
      expect(await backingOf(overlay('d'))).toBe(base);
      expect((await v('dumpxml', 'xd')).stdout).toMatch(
        new RegExp(
          `<source file='${overlay('d')}' index='\\d+'/>\\s*<backingStore type='file' index='\\d+'>\\s*<format type='qcow2'/>\\s*<source file='${base}'/>`,
        ),
      );

      expect(await v('snapshot-delete', 'xd', 'd')).toMatchObject({ code: 0, stderr: '' });
      expect(await exists(overlay('d'))).toBe(false);
      expect((await v('domblklist', 'xd')).stdout).toContain(`vdb      ${base}`);
      expect((await v('domblklist', 'xd', '--inactive')).stdout).toContain(`vdb      ${base}`);
      expect(await v('domstate', 'xd')).toEqual({ code: 0, stdout: 'running\n\n', stderr: '' });
      expect((await v('snapshot-list', 'xd', '--name')).stdout).toBe('\n');
    }, 120_000);

    it('reverts to a disk-only snapshot: the running guest stops, the disk gets a new overlay over the snapshot’s base', async () => {
      expect((await v('destroy', 'xd')).code).toBe(0);
      // What the running guest's commits merged is in the base (qemu's caches are flushed once it is gone).
      expect(await holds(base, 3, 0x44)).toBe(true);
      expect((await snap('e')).code).toBe(0);
      await writeSlot(overlay('e'), 4, 0x55);
      expect((await v('start', 'xd')).code).toBe(0);
      pids.push(readPidFile(srv.root, 'xd'));

      expect(await v('snapshot-revert', 'xd', 'e')).toEqual({
        code: 0,
        stdout: 'Domain snapshot e reverted\n\n',
        stderr: '',
      });
      expect(await v('domstate', 'xd')).toEqual({ code: 0, stdout: 'shut off\n\n', stderr: '' });
      const source =
        /<source file='([^']+)'\/>\s*<backingStore type='file'>\s*<format type='qcow2'\/>\s*<source file='([^']+)'\/>/.exec(
          await inactiveXml(),
        );
      expect(source?.[2]).toBe(base);
      const fresh = source?.[1] as string;
      expect(fresh).toMatch(new RegExp(`^${srv.root}/data\\.\\d+(-\\d+)?$`));
      expect(await backingOf(fresh)).toBe(base);
      // What was written after the snapshot is gone; what was before it is there.
      expect(await holds(fresh, 4, 0x55)).toBe(false);
      expect(await holds(fresh, 4, 0)).toBe(true);
      expect(await holds(fresh, 3, 0x44)).toBe(true);
      // The current snapshot had no children: its former overlay went, the new one took its place.
      expect(await exists(overlay('e'))).toBe(false);
      expect((await v('snapshot-dumpxml', 'xd', 'e')).stdout).toContain(`<source file='${fresh}'/>`);
      expect((await v('snapshot-current', 'xd', '--name')).stdout).toBe('e\n');

      expect((await v('snapshot-revert', 'xd', 'e', '--running')).code).toBe(0);
      pids.push(readPidFile(srv.root, 'xd'));
      expect(await v('domstate', 'xd')).toEqual({ code: 0, stdout: 'running\n\n', stderr: '' });
      expect(await exists(fresh)).toBe(false);
      // And the snapshot can still be deleted: its overlay is the disk's top layer.
      expect((await v('snapshot-delete', 'xd', 'e')).code).toBe(0);
      expect((await v('domblklist', 'xd')).stdout).toContain(`vdb      ${base}`);
    }, 120_000);
  },
);
