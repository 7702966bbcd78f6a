/**
 * A save and a live internal snapshot cut off by tsvirtd killed with SIGKILL (a real tsvirtd, virsh
 * against it, the Linux guest under TCG with a qcow2 disk and most of its memory filled): the restarted
 * tsvirtd undoes the job from its record in the status file, so the guest runs on where it was, and no
 * save file, temp file, snapshot metadata or internal snapshot in the image is left behind.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../../scripts/guests/paths.js';
import { run } from '../../../src/exec/index.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { listImageSnapshots } from '../../../src/storage/qemu-img-snapshot.js';
import { whyNoDist } from '../../daemon/daemon-harness.js';
import {
  buildLinuxXml,
  buildQcow2VdaXml,
  isAlive,
  readPidFile,
  waitForText,
  waitUntil,
} from '../../driver/helpers.js';
import { COUNTER, lastTick, typeLine, waitForTick } from './counter-guest.js';
import { startRestartableDaemon, type RestartableDaemon } from './restartable-daemon.js';
import { VIRSH, virsh, type VirshResult } from './virsh-harness.js';

const why =
  (!VIRSH ? 'virsh is absent' : undefined) ??
  (findQemuBinary() === undefined ? 'qemu-system-x86_64 is absent' : undefined) ??
  whyNoDist();
if (why) console.warn(`skipping tsvirtd restart mid-job tests: ${why}`);

describe.skipIf(why !== undefined)(
  'a save or snapshot cut off by a tsvirtd restart (Linux guest, TCG)',
  () => {
    let d: RestartableDaemon;
    let serialLog = '';
    let disk = '';
    let pid = 0;
    const v = (...args: string[]): Promise<VirshResult> => virsh(d.unixUri, args, { timeoutMs: 120_000 });
    const statusFile = (): Promise<string> => readFile(join(d.root, 'run', 'qemu', 'jr.xml'), 'utf8');

    /** The guest runs (running/unpaused), the same qemu, and its counter goes on. */
    async function expectRunningOn(): Promise<void> {
      await waitUntil(
        async () => (await v('domstate', '--reason', 'jr')).stdout === 'running (unpaused)\n\n',
        120_000,
        'the guest running again',
      ).catch(async (err: Error) => {
        const state = (await v('domstate', '--reason', 'jr')).stdout.trim();
        const log = (await d.daemon.log()).slice(-3000);
        throw new Error(`${err.message} (it is ${state}); tsvirtd says:\n${log}`);
      });
      expect(readPidFile(d.root, 'jr')).toBe(pid);
      const held = await lastTick(serialLog);
      await waitForTick(serialLog, held + 5, 60_000, 'the count going on');
      expect((await v('domjobinfo', 'jr')).stdout).toMatch(/Job type:\s+None/);
      expect(await statusFile()).not.toContain('<pendingjob');
    }

    /** Wait until the domain has a job that has started (what domjobinfo reports as not None). */
    async function waitForJob(): Promise<void> {
      const dom = await d.conn.lookupDomainByName('jr');
      await waitUntil(async () => (await d.conn.domainGetJobInfo(dom)).type !== 0, 60_000, 'the job');
    }

    beforeAll(async () => {
      const guests = await ensureGuests();
      d = await startRestartableDaemon();
      serialLog = join(d.root, 'log', 'qemu', 'jr.serial.log');
      disk = join(d.root, 'jr.qcow2');
      await run(['qemu-img', 'create', '-q', '-f', 'qcow2', disk, '64M']);
      const devices = buildQcow2VdaXml(disk);
      const xml = join(d.root, 'jr.xml');
      const domainXml = buildLinuxXml('jr', guests, { append: 'tsvirt.shell=1', devices }).replace(
        "<memory unit='MiB'>256</memory>",
        "<memory unit='MiB'>512</memory>",
      );
      await writeFile(xml, domainXml);
      expect((await v('define', xml)).code).toBe(0);
      expect((await v('start', 'jr')).code).toBe(0);
      pid = readPidFile(d.root, 'jr');
      await waitForText(serialLog, '/ # ', 90_000);
      // 320 MiB of random bytes: a snapshot-save has that much to write, and is still at it when tsvirtd dies.
      await typeLine(
        d.conn,
        'jr',
        serialLog,
        'head -c 335544320 /dev/urandom > /big; echo filled-$((40+2))\n',
      );
      await waitForText(serialLog, 'filled-42', 300_000);
      await typeLine(d.conn, 'jr', serialLog, COUNTER);
      await waitForTick(serialLog, 5, 60_000, 'tick 5');
    }, 420_000);

    afterAll(async () => {
      if (!d) return;
      if (process.env['TSVIRT_RESTART_LOGS']) console.log((await d.daemon.log()).slice(-6000));
      await v('destroy', 'jr').catch(() => undefined);
      expect(await d.close()).toEqual([]);
      expect(isAlive(pid)).toBe(false);
    }, 60_000);

    it('undoes a save cut off by a restart: the guest runs on, and neither the file nor a temp file is left', async () => {
      // 4 MiB/s: the save takes well over a minute, so tsvirtd dies in the middle of it.
      expect((await v('migrate-setspeed', 'jr', '4')).code).toBe(0);
      const target = join(d.root, 'cut.save');
      const saving = v('save', 'jr', target);
      await waitUntil(
        async () => /Data processed:\s+[1-9]/.test((await v('domjobinfo', 'jr')).stdout),
        60_000,
        'the save to report progress',
      );
      expect((await v('domstate', '--reason', 'jr')).stdout).toBe('paused (saving)\n\n');
      expect(await statusFile()).toContain(`<pendingjob kind='save' target='${target}' committed='no'/>`);
      await d.restart();
      expect((await saving).code).toBe(1);
      await expectRunningOn();
      expect((await readdir(d.root)).filter((n) => n.includes('cut.save'))).toEqual([]);
      expect(await d.daemon.log()).toContain(
        `domain 'jr': its save to ${target} was cut off by a tsvirtd restart; undone`,
      );
      expect((await v('migrate-setspeed', 'jr', '0')).code).toBe(0);
    }, 300_000);

    it('undoes a live internal snapshot cut off by a restart: no metadata, no snapshot in the image, the guest runs on', async () => {
      const taking = v('snapshot-create-as', 'jr', 'cut');
      await waitForJob();
      await d.restart();
      expect((await taking).code).toBe(1);
      await expectRunningOn();
      expect(await v('snapshot-list', 'jr', '--name')).toEqual({ code: 0, stdout: '\n', stderr: '' });
      expect(await listImageSnapshots(disk)).toEqual([]);
      // The tag is free again: a snapshot of the same name is taken and listed both ways.
      expect((await v('snapshot-create-as', 'jr', 'cut')).code).toBe(0);
      expect((await v('snapshot-list', 'jr', '--name')).stdout).toBe('cut\n\n');
      expect(await listImageSnapshots(disk)).toEqual(['cut']);
    }, 600_000);
  },
);
