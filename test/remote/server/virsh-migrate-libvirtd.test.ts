/**
 * Live migration between the real libvirtd 9.0 and tsvirtd, both ways, driven by real virsh: one
 * network namespace runs a confined libvirtd (its own mount and UTS namespace, host UUID and config),
 * the other tsvirtd; the guest's files sit in a folder both see. The Linux guest (TCG) prints a counter
 * each tenth of a second; the counter going on at each destination, with no boot there, shows the
 * guest moved live. libvirtd's console is read through libvirt-python inside its namespace.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests, LINUX_READY_MARKER } from '../../../scripts/guests/paths.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { buildLinuxXml, waitUntil } from '../../driver/helpers.js';
import { whyNoDist } from '../../daemon/daemon-harness.js';
import { probeNetnsProblem } from '../../network/netns.js';
import { consoleArgv } from '../../../bench/libvirtd/console.js';
import { COUNTER, readTicks, waitForTick } from './counter-guest.js';
import { findQemuUnder } from './migration-guest.js';
import {
  startLibvirtdTsvirtdPair,
  whyNoLibvirtd,
  type LibvirtdTsvirtdPair,
} from './libvirtd-migration-pair.js';
import { hasLibvirtPython } from './python-harness.js';
import { VIRSH } from './virsh-harness.js';

const why =
  (!VIRSH ? 'virsh is absent' : undefined) ??
  (findQemuBinary() === undefined ? 'qemu-system-x86_64 is absent' : undefined) ??
  whyNoLibvirtd() ??
  ((await hasLibvirtPython()) ? undefined : 'python3-libvirt is absent (it reads libvirtd’s console)') ??
  whyNoDist() ??
  (await probeNetnsProblem());
if (why) console.warn(`skipping libvirtd <-> tsvirtd migration tests: ${why}`);

/** The tick numbers in console text. */
function ticksIn(text: string): number[] {
  return [...text.matchAll(/tick-(\d+)\r?\n/g)].map((m) => Number(m[1]));
}

