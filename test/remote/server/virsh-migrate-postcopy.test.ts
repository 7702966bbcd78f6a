/**
 * Real virsh drives a post-copy migration between two tsvirtd hosts (see virsh-migrate.test.ts for the
 * two-namespace set-up): `migrate --postcopy` under a memory writer too busy to converge at the given
 * speed, switched over with `migrate-postcopy`. The destination's qemu needs a userfaultfd, which qemu
 * 7.2 gets only as a user with CAP_SYS_PTRACE while vm.unprivileged_userfaultfd is 0; so both daemons
 * here run qemu as root with its capabilities.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { waitUntil } from '../../driver/helpers.js';
import { whyNoDist } from '../../daemon/daemon-harness.js';
import { probeNetnsProblem } from '../../network/netns.js';
import { readTicks, typeLine } from './counter-guest.js';
import { closeMigrationPair, findQemuUnder, startMigrationGuest, WRITER } from './migration-guest.js';
import { startMigrationPair, type MigrationHost, type MigrationPair } from './migration-hosts.js';
import { VIRSH } from './virsh-harness.js';

const why =
  (!VIRSH ? 'virsh is absent' : undefined) ??
  (findQemuBinary() === undefined ? 'qemu-system-x86_64 is absent' : undefined) ??
  (process.getuid?.() !== 0 ? 'qemu as root needs the tests to run as root' : undefined) ??
  whyNoDist() ??
  (await probeNetnsProblem());
if (why) console.warn(`skipping virsh migrate --postcopy tests: ${why}`);

const ROOT_QEMU = 'user = "root"\ngroup = "root"\nclear_emulator_capabilities = 0\n';

describe.skipIf(why !== undefined)(
  'virsh migrate --postcopy between two tsvirtd hosts (Linux guest, TCG)',
  () => {
    let pair: MigrationPair;
    const serialOf = (h: MigrationHost): string => join(h.root, 'log', 'qemu', 'pc.serial.log');
    const virshOn = (h: MigrationHost, ...args: string[]) => pair.exec(h, ['virsh', '-c', h.tcpUri, ...args]);
    const typeInto = (h: MigrationHost, text: string): Promise<void> =>
      typeLine(h.conn, 'pc', serialOf(h), text);

    beforeAll(async () => {
      pair = await startMigrationPair({ qemuConf: ROOT_QEMU });
      await startMigrationGuest(pair, 'pc', { alsoType: WRITER });
      await waitUntil(
        async () => /writer-up\r?\n/.test(await readFile(serialOf(pair.src), 'latin1')),
        60_000,
        'the memory writer',
      );
    }, 180_000);

    afterAll(() => closeMigrationPair(pair, 'pc'), 60_000);

    it('switches to post-copy on migrate-postcopy and completes where pre-copy alone would not', async () => {
      const migrating = virshOn(
        pair.src,
        'migrate',
        '--live',
        '--postcopy',
        '--bandwidth',
        '4',
        'pc',
        pair.dst.tcpUri,
      );
      // The first pass is under way: at 4 MiB/s the writer's 16 MiB rewritten each pass never converges.
      await waitUntil(
        async () => /Data processed:\s+[1-9]/.test((await virshOn(pair.src, 'domjobinfo', 'pc')).stdout),
        30_000,
        'the migration job to report progress',
      );
      await new Promise((r) => setTimeout(r, 2_000));
      const switched = await virshOn(pair.src, 'migrate-postcopy', 'pc');
      expect(switched).toMatchObject({ code: 0, stderr: '' });
      const r = await migrating;
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect((await virshOn(pair.dst, 'domstate', '--reason', 'pc')).stdout).toBe('running (migrated)\n\n');
      expect((await virshOn(pair.src, 'domstate', '--reason', 'pc')).stdout).toBe('shut off (migrated)\n\n');
      expect(await findQemuUnder(pair.src.root)).toEqual([]);
      await waitUntil(
        async () => (await readTicks(serialOf(pair.dst))).length >= 10,
        30_000,
        'ten ticks at the destination',
      );
      const ticks = await readTicks(serialOf(pair.dst));
      expect(ticks[0]).toBeGreaterThan(5);
      await typeInto(pair.dst, 'touch /stop\n');
    }, 240_000);
  },
);
