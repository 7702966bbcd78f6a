/**
 * Real virsh against the server: external disk-only snapshots of the Linux guest (TCG) with a qcow2
 * disk, shut off (qemu-img create -b) and running (blockdev-snapshot), with and without metadata: the
 * domain's disk moves to each new overlay, whose backing file is the image before it, and what the
 * guest writes after a snapshot lands in the overlay, not in the image below it.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/exec/index.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { readPidFile, waitForText, waitUntil } from '../../driver/helpers.js';
import type { TestServer } from './server-fixture.js';
import { startShellGuestServer, stopGuestServer } from './guest-server.js';
import { VIRSH, virsh, type VirshResult } from './virsh-harness.js';

const hasQemu = findQemuBinary() !== undefined;
if (!VIRSH || !hasQemu)
  console.warn('skipping virsh external snapshot tests: virsh or qemu-system-x86_64 is absent');

/** The guest's shell on the serial console: one command at a time, its output returned. */
class GuestShell {
  private seen = '';
  private count = 0;

  constructor(private readonly console: Duplex) {
    console.on('data', (chunk: Buffer) => (this.seen += chunk.toString('latin1')));
  }

  /** Runs `command`; the end marker is computed by the shell, so the echoed line never matches it. */
  async run(command: string, timeoutMs = 30_000): Promise<string> {
    const n = ++this.count;
    const marker = `@@end-${n + 1000}@@`;
    const from = this.seen.length;
    this.console.write(`${command}; echo "@@end-$((${n} + 1000))@@"\n`);
    await waitUntil(() => this.seen.indexOf(marker, from) >= 0, timeoutMs, `'${command}' in the guest`);
    const text = this.seen.slice(from, this.seen.indexOf(marker, from));
    const echoed = text.indexOf('@@"');
    return text.slice(text.indexOf('\n', echoed) + 1).replace(/\r/g, '');
  }

  /** Ends the console session, so that the next one may open. */
  close(): void {
    this.console.destroy();
  }
}

/** `qemu-img info --backing-chain` of an image (shared, so that a running qemu's lock is no obstacle). */
async function readChain(path: string): Promise<{ filename: string; format: string; backing?: string }[]> {
  const r = await run(['qemu-img', 'info', '-U', '--backing-chain', '--output=json', path]);
  const docs = JSON.parse(r.stdout) as { filename: string; format: string; 'backing-filename'?: string }[];
  return docs.map((d) => ({
    filename: d.filename,
    format: d.format,
    ...(d['backing-filename'] ? { backing: d['backing-filename'] } : {}),
  }));
}

/** Whether `text` is in the file's bytes (qcow2 keeps uncompressed guest data as written). */
async function fileHas(path: string, text: string): Promise<boolean> {
  return (await readFile(path)).includes(text);
}

