/**
 * Block jobs across a tsvirtd killed with SIGKILL and started again on the same root (a real tsvirtd,
 * virsh against it, the boot-sector guest under TCG with three qcow2 disks, each an overlay over a
 * base with data): the restarted tsvirtd takes back from the status file a commit waiting for its
 * pivot and a pull in progress, so that blockjob --info, --pivot and --abort work on them, and resolves
 * a pull qemu finished while it was down from qemu's node graph.
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../../scripts/guests/paths.js';
import { run } from '../../../src/exec/index.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { whyNoDist } from '../../daemon/daemon-harness.js';
import { isAlive, readPidFile, waitUntil } from '../../driver/helpers.js';
import { startRestartableDaemon, type RestartableDaemon } from './restartable-daemon.js';
import { VIRSH, virsh, type VirshResult } from './virsh-harness.js';

const why =
  (!VIRSH ? 'virsh is absent' : undefined) ??
  (findQemuBinary() === undefined ? 'qemu-system-x86_64 is absent' : undefined) ??
  whyNoDist();
if (why) console.warn(`skipping block jobs across a tsvirtd restart: ${why}`);

/** The source files of disk `dev` in a domain XML: its source, then each backing store's. */
function chainOf(xml: string, dev: string): string[] {
  const disks = [...xml.matchAll(/<disk [^>]*>[\s\S]*?<\/disk>/g)].map((m) => m[0]);
  const disk = disks.find((x) => x.includes(`<target dev='${dev}'`));
  if (!disk) throw new Error(`no ${dev} in ${xml}`);
  return [...disk.matchAll(/<source file='([^']+)'/g)].map((m) => m[1] as string);
}

describe.skipIf(why !== undefined)('block jobs across a tsvirtd restart (boot-sector guest, TCG)', () => {
  let d: RestartableDaemon;
  let pid = 0;
  const v = (...args: string[]): Promise<VirshResult> => virsh(d.unixUri, args, { timeoutMs: 120_000 });
  const image = (name: string): string => join(d.root, `${name}.qcow2`);
  const live = async (dev: string): Promise<string[]> => chainOf((await v('dumpxml', 'bj')).stdout, dev);
  const inactive = async (dev: string): Promise<string[]> =>
    chainOf((await v('dumpxml', 'bj', '--inactive')).stdout, dev);
  /** What `virsh blockjob --info` reports: a job's progress (virsh prints it on stderr), or that there is none. */
  const info = async (dev: string): Promise<string> => {
    const r = await v('blockjob', 'bj', dev, '--info');
    return r.stdout + r.stderr;
  };
  const statusFile = (): Promise<string> => readFile(join(d.root, 'run', 'qemu', 'bj.xml'), 'utf8');

  /** An overlay `NAME-top` over `NAME-base`, the base holding `dataMiB` of data. */
  async function makeChain(name: string, dataMiB: number): Promise<void> {
    await run(['qemu-img', 'create', '-q', '-f', 'qcow2', image(`${name}-base`), '32M']);
    await run(['qemu-io', '-f', 'qcow2', '-c', `write -P 0x5a 0 ${dataMiB}M`, image(`${name}-base`)]);
    await run([
      'qemu-img',
      'create',
      '-q',
      '-f',
      'qcow2',
      '-F',
      'qcow2',
      '-b',
      image(`${name}-base`),
      image(`${name}-top`),
    ]);
    await run(['qemu-io', '-f', 'qcow2', '-c', 'write -P 0xa5 0 1M', image(`${name}-top`)]);
  }

  beforeAll(async () => {
    const guests = await ensureGuests();
    d = await startRestartableDaemon();
    const boot = join(d.root, 'boot.img');
    await copyFile(guests.bootSectorImage, boot);
    await makeChain('b', 4);
    await makeChain('c', 24);
    await makeChain('e', 2);
    const disk = (name: string, dev: string): string =>
      `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${image(`${name}-top`)}'/><target dev='${dev}' bus='virtio'/></disk>`;
    const xml = join(d.root, 'bj.xml');
    await writeFile(
      xml,
      `<domain type='qemu'><name>bj</name><memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${boot}'/><target dev='hda' bus='ide'/></disk>
    ${disk('b', 'vdb')}
    ${disk('c', 'vdc')}
    ${disk('e', 'vde')}
  </devices></domain>`,
    );
    expect((await v('define', xml)).code).toBe(0);
    expect((await v('start', 'bj')).code).toBe(0);
    pid = readPidFile(d.root, 'bj');
  }, 120_000);

  afterAll(async () => {
    if (!d) return;
    if (process.env['TSVIRT_RESTART_LOGS']) console.log((await d.daemon.log()).slice(-6000));
    await v('destroy', 'bj').catch(() => undefined);
    expect(await d.close()).toEqual([]);
    expect(isAlive(pid)).toBe(false);
  }, 60_000);

  it('takes back an active commit waiting for its pivot, and pivots it after the restart', async () => {
    expect(await v('blockcommit', 'bj', 'vdb', '--active', '--wait')).toMatchObject({ code: 0, stderr: '' });
    expect(await info('vdb')).toContain('Active Block Commit: [100 %]');
    expect(await statusFile()).toContain("<blockjob disk='vdb' id='commit-vdb' type='4'");
    await d.restart();
    expect(readPidFile(d.root, 'bj')).toBe(pid);
    expect(await info('vdb')).toContain('Active Block Commit: [100 %]');
    expect(await v('blockjob', 'bj', 'vdb', '--pivot')).toMatchObject({ code: 0 });
    expect(await live('vdb')).toEqual([image('b-base')]);
    expect(await inactive('vdb')).toEqual([image('b-base')]);
    expect(await info('vdb')).toContain('No current block job for vdb');
    expect(await statusFile()).not.toContain("disk='vdb'");
  }, 180_000);

  it('takes back a pull in progress, and aborts it after the restart with the chain as it was', async () => {
    // 24 MiB at 1 MiB/s: the pull is still running after the restart.
    expect((await v('blockpull', 'bj', 'vdc', '--bandwidth', '1')).code).toBe(0);
    await d.restart();
    expect(await info('vdc')).toMatch(/Block Pull: \[\s*\d+ %\]/);
    expect(await v('blockjob', 'bj', 'vdc', '--abort')).toMatchObject({ code: 0 });
    expect(await info('vdc')).toContain('No current block job for vdc');
    expect(await live('vdc')).toEqual([image('c-top'), image('c-base')]);
    expect(await statusFile()).not.toContain("disk='vdc'");
  }, 180_000);

  it('resolves a pull that qemu finished while tsvirtd was down: the base leaves the chain', async () => {
    // 2 MiB at 1 MiB/s: done well within the time tsvirtd is down.
    expect((await v('blockpull', 'bj', 'vde', '--bandwidth', '1')).code).toBe(0);
    expect(await statusFile()).toContain("<blockjob disk='vde' id='pull-vde' type='1'");
    await d.restart(() => new Promise((r) => setTimeout(r, 10_000)));
    expect(await info('vde')).toContain('No current block job for vde');
    await waitUntil(async () => (await live('vde')).length === 1, 10_000, 'the chain without its base');
    expect(await live('vde')).toEqual([image('e-top')]);
    expect(await inactive('vde')).toEqual([image('e-top')]);
    expect(await statusFile()).not.toContain("disk='vde'");
    expect(await d.daemon.log()).toContain('block job pull-vde ended while tsvirtd was down (completed)');
  }, 180_000);
});
