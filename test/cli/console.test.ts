import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests, LINUX_READY_MARKER } from '../../scripts/guests/paths.js';
import { findQemuBinary } from '../../src/kvm/index.js';
import {
  cleanupRoot,
  isAlive,
  buildLinuxXml,
  readPidFile,
  waitForText,
  waitUntil,
} from '../driver/helpers.js';
import { hasCli, makeCliRoot, tsvirt } from './cli-harness.js';

const hasQemu = findQemuBinary() !== undefined;
if (!hasQemu) console.warn('skipping the CLI console tests: qemu-system-x86_64 is absent');
const BANNER = "Connected to domain 'lin'\nEscape character is ^] (Ctrl + ])\n";
const ESC = '\x1d';

describe.skipIf(!hasCli || !hasQemu)('tsvirt console with the Linux guest (TCG)', () => {
  let root = '';
  let pid = 0;
  const t = (args: string[], input?: string) =>
    tsvirt(root, args, input === undefined ? {} : { input, timeoutMs: 20_000 });

  beforeAll(async () => {
    const guests = await ensureGuests();
    ({ root } = await makeCliRoot());
    const xml = join(root, 'lin.xml');
    await writeFile(xml, buildLinuxXml('lin', guests, { append: 'tsvirt.shell=1' }));
    expect((await t(['define', xml])).code).toBe(0);
    expect((await t(['start', 'lin'])).code).toBe(0);
    pid = readPidFile(root, 'lin');
    const serialLog = join(root, 'log', 'qemu', 'lin.serial.log');
    await waitForText(serialLog, LINUX_READY_MARKER, 60_000);
    await waitForText(serialLog, '/ # ', 30_000);
  }, 120_000);

  afterAll(async () => {
    if (!root) return;
    await t(['destroy', 'lin']).catch(() => undefined);
    if (pid) expect(isAlive(pid)).toBe(false);
    expect(await cleanupRoot(root, [])).toEqual([]);
  }, 30_000);

  it('copies piped input to the guest shell and its answer to stdout; Ctrl-] leaves with exit 0', async () => {
    const r = await t(['console', 'lin'], `echo hello-$((6*7))\n${ESC}`);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.startsWith(BANNER)).toBe(true);
    expect(r.stdout).toMatch(/\r?\nhello-42\r?\n/);
    expect(isAlive(pid)).toBe(true);
  }, 30_000);

  it('a second console fails while one is open; --force takes the console over and the first one ends', async () => {
    // No input: stdin is /dev/null, so the first console stays attached until it is taken over.
    const first = t(['console', 'lin'], '');
    const holder = join(root, 'run', 'qemu', 'lin.console-holder');
    await waitUntil(() => existsSync(holder), 10_000, 'the first console to attach');
    expect(await t(['console', 'lin'], ESC)).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: operation failed: Active console session exists for this domain\n',
    });
    const forced = await t(['console', 'lin', '--force'], `echo again-$((2+3))\n${ESC}`);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/\r?\nagain-5\r?\n/);
    expect(await first).toEqual({ code: 0, stdout: BANNER, stderr: '' });
  }, 40_000);

  it('the console of a domain that is not running is refused', async () => {
    const xml = join(root, 'off.xml');
    await writeFile(xml, buildLinuxXml('off', { linuxKernel: '/nonexistent', linuxInitrd: '/nonexistent' }));
    expect((await t(['define', xml])).code).toBe(0);
    expect(await t(['console', 'off'], ESC)).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: Requested operation is not valid: domain is not running\n',
    });
  }, 20_000);
});
