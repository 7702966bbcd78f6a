/**
 * Faults during snapshots of the Linux guest (TCG), through the real virsh and the server: a disk that
 * fills up while qemu writes the guest's memory into it (a small tmpfs), and a qemu killed with SIGKILL
 * while its snapshot-save job runs. Each leaves no snapshot metadata and no snapshot in the image, and
 * the guest running as it was, or shut off (crashed) and able to start again.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/exec/index.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { listImageSnapshots } from '../../../src/storage/qemu-img-snapshot.js';
import { readPidFile, waitForText, waitUntil } from '../../driver/helpers.js';
import type { TestServer } from './server-fixture.js';
import { startShellGuestServer, stopGuestServer } from './guest-server.js';
import { VIRSH, virsh, type VirshResult } from './virsh-harness.js';
import { typeLine as typeInto } from './counter-guest.js';
import { mountSmallTmpfs, unmountSmallTmpfs, whyNoTmpfs } from '../../fs/small-tmpfs.js';

const hasQemu = findQemuBinary() !== undefined;
const why = VIRSH && hasQemu ? await whyNoTmpfs() : 'virsh or qemu-system-x86_64 is absent';
if (why) console.warn(`skipping virsh snapshot fault tests: ${why}`);

describe.skipIf(why !== undefined)('virsh snapshot faults (Linux guest, TCG, qcow2 disk)', () => {
  let srv: TestServer;
  let serialLog = '';
  /** A 24 MiB tmpfs for the guest's disk: room for the image, not for 48 MiB of guest memory. */
  let small = '';
  let disk = '';
  const pids: number[] = [];
  const v = (...args: string[]): Promise<VirshResult> => virsh(srv.unixUri, args, { timeoutMs: 120_000 });

  beforeAll(async () => {
    small = await mountSmallTmpfs('tsvirt-snapfull', '24m');
    disk = join(small, 'sf.qcow2');
    ({ srv, serialLog } = await startShellGuestServer('sf', { pids, qcow2Size: '64M', diskPath: disk }));
  }, 150_000);

  afterAll(async () => {
    await stopGuestServer(srv, 'sf', pids);
    await unmountSmallTmpfs(small);
  }, 30_000);

  /** Type a line into the guest's shell and wait for its echo. */
  const typeLine = (line: string): Promise<void> => typeInto(srv.conn, 'sf', serialLog, line);

  /** What a failed snapshot must leave: no metadata, no snapshot in the image. */
  async function expectNoSnapshot(): Promise<void> {
    expect((await v('snapshot-list', 'sf', '--name')).stdout).toBe('\n');
    expect(await listImageSnapshots(disk)).toEqual([]);
  }

  it('a disk that fills up during a live snapshot fails it cleanly, and the guest runs on', async () => {
    const count = (await readFile(serialLog, 'latin1')).split('filled-').length;
    await typeLine('head -c 50331648 /dev/urandom > /big; echo filled-$((40+2))\n');
    await waitForText(serialLog, 'filled-42', 120_000, count);
    const r = await v('snapshot-create-as', 'sf', 'full');
    expect(r.code).toBe(1);
    // qemu reports the full disk as an I/O error of its VM state write.
    expect(r.stderr).toContain("qemu's snapshot-save of 'full' failed: Error while writing VM state");
    await expectNoSnapshot();
    expect((await v('domstate', 'sf')).stdout).toBe('running\n\n');
    // The guest still answers.
    await typeLine('echo alive-$((40+4))\n');
    await waitForText(serialLog, 'alive-44', 20_000);
  }, 180_000);

  it('a qemu killed during snapshot-save leaves no snapshot, shut off (crashed), and it starts again', async () => {
    // Less memory to write, so that the disk has room and the snapshot runs until it is killed.
    await typeLine('rm /big; head -c 16777216 /dev/urandom > /big; echo refilled-$((40+5))\n');
    await waitForText(serialLog, 'refilled-45', 120_000);
    const dom = await srv.conn.lookupDomainByName('sf');
    const pid = readPidFile(srv.root, 'sf');
    const taking = v('snapshot-create-as', 'sf', 'killed');
    await waitUntil(
      async () => (await srv.conn.domainGetJobInfo(dom)).type !== 0,
      20_000,
      'the snapshot job',
    );
    process.kill(pid, 'SIGKILL');
    expect((await taking).code).toBe(1);
    await waitUntil(async () => (await v('domstate', 'sf')).stdout === 'shut off\n\n', 10_000, 'shut off');
    expect((await v('domstate', '--reason', 'sf')).stdout).toBe('shut off (crashed)\n\n');
    await expectNoSnapshot();
    // The image is consistent: no corruption (exit 2); clusters a killed write leaked (exit 3) are harmless.
    const check = await run(['qemu-img', 'check', '-q', disk]).then(
      () => 0,
      (err: { exitCode?: number }) => err.exitCode ?? -1,
    );
    expect([0, 3]).toContain(check);
    expect((await v('start', 'sf')).code).toBe(0);
    pids.push(readPidFile(srv.root, 'sf'));
    expect((await v('domstate', 'sf')).stdout).toBe('running\n\n');
  }, 180_000);
});
