import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DomainState } from '../../src/connection.js';
import { EventType, ShutdownDetail, ShutoffReason, StoppedDetail } from '../../src/driver/index.js';
import {
  LINUX_POWEROFF_MARKER,
  LINUX_READY_MARKER,
  LINUX_REBOOT_MARKER,
} from '../../scripts/guests/paths.js';
import { EventLog, isAlive, buildLinuxXml, readPidFile, waitForText } from './helpers.js';
import { useDriverHarness } from './harness.js';

/** Bound on one Linux boot under TCG on a shared 2-core machine. */
const BOOT_MS = 30_000;

describe('ACPI shutdown, reboot and lifecycle actions with the Linux guest (TCG)', () => {
  const h = useDriverHarness();

  async function boot(name: string, opts: Parameters<typeof buildLinuxXml>[2] = {}) {
    const driver = await h.setup();
    const events = new EventLog();
    await driver.onDomainLifecycle(events.listener);
    const dom = await driver.domainCreateXML(buildLinuxXml(name, h.guests, opts));
    const pid = readPidFile(h.root, name);
    h.pids.push(pid);
    const serial = join(h.root, 'log', 'qemu', `${name}.serial.log`);
    await waitForText(serial, LINUX_READY_MARKER, BOOT_MS);
    return { driver, dom, pid, events, serial };
  }

  it('shuts down on the ACPI button: SHUTDOWN/guest, then STOPPED/shutdown and shutoff (shutdown)', async () => {
    const { driver, dom, pid, events, serial } = await boot('acpi-off');
    await driver.domainShutdown(dom);
    await events.waitFor(EventType.STOPPED);
    await waitForText(serial, LINUX_POWEROFF_MARKER, 1_000);
    expect(events.pairs().slice(1)).toEqual([
      [EventType.SHUTDOWN, ShutdownDetail.GUEST],
      [EventType.STOPPED, StoppedDetail.SHUTDOWN],
    ]);
    expect(isAlive(pid)).toBe(false);
    // A transient domain is gone once stopped.
    await expect(driver.domainGetState(dom)).rejects.toMatchObject({ code: 'ERR_DOMAIN_NOT_FOUND' });
  }, 60_000);

  it('reboots through ACPI in the same qemu process and stays running', async () => {
    const { driver, dom, pid, events, serial } = await boot('acpi-reboot');
    await driver.domainReboot(dom);
    await waitForText(serial, LINUX_READY_MARKER, BOOT_MS, 2);
    expect(readPidFile(h.root, 'acpi-reboot')).toBe(pid);
    expect((await driver.domainGetState(dom)).state).toBe(DomainState.RUNNING);
    expect(events.pairs().map(([e]) => e)).toEqual([EventType.STARTED]);
    // The fake reboot is over: the next power button press stops the guest for good.
    await driver.domainShutdown(dom);
    expect((await events.waitFor(EventType.STOPPED)).detail).toBe(StoppedDetail.SHUTDOWN);
  }, 90_000);

  it('restarts a guest that powers itself off when on_poweroff is restart', async () => {
    const { driver, dom, pid, events, serial } = await boot('restart', {
      append: 'tsvirt.poweroff=1',
      onPoweroff: 'restart',
    });
    await waitForText(serial, LINUX_READY_MARKER, BOOT_MS, 2);
    expect(readPidFile(h.root, 'restart')).toBe(pid);
    expect((await driver.domainGetState(dom)).state).toBe(DomainState.RUNNING);
    expect(events.pairs().map(([e]) => e)).toEqual([EventType.STARTED]);
    await driver.domainDestroy(dom);
  }, 90_000);

  it('stops a guest that reboots itself when on_reboot is destroy', async () => {
    const driver = await h.setup();
    const dom = await driver.domainDefineXML(
      buildLinuxXml('no-reboot', h.guests, { append: 'tsvirt.reboot=1', onReboot: 'destroy' }),
    );
    const events = new EventLog();
    await driver.onDomainLifecycle(events.listener, dom);
    await driver.domainCreate(dom);
    h.pids.push(readPidFile(h.root, 'no-reboot'));
    await events.waitFor(EventType.STOPPED, undefined, BOOT_MS);
    await waitForText(join(h.root, 'log', 'qemu', 'no-reboot.serial.log'), LINUX_REBOOT_MARKER, 1_000);
    expect(events.pairs()).toEqual([
      [EventType.STARTED, 0],
      [EventType.SHUTDOWN, ShutdownDetail.GUEST],
      [EventType.STOPPED, StoppedDetail.SHUTDOWN],
    ]);
    expect(await driver.domainGetState(dom)).toEqual({
      state: DomainState.SHUTOFF,
      reason: ShutoffReason.SHUTDOWN,
    });
  }, 60_000);
});
