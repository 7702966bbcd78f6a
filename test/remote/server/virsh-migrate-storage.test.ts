/**
 * Real virsh migrates a running guest with --copy-storage-all between two tsvirtd hosts whose disks are
 * not shared: the source's disk is in its own folder, the destination's XML (--xml) names a file in
 * another folder that does not exist yet. The destination makes it, the source mirrors the disk into
 * it over NBD, and afterwards it holds the source disk's content (a marker the source image carries).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { whyNoDist } from '../../daemon/daemon-harness.js';
import { probeNetnsProblem } from '../../network/netns.js';
import { lastTick, waitForTick } from './counter-guest.js';
import { closeMigrationPair, startMigrationGuest } from './migration-guest.js';
import { startMigrationPair, type MigrationHost, type MigrationPair } from './migration-hosts.js';
import { VIRSH } from './virsh-harness.js';

const why =
  (!VIRSH ? 'virsh is absent' : undefined) ??
  (findQemuBinary() === undefined ? 'qemu-system-x86_64 is absent' : undefined) ??
  whyNoDist() ??
  (await probeNetnsProblem());
if (why) console.warn(`skipping virsh migrate --copy-storage-all tests: ${why}`);

const MARKER = 'tsvirt-copied-disk-marker';

describe.skipIf(why !== undefined)('virsh migrate --copy-storage-all (disks not shared)', () => {
  let pair: MigrationPair;
  let srcDisk: string;
  let dstDisk: string;
  let dstXml: string;
  const serialOf = (h: MigrationHost): string => join(h.root, 'log', 'qemu', 'cs.serial.log');
  const virshOn = (h: MigrationHost, ...args: string[]) => pair.exec(h, ['virsh', '-c', h.tcpUri, ...args]);

  beforeAll(async () => {
    pair = await startMigrationPair();
    const [srcDir, dstDir] = [join(pair.shared, 'src-pool'), join(pair.shared, 'dst-pool')];
    await mkdir(srcDir, { mode: 0o755 });
    await mkdir(dstDir, { mode: 0o755 });
    srcDisk = join(srcDir, 'cs.img');
    dstDisk = join(dstDir, 'cs.img');
    const image = Buffer.alloc(1024 * 1024);
    image.write(MARKER, 100 * 512);
    await startMigrationGuest(pair, 'cs', { diskImage: image, diskPath: srcDisk });
    // The destination's definition: the same guest, its disk in the destination's own folder.
    const live = (await virshOn(pair.src, 'dumpxml', '--migratable', 'cs')).stdout;
    dstXml = join(pair.shared, 'cs-dst.xml');
    await writeFile(dstXml, live.split(srcDisk).join(dstDisk));
  }, 180_000);

  afterAll(() => closeMigrationPair(pair, 'cs'), 60_000);

  it('copies the disk: the guest counts on at the destination, whose new disk holds the source disk content', async () => {
    const r = await virshOn(
      pair.src,
      'migrate',
      '--live',
      '--copy-storage-all',
      '--xml',
      dstXml,
      'cs',
      pair.dst.tcpUri,
    );
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect((await virshOn(pair.dst, 'domstate', '--reason', 'cs')).stdout).toBe('running (migrated)\n\n');
    const lastAtSource = await lastTick(serialOf(pair.src));
    await waitForTick(serialOf(pair.dst), lastAtSource + 10, 60_000, 'ten ticks at the destination');
    const [a, b] = [await readFile(srcDisk), await readFile(dstDisk)];
    expect(a.subarray(100 * 512, 100 * 512 + MARKER.length).toString()).toBe(MARKER);
    expect(b.length).toBe(a.length);
    expect(b.subarray(100 * 512, 100 * 512 + MARKER.length).toString()).toBe(MARKER);
    expect(b.equals(a)).toBe(true);
    expect((await virshOn(pair.dst, 'domblklist', 'cs')).stdout).toContain(dstDisk);
  }, 240_000);
});
