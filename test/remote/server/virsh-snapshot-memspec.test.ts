/**
 * Real virsh against the server: an external snapshot with its memory in a file (snapshot-create-as
 * --memspec file=PATH) of the running boot-sector guest (TCG) with a qcow2 data disk: the memory goes
 * to a save image, the disk to a new overlay at the same instant, and the guest runs on; then what a
 * revert does not cover is refused by name, and a delete removes the memory file with the overlay.
 */
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { readPidFile } from '../../driver/helpers.js';
import type { TestServer } from './server-fixture.js';
import { startDataDiskGuestServer, stopGuestServer } from './guest-server.js';
import { VIRSH, virsh, type VirshResult } from './virsh-harness.js';

const hasQemu = findQemuBinary() !== undefined;
if (!VIRSH || !hasQemu) console.warn('skipping virsh --memspec tests: virsh or qemu-system-x86_64 is absent');

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe.skipIf(!VIRSH || !hasQemu)('virsh snapshot-create-as --memspec (boot-sector guest, TCG)', () => {
  let srv: TestServer;
  let base = '';
  let memory = '';
  const pids: number[] = [];
  const v = (...args: string[]): Promise<VirshResult> => virsh(srv.unixUri, args, { timeoutMs: 90_000 });

  beforeAll(async () => {
    ({ srv, base } = await startDataDiskGuestServer('ms', '4M'));
    memory = join(srv.root, 'ms.mem');
  }, 120_000);
  afterAll(() => stopGuestServer(srv, 'ms', pids), 30_000);

  it('refuses a memory snapshot of a shut-off guest', async () => {
    const r = await v('snapshot-create-as', 'ms', 'off', '--memspec', `file=${memory}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('memory state cannot be saved with offline or disk-only snapshot');
    expect(await exists(memory)).toBe(false);
    const diskOnly = await v('snapshot-create-as', 'ms', 'off', '--disk-only', '--memspec', `file=${memory}`);
    expect(diskOnly.code).toBe(1);
    expect(diskOnly.stderr).toContain('memory state cannot be saved with offline or disk-only snapshot');
    expect(await exists(join(srv.root, 'data.off'))).toBe(false);
  }, 60_000);

  it('saves the memory to the file and puts the disk on an overlay, and the guest runs on', async () => {
    expect((await v('start', 'ms')).code).toBe(0);
    pids.push(readPidFile(srv.root, 'ms'));
    const r = await v(
      'snapshot-create-as',
      'ms',
      'm1',
      '--memspec',
      `file=${memory},snapshot=external`,
      '--diskspec',
      'hda,snapshot=no',
    );
    expect(r).toEqual({ code: 0, stdout: 'Domain snapshot m1 created\n', stderr: '' });
    expect(await v('domstate', 'ms')).toEqual({ code: 0, stdout: 'running\n\n', stderr: '' });
    const overlay = join(srv.root, 'data.m1');
    expect((await v('domblklist', 'ms')).stdout).toContain(`vdb      ${overlay}`);
    // The memory file is a save image: its header carries the domain as it was.
    const st = await stat(memory);
    expect(st.mode & 0o777).toBe(0o600);
    // The guest's 64 MiB are mostly zero pages, which the stream carries as flags only.
    expect(st.size).toBeGreaterThan(256 * 1024);
    const header = await v('save-image-dumpxml', memory);
    expect(header.code).toBe(0);
    expect(header.stdout).toContain('<name>ms</name>');
    expect(header.stdout).toContain(`<source file='${base}'`);

    const xml = (await v('snapshot-dumpxml', 'ms', 'm1')).stdout;
    expect(xml).toContain('<state>running</state>');
    expect(xml).toContain(`<memory snapshot='external' file='${memory}'/>`);
    expect(xml).toContain(`<disk name='vdb' snapshot='external' type='file'>`);
    expect(xml).toContain("<disk name='hda' snapshot='no'/>");
    expect((await v('snapshot-list', 'ms', '--external', '--name')).stdout).toBe('m1\n\n');
  }, 90_000);

  it('refuses a memory file that exists already, and changes nothing', async () => {
    const r = await v(
      'snapshot-create-as',
      'ms',
      'm2',
      '--memspec',
      `file=${memory}`,
      '--diskspec',
      'hda,snapshot=no',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`external memory snapshot file ${memory} already exists`);
    expect(await exists(join(srv.root, 'data.m2'))).toBe(false);
    expect((await v('snapshot-list', 'ms', '--name')).stdout).toBe('m1\n\n');
  }, 60_000);

  it('refuses a revert to it by name, and its deletion removes the memory file and merges the overlay', async () => {
    const r = await v('snapshot-revert', 'ms', 'm1');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("revert to snapshot 'm1' with external memory state is not supported");
    expect(await v('domstate', 'ms')).toEqual({ code: 0, stdout: 'running\n\n', stderr: '' });

    expect((await v('snapshot-delete', 'ms', 'm1')).code).toBe(0);
    expect(await exists(memory)).toBe(false);
    expect(await exists(join(srv.root, 'data.m1'))).toBe(false);
    expect((await v('domblklist', 'ms')).stdout).toContain(`vdb      ${base}`);
  }, 90_000);
});
