/**
 * Real virsh against the server: a disk's <backingStore> chain in the domain XML (live and inactive)
 * as external snapshots grow it and blockcommit, blockpull and a pivot shrink it, on the boot-sector
 * guest (TCG) with a qcow2 data disk.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { readPidFile, waitUntil } from '../../driver/helpers.js';
import type { TestServer } from './server-fixture.js';
import { startDataDiskGuestServer, stopGuestServer } from './guest-server.js';
import { VIRSH, virsh, type VirshResult } from './virsh-harness.js';

const hasQemu = findQemuBinary() !== undefined;
if (!VIRSH || !hasQemu)
  console.warn('skipping virsh backing chain tests: virsh or qemu-system-x86_64 is absent');

/** The vdb element of a domain XML, from its <disk> to its </disk>. */
function vdbOf(xml: string): string {
  const disks = [...xml.matchAll(/<disk [^>]*>[\s\S]*?<\/disk>/g)].map((m) => m[0]);
  const found = disks.find((d) => d.includes("<target dev='vdb'"));
  if (!found) throw new Error(`no vdb in ${xml}`);
  return found;
}

/** The chain the disk element shows: source first, then each backing store's file, and whether it ends in <backingStore/>. */
function chainOf(disk: string): { files: string[]; indexed: boolean; closed: boolean } {
  const files = [...disk.matchAll(/<source file='([^']+)'/g)].map((m) => m[1] as string);
  return {
    files,
    indexed: /<backingStore type='file' index='\d+'>/.test(disk),
    closed: disk.includes('<backingStore/>'),
  };
}

describe.skipIf(!VIRSH || !hasQemu)(
  'virsh: the <backingStore> chain of a disk (boot-sector guest, TCG)',
  () => {
    let srv: TestServer;
    let base = '';
    const pids: number[] = [];
    const v = (...args: string[]): Promise<VirshResult> => virsh(srv.unixUri, args, { timeoutMs: 60_000 });
    const overlay = (name: string): string => join(srv.root, `data.${name}`);
    const live = async (): Promise<string> => vdbOf((await v('dumpxml', 'ch')).stdout);
    const inactive = async (): Promise<string> => vdbOf((await v('dumpxml', 'ch', '--inactive')).stdout);

    beforeAll(async () => {
      ({ srv, base } = await startDataDiskGuestServer('ch', '16M'));
    }, 120_000);
    afterAll(() => stopGuestServer(srv, 'ch', pids), 30_000);

    it('shows no chain for a disk defined without one, and the overlay over its base after a shut-off snapshot', async () => {
      expect(await inactive()).not.toContain('backingStore');
      expect(
        (await v('snapshot-create-as', 'ch', 'off1', '--disk-only', '--diskspec', 'hda,snapshot=no')).code,
      ).toBe(0);
      const disk = await inactive();
      expect(disk).toMatch(
        new RegExp(
          `<source file='${overlay('off1')}'/>\\s*<backingStore type='file'>\\s*<format type='qcow2'/>\\s*` +
            `<source file='${base}'/>\\s*<backingStore/>\\s*</backingStore>\\s*<target dev='vdb'`,
        ),
      );
    }, 60_000);

    it('shows the chain live with each layer’s node index, and an empty <backingStore/> under a raw disk', async () => {
      expect((await v('start', 'ch')).code).toBe(0);
      pids.push(readPidFile(srv.root, 'ch'));
      const disk = await live();
      const m = new RegExp(
        `<source file='${overlay('off1')}' index='(\\d+)'/>\\s*<backingStore type='file' index='(\\d+)'>\\s*` +
          `<format type='qcow2'/>\\s*<source file='${base}'/>\\s*<backingStore/>\\s*</backingStore>`,
      ).exec(disk);
      expect(m).not.toBeNull();
      expect(m?.[1]).not.toBe(m?.[2]);
      const hda = (await v('dumpxml', 'ch')).stdout;
      expect(hda).toMatch(
        /<source file='[^']+boot\.img' index='\d+'\/>\s*<backingStore\/>\s*<target dev='hda'/,
      );
      // The status file keeps the chain with its indices, for a daemon that adopts the guest again.
      const status = await readFile(join(srv.root, 'run', 'qemu', 'ch.xml'), 'utf8');
      expect(status).toContain(`<backingStore type='file' index='${m?.[2]}'>`);
    }, 60_000);

    it('grows by one layer with each live snapshot, in the live and the persistent definition', async () => {
      for (const name of ['s2', 's3']) {
        const r = await v(
          'snapshot-create-as',
          'ch',
          name,
          '--disk-only',
          '--no-metadata',
          '--diskspec',
          'hda,snapshot=no',
        );
        expect(r.code).toBe(0);
      }
      expect(chainOf(await live())).toEqual({
        files: [overlay('s3'), overlay('s2'), overlay('off1'), base],
        indexed: true,
        closed: true,
      });
      expect(chainOf(await inactive())).toEqual({
        files: [overlay('s3'), overlay('s2'), overlay('off1'), base],
        indexed: false,
        closed: true,
      });
    }, 60_000);

    it('loses the layers a commit below the top merges, and all below the top after a pull', async () => {
      expect(
        (await v('blockcommit', 'ch', 'vdb', '--top', overlay('s2'), '--base', base, '--wait')).code,
      ).toBe(0);
      const after = [overlay('s3'), base];
      await waitUntil(
        async () => chainOf(await live()).files.length === 2,
        10_000,
        'the live chain after the commit',
      );
      expect(chainOf(await live())).toEqual({ files: after, indexed: true, closed: true });
      expect(chainOf(await inactive())).toEqual({ files: after, indexed: false, closed: true });

      expect((await v('blockpull', 'ch', 'vdb', '--wait')).code).toBe(0);
      await waitUntil(
        async () => chainOf(await live()).files.length === 1,
        10_000,
        'the live chain after the pull',
      );
      expect(chainOf(await live())).toEqual({ files: [overlay('s3')], indexed: false, closed: true });
      expect(chainOf(await inactive())).toEqual({ files: [overlay('s3')], indexed: false, closed: true });
    }, 120_000);

    it('after an active commit and pivot, shows the base with what was below it', async () => {
      const r = await v(
        'snapshot-create-as',
        'ch',
        's4',
        '--disk-only',
        '--no-metadata',
        '--diskspec',
        'hda,snapshot=no',
      );
      expect(r.code).toBe(0);
      expect(chainOf(await live()).files).toEqual([overlay('s4'), overlay('s3')]);
      expect(await v('blockcommit', 'ch', 'vdb', '--active', '--pivot')).toMatchObject({ code: 0 });
      expect(chainOf(await live())).toEqual({ files: [overlay('s3')], indexed: false, closed: true });
      expect(chainOf(await inactive())).toEqual({ files: [overlay('s3')], indexed: false, closed: true });
    }, 120_000);
  },
);
