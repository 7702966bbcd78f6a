/**
 * Migrations that fail part-way between two tsvirtd hosts (see virsh-migrate.test.ts for the set-up):
 * a disk the destination cannot find, the destination's or the source's tsvirtd killed with SIGKILL, the
 * link between the hosts cut, the client killed. Each time the guest runs on at the source and the destination is left with nothing.
 */
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { waitUntil } from '../../driver/helpers.js';
import { whyNoDist } from '../../daemon/daemon-harness.js';
import { probeNetnsProblem } from '../../network/netns.js';
import { lastTick, waitForTick } from './counter-guest.js';
import { closeMigrationPair, findQemuUnder, startMigrationGuest } from './migration-guest.js';
import { startMigrationPair, type MigrationHost, type MigrationPair } from './migration-hosts.js';
import { VIRSH } from './virsh-harness.js';

const why =
  (!VIRSH ? 'virsh is absent' : undefined) ??
  (findQemuBinary() === undefined ? 'qemu-system-x86_64 is absent' : undefined) ??
  whyNoDist() ??
  (await probeNetnsProblem());
if (why) console.warn(`skipping virsh migrate fault tests: ${why}`);

describe.skipIf(why !== undefined)('virsh migrate that fails part-way (Linux guest, TCG)', () => {
  let pair: MigrationPair;
  let disk: string;
  const serialOf = (h: MigrationHost): string => join(h.root, 'log', 'qemu', 'mf.serial.log');
  const virshOn = (h: MigrationHost, ...args: string[]) => pair.exec(h, ['virsh', '-c', h.tcpUri, ...args]);

  /** The guest runs at the source and counts on; the destination has no domain and no qemu. */
  async function expectRunningAtSourceOnly(): Promise<void> {
    expect((await virshOn(pair.src, 'domstate', 'mf')).stdout).toBe('running\n\n');
    const held = await lastTick(serialOf(pair.src));
    await waitForTick(serialOf(pair.src), held + 5, 60_000, 'the count going on at the source');
    await waitUntil(
      async () => (await findQemuUnder(pair.dst.root)).length === 0,
      30_000,
      'no qemu at the destination',
    );
    const there = await virshOn(pair.dst, 'domstate', 'mf');
    expect(there.code).toBe(1);
    expect(there.stderr).toContain("failed to get domain 'mf'");
  }

  /** Starts a slow migration (1 MiB/s); resolves, once qemu reports data sent, with its virsh's outcome. */
  async function startSlowMigration(): Promise<{ done: Promise<{ code: number; stderr: string }> }> {
    const migrating = virshOn(pair.src, 'migrate', '--live', '--bandwidth', '1', 'mf', pair.dst.tcpUri);
    await waitUntil(
      async () => /Data processed:\s+[1-9]/.test((await virshOn(pair.src, 'domjobinfo', 'mf')).stdout),
      30_000,
      'the migration to report progress',
    );
    return { done: migrating };
  }

  beforeAll(async () => {
    pair = await startMigrationPair();
    disk = await startMigrationGuest(pair, 'mf', { diskImage: Buffer.alloc(1024 * 1024), transient: true });
  }, 180_000);

  afterAll(() => closeMigrationPair(pair, 'mf'), 60_000);

  it('refuses at Prepare a disk the destination cannot reach, before any state is sent', async () => {
    // The source qemu keeps its open file; the path is gone for everyone else.
    await rename(disk, `${disk}.away`);
    try {
      const r = await virshOn(pair.src, 'migrate', '--live', 'mf', pair.dst.tcpUri);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(disk);
      expect((await virshOn(pair.src, 'domjobinfo', '--completed', 'mf')).stdout).not.toMatch(
        /Data processed:\s+[1-9]/,
      );
    } finally {
      await rename(`${disk}.away`, disk);
    }
    await expectRunningAtSourceOnly();
  }, 120_000);

  it('survives the destination tsvirtd killed mid-way: after its restart the destination has nothing', async () => {
    const migrating = await startSlowMigration();
    await pair.restart(pair.dst);
    const r = await migrating.done;
    expect(r.code).toBe(1);
    await expectRunningAtSourceOnly();
  }, 180_000);

  it('survives the link cut mid-way: domjobabort at the source, and the destination drops its qemu', async () => {
    const migrating = await startSlowMigration();
    await pair.setLink(pair.dst, false);
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await virshOn(pair.src, 'domjobabort', 'mf')).code).toBe(0);
    const r = await migrating.done;
    expect(r.code).toBe(1);
    await pair.setLink(pair.dst, true);
    await expectRunningAtSourceOnly();
  }, 180_000);

  it('survives the client killed mid-way: the source cancels the migration, the destination drops its qemu', async () => {
    const pidFile = join(pair.shared, 'virsh.pid');
    const migrating = pair.exec(pair.src, [
      'sh',
      '-c',
      `echo $$ > ${pidFile}; exec virsh -c ${pair.src.tcpUri} migrate --live --bandwidth 1 mf ${pair.dst.tcpUri}`,
    ]);
    await waitUntil(
      async () => /Data processed:\s+[1-9]/.test((await virshOn(pair.src, 'domjobinfo', 'mf')).stdout),
      30_000,
      'the migration to report progress',
    );
    process.kill(Number(await readFile(pidFile, 'utf8')), 'SIGKILL');
    const outcome = await migrating.then(
      () => 'exited',
      (e: Error) => e.message,
    );
    expect(outcome).toContain('killed by SIGKILL');
    await waitUntil(
      async () => (await virshOn(pair.src, 'domstate', 'mf')).stdout === 'running\n\n',
      30_000,
      'the guest running again at the source',
    );
    // The guest runs again before the cancelled job has ended and been recorded: wait for the record.
    await waitUntil(
      async () =>
        /Job type:\s+Cancelled/.test((await virshOn(pair.src, 'domjobinfo', '--completed', 'mf')).stdout),
      10_000,
      'the cancelled migration job recorded at the source',
    );
    await expectRunningAtSourceOnly();
  }, 120_000);

  it('survives the source tsvirtd killed mid-way: after its restart the guest paused for the migration runs on there, the destination has nothing', async () => {
    // Without --live the migration pauses the guest first: only the restarted source can let it run again.
    const migrating = virshOn(pair.src, 'migrate', '--bandwidth', '1', 'mf', pair.dst.tcpUri);
    await waitUntil(
      async () => /Data processed:\s+[1-9]/.test((await virshOn(pair.src, 'domjobinfo', 'mf')).stdout),
      60_000,
      'the migration to report progress',
    );
    expect((await virshOn(pair.src, 'domstate', '--reason', 'mf')).stdout).toBe('paused (migrating)\n\n');
    await pair.restart(pair.src);
    expect((await migrating).code).toBe(1);
    await waitUntil(
      async () =>
        (await virshOn(pair.src, 'domstate', '--reason', 'mf')).stdout === 'running (migration canceled)\n\n',
      60_000,
      'the guest running again at the restarted source',
    );
    await expectRunningAtSourceOnly();
  }, 180_000);

  it('survives the source tsvirtd killed mid-way through a --p2p --tunnelled migration it drove', async () => {
    const migrating = virshOn(
      pair.src,
      'migrate',
      '--live',
      '--p2p',
      '--tunnelled',
      '--bandwidth',
      '1',
      'mf',
      pair.dst.tcpUri,
    );
    await waitUntil(
      async () => /Data processed:\s+[1-9]/.test((await virshOn(pair.src, 'domjobinfo', 'mf')).stdout),
      60_000,
      'the tunnelled migration to report progress',
    );
    await pair.restart(pair.src);
    expect((await migrating).code).toBe(1);
    await expectRunningAtSourceOnly();
    // Nothing of the migration is left to cancel: the restarted source reports no job.
    expect((await virshOn(pair.src, 'domjobinfo', 'mf')).stdout).toMatch(/Job type:\s+None/);
  }, 180_000);
});