describe.skipIf(!VIRSH || !hasQemu)(
  'virsh external disk-only snapshots (Linux guest, TCG, qcow2 disk)',
  () => {
    let srv: TestServer;
    let serialLog = '';
    let base = '';
    const pids: number[] = [];
    const v = (...args: string[]): Promise<VirshResult> => virsh(srv.unixUri, args, { timeoutMs: 60_000 });

    beforeAll(async () => {
      ({
        srv,
        serialLog,
        disk: base,
      } = await startShellGuestServer('ex', { pids, qcow2Size: '64M', start: false }));
    }, 120_000);
    afterAll(() => stopGuestServer(srv, 'ex', pids), 30_000);

    const overlay = (name: string): string => join(srv.root, `ex.${name}`);

    /** The guest's shell; a console the previous test closed may take a moment to be released. */
    async function openShell(): Promise<GuestShell> {
      const dom = await srv.conn.lookupDomainByName('ex');
      let console: Duplex | undefined;
      await waitUntil(
        async () => {
          console = await srv.conn.domainOpenConsole(dom).catch(() => undefined);
          return console !== undefined;
        },
        10_000,
        'the console to be free',
      );
      return new GuestShell(console as Duplex);
    }

    it('takes a disk-only snapshot of the shut-off guest: a qcow2 overlay over the old image', async () => {
      expect(await v('snapshot-create-as', 'ex', 'off1', '--disk-only')).toEqual({
        code: 0,
        stdout: 'Domain snapshot off1 created\n',
        stderr: '',
      });
      expect(await readChain(overlay('off1'))).toEqual([
        { filename: overlay('off1'), format: 'qcow2', backing: base },
        { filename: base, format: 'qcow2' },
      ]);
      expect((await v('domblklist', 'ex')).stdout).toContain(`vda      ${overlay('off1')}`);
      const xml = (await v('snapshot-dumpxml', 'ex', 'off1')).stdout;
      expect(xml).toContain('<state>disk-snapshot</state>');
      expect(xml).toContain("<memory snapshot='no'/>");
      expect(xml).toMatch(
        new RegExp(
          `<disk name='vda' snapshot='external' type='file'>\\s*<driver type='qcow2'/>\\s*<source file='${overlay('off1')}'/>`,
        ),
      );
      expect((await v('snapshot-list', 'ex', '--external', '--name')).stdout).toBe('off1\n\n');
      expect((await v('list', '--all', '--with-snapshot', '--name')).stdout).toBe('ex\n\n');
      expect((await v('list', '--all', '--without-snapshot', '--name')).stdout).toBe('\n');
    }, 60_000);

    it('refuses a disk-only snapshot whose overlay file exists already, and changes nothing', async () => {
      await writeFile(overlay('taken'), 'not an image');
      const r = await v('snapshot-create-as', 'ex', 'taken', '--disk-only');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`already exists and is not a block device: ${overlay('taken')}`);
      expect((await v('domblklist', 'ex')).stdout).toContain(`vda      ${overlay('off1')}`);
      expect(await readFile(overlay('taken'), 'utf8')).toBe('not an image');
    }, 60_000);

    it('takes a live one with --no-metadata: the running disk moves to the overlay, later writes land there', async () => {
      expect((await v('start', 'ex')).code).toBe(0);
      pids.push(readPidFile(srv.root, 'ex'));
      await waitForText(serialLog, '/ # ', 90_000);
      const shell = await openShell();
      try {
        await shell.run('echo before-snap-$((6*7)) | dd of=/dev/vda bs=512 seek=2048 conv=fsync 2>/dev/null');
        expect(await v('snapshot-create-as', 'ex', 'live1', '--disk-only', '--no-metadata')).toEqual({
          code: 0,
          stdout: 'Domain snapshot live1 created\n',
          stderr: '',
        });
        await shell.run('echo after-snap-$((6*7)) | dd of=/dev/vda bs=512 seek=4096 conv=fsync 2>/dev/null');
        // The guest reads both back through the chain.
        expect(await shell.run('dd if=/dev/vda bs=512 skip=2048 count=1 2>/dev/null | head -c 13')).toBe(
          'before-snap-4',
        );
        expect(await shell.run('dd if=/dev/vda bs=512 skip=4096 count=1 2>/dev/null | head -c 12')).toBe(
          'after-snap-4',
        );
      } finally {
        shell.close();
      }
      expect(await readChain(overlay('live1'))).toEqual([
        { filename: overlay('live1'), format: 'qcow2', backing: overlay('off1') },
        { filename: overlay('off1'), format: 'qcow2', backing: base },
        { filename: base, format: 'qcow2' },
      ]);
      expect(await fileHas(overlay('live1'), 'after-snap-42')).toBe(true);
      expect(await fileHas(overlay('off1'), 'after-snap-42')).toBe(false);
      expect(await fileHas(overlay('off1'), 'before-snap-42')).toBe(true);
      expect((await v('domblklist', 'ex')).stdout).toContain(`vda      ${overlay('live1')}`);
      expect((await v('domblklist', 'ex', '--inactive')).stdout).toContain(`vda      ${overlay('live1')}`);
      // No metadata: the snapshot list has only the shut-off one.
      expect((await v('snapshot-list', 'ex', '--name')).stdout).toBe('off1\n\n');
      expect((await stat(overlay('live1'))).isFile()).toBe(true);
      expect(await v('domstate', 'ex')).toEqual({ code: 0, stdout: 'running\n\n', stderr: '' });
    }, 150_000);
    it('blockcommit --active --pivot merges the chain into the base image: the data is there, one image again', async () => {
      const r = await v('blockcommit', 'ex', 'vda', '--active', '--pivot');
      expect(r).toEqual({ code: 0, stdout: '\nSuccessfully pivoted\n', stderr: '' });
      expect((await v('domblklist', 'ex')).stdout).toContain(`vda      ${base}`);
      expect((await v('domblklist', 'ex', '--inactive')).stdout).toContain(`vda      ${base}`);
      expect(await readChain(base)).toEqual([{ filename: base, format: 'qcow2' }]);
      expect(await fileHas(base, 'after-snap-42')).toBe(true);
      expect(await fileHas(base, 'before-snap-42')).toBe(true);
      expect(await v('blockjob', 'ex', 'vda', '--info')).toEqual({
        code: 0,
        stdout: 'No current block job for vda\n',
        stderr: '',
      });
      // The guest goes on writing to the base image.
      const shell = await openShell();
      try {
        await shell.run('echo after-pivot-$((6*7)) | dd of=/dev/vda bs=512 seek=6144 conv=fsync 2>/dev/null');
      } finally {
        shell.close();
      }
      expect(await fileHas(base, 'after-pivot-42')).toBe(true);
    }, 120_000);

    it('a commit below the active layer merges that image down, and blockpull makes the top stand alone', async () => {
      const shell = await openShell();
      try {
        expect(await v('snapshot-create-as', 'ex', 's2', '--disk-only', '--no-metadata')).toEqual({
          code: 0,
          stdout: 'Domain snapshot s2 created\n',
          stderr: '',
        });
        await shell.run('echo in-s2-$((6*7)) | dd of=/dev/vda bs=512 seek=8192 conv=fsync 2>/dev/null');
        expect((await v('snapshot-create-as', 'ex', 's3', '--disk-only', '--no-metadata')).code).toBe(0);
        await shell.run('echo in-s3-$((6*7)) | dd of=/dev/vda bs=512 seek=10240 conv=fsync 2>/dev/null');
        expect(await fileHas(overlay('s2'), 'in-s2-42')).toBe(true);

        const commit = await v('blockcommit', 'ex', 'vda', '--top', overlay('s2'), '--wait');
        expect(commit).toEqual({ code: 0, stdout: '\nCommit complete\n', stderr: '' });
        expect(await fileHas(base, 'in-s2-42')).toBe(true);
        expect(await readChain(overlay('s3'))).toEqual([
          { filename: overlay('s3'), format: 'qcow2', backing: base },
          { filename: base, format: 'qcow2' },
        ]);

        const pull = await v('blockpull', 'ex', 'vda', '--wait');
        expect(pull).toEqual({ code: 0, stdout: '\nPull complete\n', stderr: '' });
        expect(await readChain(overlay('s3'))).toEqual([{ filename: overlay('s3'), format: 'qcow2' }]);
        expect(await fileHas(overlay('s3'), 'in-s2-42')).toBe(true);
        expect(await fileHas(overlay('s3'), 'after-pivot-42')).toBe(true);
        // The guest reads everything back from the one image.
        expect(await shell.run('dd if=/dev/vda bs=512 skip=8192 count=1 2>/dev/null | head -c 7')).toBe(
          'in-s2-4',
        );
        expect((await v('blockjob', 'ex', 'vda', '--info')).stdout).toBe('No current block job for vda\n');
      } finally {
        shell.close();
      }
    }, 120_000);
  },
);
