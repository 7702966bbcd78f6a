import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../scripts/guests/paths.js';
import { formatProgress } from '../../src/cli/commands/volume-transfer.js';
import { run } from '../../src/exec/index.js';
import { findQemuBinary } from '../../src/kvm/index.js';
import { buildBootSectorXml, cleanupRoot, isAlive, readPidFile } from '../driver/helpers.js';
import { hasCli, makeCliRoot, tsvirt } from './cli-harness.js';

const hasQemu = findQemuBinary() !== undefined;
const hasQemuImg = ['/usr/bin/qemu-img', '/usr/local/bin/qemu-img'].some((p) => existsSync(p));
if (!hasQemu || !hasQemuImg)
  console.warn('skipping the CLI storage tests: qemu-system-x86_64 or qemu-img is absent');
const GiB8 = 8 * 1024 ** 3;

describe('vol-upload and vol-download progress', () => {
  it('draws virsh-style percentages with two decimals', () => {
    expect(formatProgress('Upload', 42, 100)).toBe('\rUpload: [ 42.00 %]');
    expect(formatProgress('Download', 1, 3)).toBe('\rDownload: [ 33.33 %]');
    expect(formatProgress('Upload', 5, 5)).toBe('\rUpload: [100.00 %]');
    expect(formatProgress('Upload', 0, 0)).toBe('\rUpload: [100.00 %]');
  });
});

describe.skipIf(!hasCli || !hasQemu || !hasQemuImg)('the storage walk-through through tsvirt', () => {
  let root = '';
  let image = '';
  const t = (...args: string[]) => tsvirt(root, args);

  beforeAll(async () => {
    const guests = await ensureGuests();
    ({ root, image } = await makeCliRoot(guests.bootSectorImage));
  }, 60_000);
  afterAll(async () => {
    if (root) expect(await cleanupRoot(root, [])).toEqual([]);
  }, 30_000);

  it('a fresh root has the default dir pool, active', async () => {
    expect(await t('pool-list', '--all')).toEqual({
      code: 0,
      stdout: ' Name      State    Autostart\n-------------------------------\n default   active   yes\n\n',
      stderr: '',
    });
  }, 15_000);

  it('pool-list --type filters by pool type, and names a type it does not know', async () => {
    const file = join(root, 'lvpool.xml');
    await writeFile(
      file,
      "<pool type='logical'><name>lvtype</name><source><device path='/dev/null'/><name>lvtype</name><format type='lvm2'/></source><target><path>/dev/lvtype</path></target></pool>",
    );
    expect((await t('pool-define', file)).code).toBe(0);
    const names = async (...args: string[]) =>
      (JSON.parse((await t('pool-list', '--all', '--json', ...args)).stdout) as Array<{ name: string }>).map(
        (p) => p.name,
      );
    expect(await names('--type', 'logical')).toEqual(['lvtype']);
    expect(await names('--type', 'dir')).toEqual(['default']);
    expect(await names('--type', 'dir,logical')).toEqual(['default', 'lvtype']);
    expect(await t('pool-list', '--type', 'netfs')).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: --type: pool type 'netfs' is not supported; expected dir or logical\n",
    });
    expect((await t('pool-undefine', 'lvtype')).code).toBe(0);
  }, 30_000);

  it('vol-create-as default kvm1.img 8G makes a file that ls -l shows as 8589934592 bytes', async () => {
    expect(await t('vol-create-as', 'default', 'kvm1.img', '8G')).toEqual({
      code: 0,
      stdout: 'Vol kvm1.img created\n\n',
      stderr: '',
    });
    expect(statSync(join(root, 'images', 'kvm1.img')).size).toBe(GiB8);
  }, 15_000);

  it('--format qcow2 makes a file that qemu-img reports as qcow2 of 8 GiB', async () => {
    expect((await t('vol-create-as', 'default', 'q.qcow2', '8G', '--format', 'qcow2')).code).toBe(0);
    const info = JSON.parse(
      (await run(['qemu-img', 'info', '--output=json', join(root, 'images', 'q.qcow2')])).stdout,
    ) as { format: string; 'virtual-size': number };
    expect(info.format).toBe('qcow2');
    expect(info['virtual-size']).toBe(GiB8);
  }, 15_000);

  it("a domain with a volume disk starts on the volume's path; domblklist shows both disks; the volume cannot be deleted while it runs", async () => {
    const disk = `</disk>
    <disk type='volume' device='disk'>
      <driver name='qemu' type='raw'/>
      <source pool='default' volume='kvm1.img'/>
      <target dev='hdb' bus='ide'/>
    </disk>`;
    const xml = buildBootSectorXml('kvm1', image).replace('</disk>', disk);
    await writeFile(join(root, 'kvm1.xml'), xml);
    expect((await t('define', join(root, 'kvm1.xml'))).code).toBe(0);
    expect((await t('start', 'kvm1')).stdout).toBe("Domain 'kvm1' started\n\n");
    const pid = readPidFile(root, 'kvm1');
    const vol = join(root, 'images', 'kvm1.img');
    // virsh prints a volume disk as POOL/VOLUME; qemu got the path it resolves to.
    expect((await t('domblklist', 'kvm1')).stdout).toBe(
      ` Target   Source\n${'-'.repeat(image.length + 12)}\n hda      ${image}\n hdb      default/kvm1.img\n\n`,
    );
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')).toContain(vol);
    const del = await t('vol-delete', 'kvm1.img', '--pool', 'default');
    expect(del.code).toBe(1);
    expect(del.stderr).toMatch(/kvm1/);
    expect(statSync(vol).size).toBe(GiB8);
    expect((await t('destroy', 'kvm1')).code).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect(await t('vol-delete', 'kvm1.img', '--pool', 'default')).toMatchObject({ code: 0, stderr: '' });
    expect(existsSync(vol)).toBe(false);
  }, 30_000);

  it('vol-upload and vol-download move bytes in and out with --offset and --length, no bar without a terminal', async () => {
    expect((await t('vol-create-as', 'default', 'data.img', '1M')).code).toBe(0);
    const payload = randomBytes(64 * 1024);
    const src = join(root, 'payload.bin');
    await writeFile(src, payload);
    const up = await t(
      'vol-upload',
      'data.img',
      src,
      '--pool',
      'default',
      '--offset',
      '4096',
      '--length',
      '10000',
    );
    expect(up).toEqual({ code: 0, stdout: '', stderr: '' });
    const volBytes = readFileSync(join(root, 'images', 'data.img'));
    expect(volBytes.length).toBe(1024 * 1024);
    expect(volBytes.subarray(4096, 14096).equals(payload.subarray(0, 10000))).toBe(true);
    expect(volBytes.subarray(14096, 14100).equals(Buffer.alloc(4))).toBe(true);

    const out = join(root, 'part.bin');
    const down = await t(
      'vol-download',
      'data.img',
      out,
      '--pool',
      'default',
      '--offset',
      '4096',
      '--length',
      '10000',
    );
    expect(down).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(readFileSync(out).equals(payload.subarray(0, 10000))).toBe(true);

    const whole = join(root, 'whole.bin');
    expect((await t('vol-download', 'data.img', whole, '--pool', 'default')).code).toBe(0);
    expect(readFileSync(whole).equals(volBytes)).toBe(true);
  }, 30_000);

  it('vol-download past the end is refused and writes no file', async () => {
    const out = join(root, 'none.bin');
    const r = await t('vol-download', 'data.img', out, '--pool', 'default', '--offset', '2M');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: offset 2097152 is past the end of .*data\.img \(1048576 bytes\)/);
    expect(existsSync(out)).toBe(false);
  }, 15_000);
});
