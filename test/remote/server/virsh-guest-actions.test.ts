/**
 * A running guest's resources and actions through the real virsh against the RPC server, each checked
 * from inside the Linux guest (TCG) through its shell on the serial console: setvcpus (CPU hotplug),
 * screenshot, send-key (key events read from the guest's keyboard device), inject-nmi, blockresize and
 * setmaxmem, and libvirt's refusals of each.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests, LINUX_READY_MARKER } from '../../../scripts/guests/paths.js';
import { findQemuBinary } from '../../../src/kvm/index.js';
import { run } from '../../../src/exec/index.js';
import { buildLinuxXml, isAlive, readPidFile, waitForText, waitUntil } from '../../driver/helpers.js';
import { startTestServer, type TestServer } from './server-fixture.js';
import { VIRSH, virsh } from './virsh-harness.js';

const usable = findQemuBinary() !== undefined && VIRSH !== undefined;
if (!usable) console.warn('skipping virsh guest-action tests: qemu-system-x86_64 or virsh is absent');

/** The guest's shell on the serial console: runs one command at a time and returns its output. */
class GuestShell {
  private seen = '';
  private count = 0;

  constructor(private readonly console: Duplex) {
    console.on('data', (chunk: Buffer) => (this.seen += chunk.toString('latin1')));
  }

  /** Runs `command`; the end marker is computed by the shell, so the echoed command line never matches it. */
  async run(command: string, timeoutMs = 20_000): Promise<string> {
    const n = ++this.count;
    const marker = `@@end-${n + 1000}@@`;
    const from = this.seen.length;
    this.console.write(`${command}; echo "@@end-$((${n} + 1000))@@"\n`);
    await waitUntil(() => this.seen.indexOf(marker, from) >= 0, timeoutMs, `'${command}' in the guest`);
    const text = this.seen.slice(from, this.seen.indexOf(marker, from));
    // Drop the echoed command line (the terminal may wrap it); keep what the command printed.
    const echoed = text.indexOf('@@"');
    return text.slice(text.indexOf('\n', echoed) + 1).replace(/\r/g, '');
  }
}

