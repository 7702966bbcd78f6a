/**
 * Test helper: the Linux test guest the migration tests run at the source host (its shell on the serial
 * console, its counter going), the memory writer they type into it, and their qemu processes.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ensureGuests } from '../../../scripts/guests/paths.js';
import { buildLinuxXml, findProcessesUnder, waitForText } from '../../driver/helpers.js';
import { COUNTER, typeLine, waitForTick } from './counter-guest.js';
import type { MigrationPair } from './migration-hosts.js';

/**
 * Rewrites 16 MiB of guest RAM (the initramfs root) with non-zero bytes, over and over, until /stop
 * exists; prints writer-up once it writes.
 */
export const WRITER =
  '(echo 0123456789abcde > /a; for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do cat /a /a > /t; mv /t /a; done;' +
  ' echo writer-up; while [ ! -e /stop ]; do cp /a /b; done) &\n';

/** The qemu processes (not the daemon) whose command line names `root`. */
export async function findQemuUnder(root: string): Promise<number[]> {
  const pids = await findProcessesUnder(root);
  const out: number[] = [];
  for (const pid of pids) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes('qemu-system')) out.push(pid);
  }
  return out;
}

/** What may differ between the migration tests' guests. */
export interface MigrationGuestOptions {
  /** A raw image the guest gets as its IDE disk hda; none unless given. */
  diskImage?: Buffer;
  /** Where that image is written (`SHARED/NAME.img` unless given). */
  diskPath?: string;
  /** Starts it with `virsh create` (a transient guest) instead of `define` and `start`. */
  transient?: boolean;
  /** Typed after the counter, on the same line (the memory writer, say). */
  alsoType?: string;
}

/**
 * Runs the Linux shell guest `name` at the pair's source through its virsh, with its XML (and disk) in
 * the shared folder, and sets its counter going: resolves at its fifth tick, with the disk's path ('' for
 * none).
 */
export async function startMigrationGuest(
  pair: MigrationPair,
  name: string,
  opts: MigrationGuestOptions = {},
): Promise<string> {
  const guests = await ensureGuests();
  const virshAtSource = (...args: string[]) => pair.exec(pair.src, ['virsh', '-c', pair.src.tcpUri, ...args]);
  const disk = opts.diskImage ? (opts.diskPath ?? join(pair.shared, `${name}.img`)) : '';
  if (opts.diskImage) await writeFile(disk, opts.diskImage, { mode: 0o644 });
  const devices = disk
    ? `\n    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${disk}'/><target dev='hda' bus='ide'/></disk>`
    : undefined;
  const xml = join(pair.shared, `${name}.xml`);
  await writeFile(xml, buildLinuxXml(name, guests, { append: 'tsvirt.shell=1', devices }));
  if (opts.transient) {
    expect((await virshAtSource('create', xml)).code).toBe(0);
  } else {
    expect((await virshAtSource('define', xml)).code).toBe(0);
    expect(await virshAtSource('start', name)).toMatchObject({ code: 0, stderr: '' });
  }
  const serialLog = join(pair.src.root, 'log', 'qemu', `${name}.serial.log`);
  await waitForText(serialLog, '/ # ', 90_000);
  await typeLine(pair.src.conn, name, serialLog, COUNTER + (opts.alsoType ?? ''));
  await waitForTick(serialLog, 5, 60_000, 'tick 5');
  return disk;
}

/**
 * The migration tests' afterAll: prints both daemons' logs when TSVIRT_MIGRATE_LOGS is set, brings back a
 * link a test cut, destroys the guest `name` wherever it runs, and checks that closing the pair leaves no
 * process. Does nothing when the pair never started.
 */
export async function closeMigrationPair(pair: MigrationPair | undefined, name: string): Promise<void> {
  if (!pair) return;
  if (process.env['TSVIRT_MIGRATE_LOGS']) {
    for (const h of [pair.src, pair.dst]) console.log(h.address, (await h.daemon.log()).slice(-6000));
  }
  await pair.setLink(pair.dst, true).catch(() => undefined);
  for (const h of [pair.src, pair.dst]) {
    const dom = await h.conn.lookupDomainByName(name).catch(() => undefined);
    if (dom) await h.conn.domainDestroy(dom).catch(() => undefined);
  }
  expect(await pair.close()).toEqual([]);
}
