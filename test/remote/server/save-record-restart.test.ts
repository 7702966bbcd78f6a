/**
 * A save that tsvirtd had finished writing when it was killed (SIGKILL) before stopping qemu: the
 * status file says the image is complete, and the restarted tsvirtd finishes the save (qemu stopped,
 * shut off as saved) instead of letting a guest run whose saved image a restore would start a second
 * time. The record is put into the status file while tsvirtd is down, standing for the instant between
 * the image's rename and qemu's stop (a real tsvirtd, virsh, the boot-sector guest under TCG).
 */
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../../scripts/guests/paths.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { whyNoDist } from '../../daemon/daemon-harness.js';
import { buildBootSectorXml, isAlive, readPidFile, waitUntil } from '../../driver/helpers.js';
import { startRestartableDaemon, type RestartableDaemon } from './restartable-daemon.js';
import { VIRSH, virsh, type VirshResult } from './virsh-harness.js';

const why =
  (!VIRSH ? 'virsh is absent' : undefined) ??
  (findQemuBinary() === undefined ? 'qemu-system-x86_64 is absent' : undefined) ??
  whyNoDist();
if (why) console.warn(`skipping a complete save across a tsvirtd restart: ${why}`);

describe.skipIf(why !== undefined)(
  'a complete save across a tsvirtd restart (boot-sector guest, TCG)',
  () => {
    let d: RestartableDaemon;
    let pid = 0;
    const v = (...args: string[]): Promise<VirshResult> => virsh(d.unixUri, args, { timeoutMs: 60_000 });

    beforeAll(async () => {
      const guests = await ensureGuests();
      d = await startRestartableDaemon();
      const image = join(d.root, 'sr.img');
      await copyFile(guests.bootSectorImage, image);
      const xml = join(d.root, 'sr.xml');
      await writeFile(xml, buildBootSectorXml('sr', image));
      expect((await v('define', xml)).code).toBe(0);
      expect((await v('start', 'sr')).code).toBe(0);
      pid = readPidFile(d.root, 'sr');
    }, 120_000);

    afterAll(async () => {
      if (!d) return;
      await v('destroy', 'sr').catch(() => undefined);
      expect(await d.close()).toEqual([]);
      expect(isAlive(pid)).toBe(false);
    }, 60_000);

    it('stops qemu as saved when the image was complete, and removes a temp file left beside it', async () => {
      const target = join(d.root, 'done.save');
      const status = join(d.root, 'run', 'qemu', 'sr.xml');
      await d.restart(async () => {
        await writeFile(target, 'complete image stand-in');
        await writeFile(join(d.root, '.done.save.4242.1.tmp'), 'half');
        const text = await readFile(status, 'utf8');
        const record = `  <pendingjob kind='save' target='${target}' committed='yes'/>\n`;
        await writeFile(status, text.replace('<domain ', `${record}<domain `));
      });
      await waitUntil(() => !isAlive(pid), 30_000, 'qemu to stop');
      expect(await v('domstate', '--reason', 'sr')).toEqual({
        code: 0,
        stdout: 'shut off (saved)\n\n',
        stderr: '',
      });
      expect((await readdir(d.root)).filter((n) => n.includes('done.save'))).toEqual(['done.save']);
      expect(await d.daemon.log()).toContain(
        `domain 'sr': its save to ${target} was complete; stopping qemu as saved`,
      );
    }, 120_000);
  },
);
