/**
 * setvcpus, setmaxmem, blockresize, send-key, screenshot and inject-nmi through the built CLI against a
 * running boot-sector guest (TCG) on an embedded root, checked through the CLI's own views and the host.
 */
import { readFileSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../scripts/guests/paths.js';
import { findQemuBinary } from '../../src/kvm/index.js';
import { buildScreenshotName, parseKeycode } from '../../src/cli/commands/domain-input.js';
import { KeycodeSet } from '../../src/api/keycodes.js';
import { cleanupRoot, isAlive, readPidFile } from '../driver/helpers.js';
import { hasCli, makeCliRoot, tsvirt } from './cli-harness.js';

const hasQemu = findQemuBinary() !== undefined;
if (!hasQemu) console.warn('skipping the CLI live-resource tests: qemu-system-x86_64 is absent');

/** A boot-sector guest with one vCPU of two, a VGA screen, and a 1 MiB raw disk. */
function buildXml(name: string, image: string): string {
  return `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu current='1'>2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/><apic/></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${image}'/><target dev='hda' bus='ide'/></disk>
    <serial type='pty'><target port='0'/></serial>
    <video><model type='vga'/></video>
  </devices>
</domain>`;
}

describe('CLI argument parsing of send-key and screenshot', () => {
  it('takes key names of the codeset, decimal and hex numbers, and refuses the rest', () => {
    expect(parseKeycode(KeycodeSet.LINUX, 'KEY_A')).toBe(30);
    expect(parseKeycode(KeycodeSet.WIN32, 'VK_RETURN')).toBe(0x0d);
    expect(parseKeycode(KeycodeSet.USB, '4')).toBe(4);
    expect(parseKeycode(KeycodeSet.QNUM, '0x1E')).toBe(0x1e);
    expect(() => parseKeycode(KeycodeSet.LINUX, 'VK_A')).toThrow("invalid keycode: 'VK_A'");
    expect(() => parseKeycode(KeycodeSet.USB, '-4')).toThrow("invalid keycode: '-4'");
  });

  it("names a screenshot file as virsh does: domain, local date and time, and the type's extension", () => {
    const at = new Date(2024, 0, 2, 3, 4, 5);
    expect(buildScreenshotName('web', 'image/png', at)).toBe('web-2024-01-02-03:04:05.png');
    expect(buildScreenshotName('web', 'image/x-portable-pixmap', at)).toBe('web-2024-01-02-03:04:05.ppm');
  });
});

describe.skipIf(!hasCli || !hasQemu)(
  'tsvirt live resources and guest actions (boot-sector guest, TCG)',
  () => {
    let root = '';
    let image = '';
    let pid = 0;
    const t = (...args: string[]) => tsvirt(root, args);

    beforeAll(async () => {
      const guests = await ensureGuests();
      ({ root } = await makeCliRoot());
      image = join(root, 'boot.img');
      await writeFile(image, readFileSync(guests.bootSectorImage));
      const xml = join(root, 'demo.xml');
      await writeFile(xml, buildXml('demo', image));
      expect((await t('define', xml)).code).toBe(0);
      await writeFile(xml, buildXml('off', image));
      expect((await t('define', xml)).code).toBe(0);
      expect((await t('start', 'demo')).code).toBe(0);
      pid = readPidFile(root, 'demo');
    }, 60_000);

    afterAll(async () => {
      if (!root) return;
      await t('destroy', 'demo');
      expect(await cleanupRoot(root, [])).toEqual([]);
      if (pid) expect(isAlive(pid)).toBe(false);
    }, 30_000);

    it('setvcpus plugs a vCPU into the running guest and refuses more than the maximum', async () => {
      expect(await t('setvcpus', 'demo', '2')).toEqual({ code: 0, stdout: '\n', stderr: '' });
      const vcpus = JSON.parse((await t('vcpuinfo', 'demo', '--json')).stdout) as unknown[];
      expect(vcpus).toHaveLength(2);
      expect((await t('dumpxml', 'demo')).stdout).toContain("<vcpu placement='static'>2</vcpu>");
      const over = await t('setvcpus', 'demo', '3', '--live');
      expect(over.code).toBe(1);
      expect(over.stderr).toContain(
        'requested vcpus is greater than max allowable vcpus for the live domain: 3 > 2',
      );
      expect((await t('setvcpus', 'demo', 'two')).stderr).toContain("invalid vcpu count 'two'");
    }, 30_000);

    it('setvcpus --maximum --config changes the definition only', async () => {
      expect((await t('setvcpus', 'demo', '4', '--maximum', '--config')).code).toBe(0);
      expect((await t('dumpxml', 'demo', '--inactive')).stdout).toContain(
        "<vcpu placement='static' current='1'>4</vcpu>",
      );
      expect((await t('dumpxml', 'demo')).stdout).toContain("<vcpu placement='static'>2</vcpu>");
      const live = await t('setvcpus', 'demo', '4', '--maximum', '--live');
      expect(live.stderr).toContain("maximum vcpu count of a live domain can't be modified");
    }, 30_000);

    it('setmaxmem changes the definition, and refuses the running domain without --config', async () => {
      const live = await t('setmaxmem', 'demo', '128M');
      expect(live.code).toBe(1);
      expect(live.stderr).toContain('cannot resize the maximum memory on an active domain');
      expect((await t('setmaxmem', 'demo', '128M', '--config')).code).toBe(0);
      expect((await t('dumpxml', 'demo', '--inactive')).stdout).toContain(
        "<memory unit='KiB'>131072</memory>",
      );
      expect((await t('setmaxmem', 'off', '96M')).code).toBe(0);
      expect((await t('dumpxml', 'off')).stdout).toContain("<memory unit='KiB'>98304</memory>");
    }, 30_000);

    it('blockresize grows the disk image to the size given (KiB by default)', async () => {
      expect(statSync(image).size).toBe(1 << 20);
      expect(await t('blockresize', 'demo', 'hda', '2M')).toEqual({
        code: 0,
        stdout: "Block device 'hda' is resized\n\n",
        stderr: '',
      });
      expect(statSync(image).size).toBe(2 << 20);
      expect((await t('blockresize', 'demo', image, '3072')).code).toBe(0);
      expect(statSync(image).size).toBe(3 << 20);
      const missing = await t('blockresize', 'demo', 'vdz', '1M');
      expect(missing.stderr).toContain("disk 'vdz' was not found in the domain config");
    }, 30_000);

    it('send-key sends names and numbers, and refuses unknown names, codesets and untranslatable codes', async () => {
      expect(await t('send-key', 'demo', 'KEY_LEFTCTRL', 'KEY_A')).toEqual({
        code: 0,
        stdout: '\n',
        stderr: '',
      });
      expect((await t('send-key', 'demo', '--codeset', 'usb', '--holdtime', '20', '0x04')).code).toBe(0);
      expect((await t('send-key', 'demo', '--codeset', 'win32', 'VK_CONTROL', 'VK_C')).code).toBe(0);
      expect((await t('send-key', 'demo', 'KEY_NOPE')).stderr).toBe("error: invalid keycode: 'KEY_NOPE'\n");
      expect((await t('send-key', 'demo', '--codeset', 'ebcdic', '1')).stderr).toBe(
        "error: unknown codeset: 'ebcdic'\n",
      );
      expect((await t('send-key', 'demo')).stderr).toBe('error: send-key: give 1 to 16 keycodes\n');
      const code = await t('send-key', 'demo', '--codeset', 'xt', '250');
      expect(code.code).toBe(1);
      expect(code.stderr).toContain('cannot translate keycode 250 of xt codeset to qnum keycode');
    }, 30_000);

    it('screenshot writes a PNG of the VGA screen to the file given', async () => {
      const file = join(root, 'shot.png');
      expect(await t('screenshot', 'demo', '--file', file)).toEqual({
        code: 0,
        stdout: `Screenshot saved to ${file}, with type of image/png\n\n`,
        stderr: '',
      });
      const png = await readFile(file);
      expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([720, 400]); // VGA text mode
      const screen = await t('screenshot', 'demo', join(root, 'two.png'), '--screen', '1');
      expect(screen.code).toBe(1);
    }, 30_000);

    it('inject-nmi succeeds on the running guest; each verb refuses a shut-off domain', async () => {
      expect(await t('inject-nmi', 'demo')).toEqual({ code: 0, stdout: '\n', stderr: '' });
      for (const args of [
        ['inject-nmi', 'off'],
        ['send-key', 'off', 'KEY_A'],
        ['screenshot', 'off', join(root, 'off.png')],
        ['blockresize', 'off', 'hda', '4M'],
        ['setvcpus', 'off', '2', '--live'],
      ]) {
        const r = await t(...args);
        expect([args[0], r.code, r.stderr]).toEqual([
          args[0],
          1,
          expect.stringContaining('domain is not running'),
        ]);
      }
      expect(statSync(image).size).toBe(3 << 20);
    }, 60_000);

    it('documents each verb in --help with the options it takes', async () => {
      const help = async (verb: string) => (await t(verb, '--help')).stdout;
      expect(await help('setvcpus')).toContain(
        '[--maximum] [--config] [--live] [--current] [--hotpluggable]',
      );
      expect(await help('setmaxmem')).toContain('Usage: tsvirt setmaxmem <domain> <size>');
      expect(await help('blockresize')).toContain('Usage: tsvirt blockresize <domain> <path> <size>');
      expect(await help('send-key')).toContain('[--codeset NAME] [--holdtime MS] <keycode>...');
      expect(await help('screenshot')).toContain('[--file PATH] [--screen N]');
      expect(await help('inject-nmi')).toContain('Usage: tsvirt inject-nmi <domain>');
      expect((await t('help')).stdout).toMatch(/send-key +send keycodes to the guest/);
    }, 30_000);
  },
);