describe.skipIf(why !== undefined)(
  'virsh migrate between libvirtd 9.0 and tsvirtd (Linux guest, TCG)',
  () => {
    let pair: LibvirtdTsvirtdPair;
    let guests: { linuxKernel: string; linuxInitrd: string };
    const tsSerial = (name = 'mg'): string => join(pair.ts.root, 'log', 'qemu', `${name}.serial.log`);
    const virshLv = (...args: string[]) => pair.exec(pair.lv, ['virsh', '-c', pair.lv.tcpUri, ...args]);
    const virshTs = (...args: string[]) => pair.exec(pair.ts, ['virsh', '-c', pair.ts.tcpUri, ...args]);
    /** What guest `name` prints on libvirtd's console during `seconds` (after typing `input`). */
    const lvConsole = async (input: string, seconds: number, name = 'mg'): Promise<string> => {
      const r = await pair.exec(pair.lv, consoleArgv(pair.lv.tcpUri, name, input, seconds));
      expect(r.stderr).toBe('');
      return r.stdout;
    };
    /** The last tick libvirtd's console shows, waiting until it is at least `atLeast`. */
    const lvTicksReach = async (atLeast: number, name = 'mg'): Promise<number[]> => {
      let seen: number[] = [];
      await waitUntil(
        async () => {
          seen = ticksIn(await lvConsole('', 2, name));
          return (seen.at(-1) ?? -1) >= atLeast;
        },
        90_000,
        `tick ${atLeast} on libvirtd's console`,
      );
      return seen;
    };
    /** The last tick tsvirtd's serial log shows, waiting until it is at least `atLeast`. */
    const tsTicksReach = async (atLeast: number, name = 'mg'): Promise<number[]> => {
      await waitForTick(tsSerial(name), atLeast, 90_000, `tick ${atLeast} at tsvirtd`);
      return readTicks(tsSerial(name));
    };

    beforeAll(async () => {
      const cached = await ensureGuests();
      pair = await startLibvirtdTsvirtdPair();
      // The kernel and initrd are copied into the shared folder: libvirtd relabels what its guests open.
      guests = {
        linuxKernel: join(pair.shared, 'vmlinuz'),
        linuxInitrd: join(pair.shared, 'initrd.gz'),
      };
      await copyFile(cached.linuxKernel, guests.linuxKernel);
      await copyFile(cached.linuxInitrd, guests.linuxInitrd);
      const disk = join(pair.shared, 'mg.img');
      await writeFile(disk, Buffer.alloc(1024 * 1024));
      const devices = `\n    <disk type='file' device='disk'><driver name='qemu' type='raw' cache='none'/><source file='${disk}'/><target dev='hda' bus='ide'/></disk>`;
      const xml = join(pair.shared, 'mg.xml');
      await writeFile(xml, buildLinuxXml('mg', guests, { append: 'tsvirt.shell=1', devices }));
      expect(await virshLv('define', xml)).toMatchObject({ code: 0 });
      expect(await virshLv('start', 'mg')).toMatchObject({ code: 0, stderr: '' });
      // The shell prompt, then the counter typed into it.
      await waitUntil(async () => (await lvConsole('\n', 2)).includes('/ # '), 120_000, 'the guest shell');
      await lvConsole(COUNTER, 1);
      await lvTicksReach(5);
    }, 240_000);

    afterAll(async () => {
      if (!pair) return;
      if (process.env['TSVIRT_MIGRATE_LOGS']) {
        console.log('libvirtd', (await pair.lv.log()).slice(-6000));
        console.log('tsvirtd', (await pair.ts.daemon.log()).slice(-6000));
      }
      await virshLv('destroy', 'mg').catch(() => undefined);
      await virshTs('destroy', 'mg').catch(() => undefined);
      expect(await pair.close()).toEqual([]);
    }, 60_000);

    /**
     * --unsafe: libvirt 9.0 refuses a live migration whose disk is on storage it does not know as shared
     * (the folder here is a local one both namespaces see), whatever the cache mode.
     */
    for (const mode of [[], ['--p2p']] as const) {
      const how = mode.length === 0 ? 'managed by virsh' : 'peer to peer';
      it(`libvirtd -> tsvirtd -> libvirtd (${how}): the counter goes on at each destination, nothing runs at the source`, async () => {
        const before = (await lvTicksReach(0)).at(-1) as number;
        // --persistent: libvirtd sends the definition to keep in its Perform cookie, tsvirtd defines it.
        const out = await virshLv(
          'migrate',
          '--live',
          '--unsafe',
          '--persistent',
          ...mode,
          'mg',
          pair.ts.tcpUri,
        );
        expect(out).toMatchObject({ code: 0, stderr: '' });
        expect((await virshTs('domstate', '--reason', 'mg')).stdout).toBe('running (migrated)\n\n');
        expect((await virshTs('dominfo', 'mg')).stdout).toMatch(/Persistent:\s+yes/);
        expect((await virshLv('domstate', 'mg')).stdout).toBe('shut off\n\n');
        const atTs = await tsTicksReach(before + 10);
        // No boot at tsvirtd: its console starts mid-count, where libvirtd's guest was.
        const tsLog = await readFile(tsSerial(), 'latin1');
        expect(tsLog.includes(LINUX_READY_MARKER)).toBe(false);
        const firstAtTs = atTs.find((t) => t > before) as number;
        expect(firstAtTs).toBeLessThanOrEqual(before + 60);

        const lastAtTs = atTs.at(-1) as number;
        const back = await virshTs(
          'migrate',
          '--live',
          '--unsafe',
          '--persistent',
          '--undefinesource',
          ...mode,
          'mg',
          pair.lv.tcpUri,
        );
        expect(back).toMatchObject({ code: 0, stderr: '' });
        expect((await virshLv('domstate', '--reason', 'mg')).stdout).toBe('running (migrated)\n\n');
        // --undefinesource: nothing of it is left at tsvirtd.
        expect((await virshTs('list', '--all', '--name')).stdout.trim()).toBe('');
        expect(await findQemuUnder(pair.ts.root)).toEqual([]);
        const atLv = await lvTicksReach(lastAtTs + 10);
        expect(atLv.at(-1)).toBeGreaterThan(lastAtTs);
      }, 240_000);
    }

    it('--copy-storage-all both ways: each side has its own disk at the same path, the copy arrives, the guest counts on', async () => {
      // disks/ is one folder for tsvirtd and another (lv-disks/) for libvirtd and its qemus.
      const disks = join(pair.shared, 'disks');
      const lvDisks = join(pair.shared, 'lv-disks');
      await mkdir(disks);
      await mkdir(lvDisks);
      await pair.lv.bindPrivate(lvDisks, disks);
      const image = Buffer.alloc(1024 * 1024);
      image.write('disk-of-libvirtd', 8192);
      await writeFile(join(lvDisks, 'cs.img'), image);
      const devices = `\n    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${join(disks, 'cs.img')}'/><target dev='hda' bus='ide'/></disk>`;
      const xml = join(pair.shared, 'cs.xml');
      // A kernel and initrd of its own: tsvirtd hands what its guest opens to its qemu user, and
      // libvirtd refuses to relabel a file another of its running guests (mg) holds.
      const own = {
        linuxKernel: join(pair.shared, 'cs-vmlinuz'),
        linuxInitrd: join(pair.shared, 'cs-initrd.gz'),
      };
      await copyFile(guests.linuxKernel, own.linuxKernel);
      await copyFile(guests.linuxInitrd, own.linuxInitrd);
      await writeFile(xml, buildLinuxXml('cs', own, { append: 'tsvirt.shell=1', devices }));
      expect(await virshLv('define', xml)).toMatchObject({ code: 0 });
      expect(await virshLv('start', 'cs')).toMatchObject({ code: 0, stderr: '' });
      await waitUntil(
        async () => (await lvConsole('\n', 2, 'cs')).includes('/ # '),
        120_000,
        'the guest shell',
      );
      await lvConsole(COUNTER, 1, 'cs');
      const before = (await lvTicksReach(5, 'cs')).at(-1) as number;

      const out = await virshLv('migrate', '--live', '--copy-storage-all', 'cs', pair.ts.tcpUri);
      expect(out).toMatchObject({ code: 0, stderr: '' });
      // tsvirtd made the disk it did not have and libvirtd's qemu filled it over NBD.
      expect((await readFile(join(disks, 'cs.img'))).equals(image)).toBe(true);
      const lastAtTs = (await tsTicksReach(before + 10, 'cs')).at(-1) as number;

      // libvirtd makes a missing disk only in a storage pool of its own: it gets a blank one, which the copy fills.
      await writeFile(join(lvDisks, 'cs.img'), Buffer.alloc(image.length));
      const back = await virshTs('migrate', '--live', '--copy-storage-all', 'cs', pair.lv.tcpUri);
      expect(back).toMatchObject({ code: 0, stderr: '' });
      expect((await readFile(join(lvDisks, 'cs.img'))).equals(image)).toBe(true);
      expect((await virshLv('domstate', '--reason', 'cs')).stdout).toBe('running (migrated)\n\n');
      expect((await lvTicksReach(lastAtTs + 10, 'cs')).at(-1)).toBeGreaterThan(lastAtTs);
      await virshLv('destroy', 'cs');
    }, 300_000);
  },
);