describe.skipIf(!usable)('virsh guest actions against a running Linux guest (TCG)', () => {
  let srv: TestServer;
  let shell: GuestShell;
  let pid = 0;
  let serialLog = '';
  let disk = '';
  const vsh = (...args: string[]) => virsh(srv.unixUri, args, { timeoutMs: 30_000 });

  beforeAll(async () => {
    const guests = await ensureGuests();
    srv = await startTestServer();
    disk = join(srv.root, 'data.img');
    await run(['qemu-img', 'create', '-f', 'raw', disk, '16M']);
    const devices = `
    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${disk}'/><target dev='vda' bus='virtio'/></disk>
    <video><model type='vga'/></video>`;
    const xml = buildLinuxXml('lin', guests, {
      append: 'tsvirt.shell=1',
      vcpus: { current: 1, max: 3 },
      devices,
    });
    await srv.conn.domainCreate(await srv.conn.domainDefineXML(xml));
    await srv.conn.domainDefineXML(buildLinuxXml('off', guests));
    pid = readPidFile(srv.root, 'lin');
    serialLog = join(srv.root, 'log', 'qemu', 'lin.serial.log');
    await waitForText(serialLog, LINUX_READY_MARKER, 90_000);
    await waitForText(serialLog, '/ # ', 30_000);
    shell = new GuestShell(await srv.conn.domainOpenConsole(await srv.conn.lookupDomainByName('lin')));
  }, 180_000);

  afterAll(async () => {
    if (!srv) return;
    await srv.conn.domainDestroy(await srv.conn.lookupDomainByName('lin')).catch(() => undefined);
    expect(await srv.stop()).toEqual([]);
    if (pid) expect(isAlive(pid)).toBe(false);
  }, 30_000);

  it('starts a guest with fewer vCPUs than its maximum as -smp 1,maxcpus=3', async () => {
    const log = await readFile(join(srv.root, 'log', 'qemu', 'lin.log'), 'utf8');
    expect(log).toContain('-smp 1,maxcpus=3');
    expect((await shell.run('cat /sys/devices/system/cpu/present')).trim()).toBe('0');
  });

  it('plugs vCPUs live with setvcpus; the guest sees them, and dominfo and vcpuinfo count them', async () => {
    const r = await vsh('setvcpus', 'lin', '3', '--live');
    expect([r.code, r.stderr]).toEqual([0, '']);
    await waitUntil(
      async () => (await shell.run('cat /sys/devices/system/cpu/present')).trim() === '0-2',
      20_000,
      'cpus 1 and 2 present in the guest',
    );
    await shell.run('echo 1 > /sys/devices/system/cpu/cpu1/online');
    expect((await shell.run('cat /sys/devices/system/cpu/online')).trim()).toBe('0-1');
    expect((await vsh('dominfo', 'lin')).stdout).toMatch(/CPU\(s\):\s+3\n/);
    expect((await vsh('vcpucount', 'lin', '--live', '--active')).stdout.trim()).toBe('3');
    const info = (await vsh('vcpuinfo', 'lin')).stdout;
    expect(info.match(/^VCPU:/gm)?.length).toBe(3);
  });

  it('refuses more vCPUs than the maximum, and a live maximum, as libvirt does', async () => {
    const over = await vsh('setvcpus', 'lin', '4', '--live');
    expect(over.code).toBe(1);
    expect(over.stderr).toContain(
      'requested vcpus is greater than max allowable vcpus for the live domain: 4 > 3',
    );
    // virsh itself wants --config with --maximum; the server refuses the live part.
    const max = await vsh('setvcpus', 'lin', '4', '--maximum', '--config', '--live');
    expect(max.code).toBe(1);
    expect(max.stderr).toContain("maximum vcpu count of a live domain can't be modified");
  });

  it(
    'times out the unplug of a paused guest with the count qemu has, and follows the eject that comes late',
    { timeout: 60_000 },
    async () => {
      expect((await vsh('suspend', 'lin')).code).toBe(0);
      const r = await virsh(srv.unixUri, ['setvcpus', 'lin', '2', '--live'], { timeoutMs: 40_000 });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('vcpu unplug request timed out after 10000 ms (vCPU 2)');
      // qemu still has the CPU: the live count and XML say so.
      expect((await vsh('vcpucount', 'lin', '--live', '--active')).stdout.trim()).toBe('3');
      expect((await vsh('dumpxml', 'lin')).stdout).toMatch(/<vcpu placement='static'>3<\/vcpu>/);
      // Running again, the guest handles the pending eject request; the live count follows.
      expect((await vsh('resume', 'lin')).code).toBe(0);
      await waitUntil(
        async () => (await vsh('vcpucount', 'lin', '--live', '--active')).stdout.trim() === '2',
        20_000,
        'the late eject counted',
      );
      expect((await vsh('dumpxml', 'lin')).stdout).toMatch(/<vcpu placement='static' current='2'>3<\/vcpu>/);
      expect((await shell.run('cat /sys/devices/system/cpu/present')).trim()).toBe('0-1');
    },
  );

  it(
    'unplugs an online vCPU with plain setvcpus (the live call); the guest offlines and ejects it',
    { timeout: 45_000 },
    async () => {
      expect((await shell.run('cat /sys/devices/system/cpu/online')).trim()).toBe('0-1');
      const r = await virsh(srv.unixUri, ['setvcpus', 'lin', '1'], { timeoutMs: 40_000 });
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect((await shell.run('cat /sys/devices/system/cpu/present')).trim()).toBe('0');
      expect((await vsh('vcpucount', 'lin', '--live', '--active')).stdout.trim()).toBe('1');
      expect((await vsh('dumpxml', 'lin')).stdout).toMatch(/<vcpu placement='static' current='1'>3<\/vcpu>/);
    },
  );

  it('refuses a hotplug after an unplug under TCG, where qemu would abort, and keeps the guest', async () => {
    const r = await vsh('setvcpus', 'lin', '2', '--live');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('qemu under TCG aborts when a vCPU is plugged after one was unplugged');
    expect(isAlive(pid)).toBe(true);
    expect((await vsh('vcpucount', 'lin', '--live', '--active')).stdout.trim()).toBe('1');
  });

  it('changes the definition with --config and its maximum with --maximum --config', async () => {
    expect((await vsh('setvcpus', 'lin', '3', '--config')).code).toBe(0);
    expect((await vsh('dumpxml', 'lin', '--inactive')).stdout).toMatch(/<vcpu placement='static'>3<\/vcpu>/);
    expect((await vsh('setvcpus', 'lin', '2', '--config')).code).toBe(0);
    expect((await vsh('setvcpus', 'lin', '4', '--maximum', '--config')).code).toBe(0);
    expect((await vsh('dumpxml', 'lin', '--inactive')).stdout).toMatch(
      /<vcpu placement='static' current='2'>4<\/vcpu>/,
    );
    const over = await vsh('setvcpus', 'lin', '5', '--config');
    expect(over.stderr).toContain('greater than max allowable vcpus for the persistent domain: 5 > 4');
  });

  it('writes a PNG screenshot of the VGA screen and leaves no file behind', async () => {
    const out = join(srv.root, 'shot.png');
    const r = await vsh('screenshot', 'lin', out);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain(`Screenshot saved to ${out}, with type of image/png`);
    const png = await readFile(out);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
    const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    expect(width).toBeGreaterThanOrEqual(320);
    expect(height).toBeGreaterThanOrEqual(200);
    const chan = await readdir(join(srv.root, 'run', 'qemu', 'lin.d'));
    expect(chan.filter((f) => f.startsWith('screenshot'))).toEqual([]);
    await rm(out);
  });

  it('delivers send-key keys to the guest keyboard, by Linux name and in the usb codeset', async () => {
    const dev = (
      await shell.run(
        'for d in /sys/class/input/event*; do grep -q keyboard $d/device/name && echo ${d##*/}; done',
      )
    ).trim();
    expect(dev).toMatch(/^event\d+$/);
    // od writes once it has read 9 events (24 bytes each): A down and up, then B down, each as
    // scan code, key and sync; it buffers its output until it exits.
    await shell.run(`od -An -tu2 -w24 -v -N 216 /dev/input/${dev} > /tmp/keys & sleep 0.3`);
    expect((await vsh('send-key', 'lin', 'KEY_A')).code).toBe(0);
    expect((await vsh('send-key', 'lin', '--codeset', 'usb', '--holdtime', '50', '5')).code).toBe(0);
    expect((await vsh('send-key', 'lin', '--codeset', 'win32', 'VK_C')).code).toBe(0);
    const pressed = async (): Promise<number[]> =>
      (await shell.run('cat /tmp/keys'))
        .split('\n')
        .map((line) => line.trim().split(/\s+/).map(Number))
        .filter((w) => w[8] === 1 && w[10] === 1) // EV_KEY, value 1: a press
        .map((w) => w[9] as number);
    await waitUntil(async () => (await pressed()).length >= 2, 10_000, 'two key presses in the guest');
    expect((await pressed()).slice(0, 2)).toEqual([30, 48]); // KEY_A, KEY_B
  });

  it('refuses an unknown key name in virsh and an untranslatable keycode in the server', async () => {
    const name = await vsh('send-key', 'lin', 'KEY_NOPE');
    expect(name.code).toBe(1);
    expect(name.stderr).toContain("invalid keycode: 'KEY_NOPE'");
    const code = await vsh('send-key', 'lin', '--codeset', 'xt', '250');
    expect(code.code).toBe(1);
    expect(code.stderr).toContain('cannot translate keycode 250 of xt codeset to qnum keycode');
  });

  it('injects an NMI that the guest kernel reports on its console', async () => {
    expect((await vsh('inject-nmi', 'lin')).code).toBe(0);
    await waitForText(serialLog, 'NMI received', 10_000);
  });

  it('grows a disk with blockresize; the guest sees the new size', async () => {
    expect((await shell.run('cat /sys/block/vda/size')).trim()).toBe(String((16 << 20) / 512));
    const r = await vsh('blockresize', 'lin', 'vda', '32M');
    expect([r.code, r.stderr]).toEqual([0, '']);
    await waitUntil(
      async () => (await shell.run('cat /sys/block/vda/size')).trim() === String((32 << 20) / 512),
      10_000,
      'vda at 32 MiB in the guest',
    );
    const missing = await vsh('blockresize', 'lin', 'vdz', '32M');
    expect(missing.stderr).toContain("disk 'vdz' was not found in the domain config");
  });

  it('changes the maximum memory in the definition only (setmaxmem, setmem --config)', async () => {
    const live = await vsh('setmaxmem', 'lin', '512M');
    expect(live.code).toBe(1);
    expect(live.stderr).toContain('cannot resize the maximum memory on an active domain');
    expect((await vsh('setmaxmem', 'lin', '512M', '--config')).code).toBe(0);
    expect((await vsh('setmem', 'lin', '128M', '--config')).code).toBe(0);
    const xml = (await vsh('dumpxml', 'lin', '--inactive')).stdout;
    expect(xml).toContain("<memory unit='KiB'>524288</memory>");
    expect(xml).toContain("<currentMemory unit='KiB'>131072</currentMemory>");
    expect((await vsh('dominfo', 'lin')).stdout).toMatch(/Max memory:\s+262144 KiB/);
  });

  it('refuses each action on a shut-off domain: domain is not running', async () => {
    for (const args of [
      ['setvcpus', 'off', '1', '--live'],
      ['screenshot', 'off', join(srv.root, 'x.png')],
      ['send-key', 'off', 'KEY_A'],
      ['inject-nmi', 'off'],
      ['blockresize', 'off', 'vda', '1M'],
      ['setmaxmem', 'off', '1G', '--live'],
    ]) {
      const r = await vsh(...args);
      expect([args[0], r.code, r.stderr]).toEqual([
        args[0],
        1,
        expect.stringContaining('domain is not running'),
      ]);
    }
    expect(existsSync(join(srv.root, 'x.png'))).toBe(false);
  });
});
