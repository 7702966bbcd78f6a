/**
 * Real virsh migrates a running guest with --copy-storage-all between two tsvirtd hosts whose disks are
 * not shared: the source's disk is in its own folder, the destination's XML (--xml) names a file in
 * another folder that does not exist yet. The destination makes it, the source mirrors the disk into
 * it over NBD, and afterwards it holds the source disk's content (a marker the source image carries).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../../scripts/guests/paths.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { buildLinuxXml, waitForText } from '../../driver/helpers.js';
import { whyNoDist } from '../../daemon/daemon-harness.js';
import { probeNetnsProblem } from '../../network/netns.js';
import { COUNTER, lastTick, typeLine, waitForTick } from './counter-guest.js';
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
  const typeInto = (h: MigrationHost, text: string): Promise<void> =>
    typeLine(h.conn, 'cs', serialOf(h), text);

  beforeAll(async () => {
    const guests = await ensureGuests();
    pair = await startMigrationPair();
    const [srcDir, dstDir] = [join(pair.shared, 'src-pool'), join(pair.shared, 'dst-pool')];
    await mkdir(srcDir, { mode: 0o755 });
    await mkdir(dstDir, { mode: 0o755 });
    srcDisk = join(srcDir, 'cs.img');
    dstDisk = join(dstDir, 'cs.img');
    const image = Buffer.alloc(1024 * 1024);
    image.write(MARKER, 100 * 512);
    await writeFile(srcDisk, image, { mode: 0o644 });
    const disk = (p: string) =>
      `\n    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${p}'/><target dev='hda' bus='ide'/></disk>`;
    const xml = join(pair.shared, 'cs.xml');
    await writeFile(xml, buildLinuxXml('cs', guests, { append: 'tsvirt.shell=1', devices: disk(srcDisk) }));
    expect((await virshOn(pair.src, 'define', xml)).code).toBe(0);
    expect((await virshOn(pair.src, 'start', 'cs')).stderr).toBe('');
    await waitForText(serialOf(pair.src), '/ # ', 90_000);
    await typeInto(pair.src, COUNTER);
    await waitForTick(serialOf(pair.src), 5, 60_000, 'tick 5');
    // The destination's definition: the same guest, its disk in the destination's own folder.
    const live = (await virshOn(pair.src, 'dumpxml', '--migratable', 'cs')).stdout;
    dstXml = join(pair.shared, 'cs-dst.xml');
    await writeFile(dstXml, live.split(srcDisk).join(dstDisk));
  }, 180_000);

  afterAll(async () => {
    if (!pair) return;
    if (process.env['TSVIRT_MIGRATE_LOGS']) {
      for (const h of [pair.src, pair.dst]) console.log(h.address, (await h.daemon.log()).slice(-6000));
    }
    for (const h of [pair.src, pair.dst]) {
      const dom = await h.conn.lookupDomainByName('cs').catch(() => undefined);
      if (dom) await h.conn.domainDestroy(dom).catch(() => undefined);
    }
    expect(await pair.close()).toEqual([]);
  }, 60_000);

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
