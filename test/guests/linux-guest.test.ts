import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { QmpClient, type QmpEvent } from '../../src/qmp/index.js';
import {
  LINUX_POWEROFF_MARKER,
  LINUX_READY_MARKER,
  LINUX_REBOOT_MARKER,
  ensureGuests,
  type GuestPaths,
} from '../../scripts/guests/paths.js';
import {
  countOccurrences,
  isPidAlive,
  startQemu,
  stopQemu,
  waitForExit,
  waitForSerial,
} from './qemu-harness.js';

/** Bound on one Linux boot under TCG (about 2-4 s here; the machine is shared). */
const BOOT_TIMEOUT_MS = 20_000;

describe('Linux guest under TCG', () => {
  let paths: GuestPaths;
  beforeAll(async () => {
    paths = await ensureGuests();
  }, 600_000);

  const startLinux = (append: string, options: { serialSocket?: boolean } = {}) =>
    startQemu(
      [
        ...['-accel', 'tcg', '-m', '256'],
        ...['-kernel', paths.linuxKernel, '-initrd', paths.linuxInitrd],
        ...['-append', `console=ttyS0 quiet ${append}`.trim()],
      ],
      options,
    );

  it('prints READY, then powers off cleanly on system_powerdown', async () => {
    const qemu = await startLinux('');
    try {
      const readyMs = await waitForSerial(qemu, LINUX_READY_MARKER, BOOT_TIMEOUT_MS);
      console.log(`linux guest: READY ${readyMs.toFixed(0)} ms after spawn (tcg, 256 MiB)`);
      const client = await QmpClient.connect(qemu.qmpSocket);
      const events: QmpEvent[] = [];
      client.on('event', (event) => events.push(event));
      const sentAt = performance.now();
      await client.execute('system_powerdown');
      const exit = await waitForExit(qemu, 10_000);
      console.log(`linux guest: exit ${(performance.now() - sentAt).toFixed(0)} ms after system_powerdown`);
      client.close();
      expect(exit).toEqual({ exitCode: 0, signal: undefined });
      expect(await readFile(qemu.serialLog, 'latin1')).toContain(LINUX_POWEROFF_MARKER);
      expect(events.map((e) => e.event)).toContain('POWERDOWN');
    } finally {
      await stopQemu(qemu);
      expect(isPidAlive(qemu.child.pid)).toBe(false);
    }
  });

  it('powers itself off after tsvirt.poweroff=N seconds', async () => {
    const qemu = await startLinux('tsvirt.poweroff=2');
    try {
      await waitForSerial(qemu, LINUX_READY_MARKER, BOOT_TIMEOUT_MS);
      const exit = await waitForExit(qemu, 10_000);
      expect(exit).toEqual({ exitCode: 0, signal: undefined });
      const log = await readFile(qemu.serialLog, 'latin1');
      expect(log.indexOf(LINUX_POWEROFF_MARKER)).toBeGreaterThan(log.indexOf(LINUX_READY_MARKER));
    } finally {
      await stopQemu(qemu);
      expect(isPidAlive(qemu.child.pid)).toBe(false);
    }
  });

  it('reboots itself after tsvirt.reboot=N seconds and boots to READY again', async () => {
    const qemu = await startLinux('tsvirt.reboot=2');
    try {
      await waitForSerial(qemu, LINUX_READY_MARKER, 2 * BOOT_TIMEOUT_MS, 2);
      const log = await readFile(qemu.serialLog, 'latin1');
      expect(countOccurrences(log, LINUX_REBOOT_MARKER)).toBeGreaterThanOrEqual(1);
      expect(isPidAlive(qemu.child.pid)).toBe(true);
    } finally {
      await stopQemu(qemu);
      expect(isPidAlive(qemu.child.pid)).toBe(false);
    }
  });

  it('runs an interactive shell on ttyS0 with tsvirt.shell=1', async () => {
    const qemu = await startLinux('tsvirt.shell=1', { serialSocket: true });
    let socket: Socket | undefined;
    try {
      socket = await connectWhenListening(qemu.serialSocket, 5_000);
      let output = '';
      socket.on('data', (chunk: Buffer) => (output += chunk.toString('latin1')));
      await waitFor(
        () => output.includes(LINUX_READY_MARKER),
        BOOT_TIMEOUT_MS,
        () => output,
      );
      // Typed text is echoed back verbatim; only the shell's own output holds "42".
      socket.write('echo tsvirt-$((6*7)); tty\n');
      await waitFor(
        () => output.includes('tsvirt-42') && output.includes('/dev/ttyS0'),
        10_000,
        () => output,
      );
    } finally {
      socket?.destroy();
      await stopQemu(qemu);
      expect(isPidAlive(qemu.child.pid)).toBe(false);
    }
  });
});

/** Connect to a unix socket, retrying while qemu has not created it yet. */
async function connectWhenListening(path: string, timeoutMs: number): Promise<Socket> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = connect(path, () => resolve(socket));
        socket.once('error', reject);
      });
    } catch (err) {
      if (performance.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Poll `ready` every 50 ms; throw with `describe()` in the message after `timeoutMs`. */
async function waitFor(ready: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!ready()) {
    if (performance.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms; tail:\n${describe().slice(-800)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
