import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DomainState } from '../../src/connection.js';
import {
  EventType,
  ListFlags,
  PausedReason,
  RunningReason,
  ShutoffReason,
  StartedDetail,
  StoppedDetail,
  SuspendedDetail,
  ResumedDetail,
  DefinedDetail,
  UndefinedDetail,
} from '../../src/driver/index.js';
import { run } from '../../src/exec/index.js';
import { BOOT_SECTOR_MARKER } from '../../scripts/guests/paths.js';
import { EventLog, buildBootSectorXml, isAlive, readPidFile, waitForText } from './helpers.js';
import { useDriverHarness } from './harness.js';

describe('domain lifecycle with the boot-sector guest (TCG)', () => {
  const h = useDriverHarness();

  it('defines, starts, suspends, resumes, resets and destroys, with states and events in order', async () => {
    const driver = await h.setup();
    const events = new EventLog();
    await driver.onDomainLifecycle(events.listener);
    const dom = await driver.domainDefineXML(buildBootSectorXml('life', h.image));
    expect(dom.id).toBe(-1);
    expect(existsSync(join(h.root, 'etc', 'qemu', 'life.xml'))).toBe(true);
    expect(await driver.domainGetState(dom)).toEqual({
      state: DomainState.SHUTOFF,
      reason: ShutoffReason.UNKNOWN,
    });

    const started = await driver.domainCreate(dom);
    const pid = readPidFile(h.root, 'life');
    h.pids.push(pid);
    expect(started.id).toBeGreaterThan(0);
    expect(await driver.domainGetState(dom)).toEqual({
      state: DomainState.RUNNING,
      reason: RunningReason.BOOTED,
    });
    await waitForText(join(h.root, 'log', 'qemu', 'life.serial.log'), BOOT_SECTOR_MARKER, 10_000);
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain(dom.uuid);
    expect(await driver.domainIsActive(dom)).toBe(true);
    expect((await driver.lookupDomainByID(started.id)).name).toBe('life');
    expect(await driver.domainGetXMLDesc(dom)).toContain(`id='${started.id}'`);

    await driver.domainSuspend(dom);
    expect(await driver.domainGetState(dom)).toEqual({
      state: DomainState.PAUSED,
      reason: PausedReason.USER,
    });
    await driver.domainSuspend(dom); // libvirt: suspending a paused domain succeeds and changes nothing
    await expect(driver.domainReboot(dom)).rejects.toMatchObject({
      code: 'ERR_OPERATION_INVALID',
      message: 'Requested operation is not valid: domain is not running',
    });
    await driver.domainResume(dom);
    expect(await driver.domainGetState(dom)).toEqual({
      state: DomainState.RUNNING,
      reason: RunningReason.UNPAUSED,
    });
    await expect(driver.domainResume(dom)).rejects.toMatchObject({
      message: 'Requested operation is not valid: domain is not paused',
    });
    await expect(driver.domainCreate(dom)).rejects.toMatchObject({
      message: 'Requested operation is not valid: domain is already running',
    });
    await driver.domainReset(dom);

    await driver.domainDestroy(dom);
    expect(isAlive(pid)).toBe(false);
    expect(await driver.domainGetState(dom)).toEqual({
      state: DomainState.SHUTOFF,
      reason: ShutoffReason.DESTROYED,
    });
    expect((await driver.lookupDomainByName('life')).id).toBe(-1);
    expect(existsSync(join(h.root, 'run', 'qemu', 'life.xml'))).toBe(false);
    expect(existsSync(join(h.root, 'run', 'qemu', 'life.pid'))).toBe(false);
    await expect(driver.domainDestroy(dom)).rejects.toMatchObject({
      message: 'Requested operation is not valid: domain is not running',
    });

    await driver.domainUndefine(dom);
    expect(existsSync(join(h.root, 'etc', 'qemu', 'life.xml'))).toBe(false);
    await expect(driver.lookupDomainByName('life')).rejects.toMatchObject({
      code: 'ERR_DOMAIN_NOT_FOUND',
      message: "Domain not found: no domain with matching name 'life'",
    });
    await events.waitFor(EventType.UNDEFINED);
    expect(events.pairs()).toEqual([
      [EventType.DEFINED, DefinedDetail.ADDED],
      [EventType.STARTED, StartedDetail.BOOTED],
      [EventType.SUSPENDED, SuspendedDetail.PAUSED],
      [EventType.RESUMED, ResumedDetail.UNPAUSED],
      [EventType.STOPPED, StoppedDetail.DESTROYED],
      [EventType.UNDEFINED, UndefinedDetail.REMOVED],
    ]);
    expect(events.events[1]?.dom.id).toBe(started.id);
  });

  it('starts paused with the PAUSED flag and gives increasing ids', async () => {
    const driver = await h.setup();
    const events = new EventLog();
    const dom = await driver.domainDefineXML(buildBootSectorXml('paused', h.image));
    await driver.onDomainLifecycle(events.listener, dom);
    const first = await driver.domainCreate(dom, 1);
    h.pids.push(readPidFile(h.root, 'paused'));
    expect(await driver.domainGetState(dom)).toEqual({
      state: DomainState.PAUSED,
      reason: PausedReason.USER,
    });
    await driver.domainDestroy(dom);
    const second = await driver.domainCreate(dom);
    h.pids.push(readPidFile(h.root, 'paused'));
    expect(second.id).toBeGreaterThan(first.id);
    await driver.domainDestroy(dom, 1);
    await events.waitFor(EventType.STOPPED, StoppedDetail.DESTROYED);
    expect(events.pairs().slice(0, 3)).toEqual([
      [EventType.STARTED, StartedDetail.BOOTED],
      [EventType.SUSPENDED, SuspendedDetail.PAUSED],
      [EventType.STOPPED, StoppedDetail.DESTROYED],
    ]);
  });

  it('runs a transient domain that vanishes when it stops', async () => {
    const driver = await h.setup();
    const dom = await driver.domainCreateXML(buildBootSectorXml('transient', h.image));
    h.pids.push(readPidFile(h.root, 'transient'));
    expect(await driver.domainIsPersistent(dom)).toBe(false);
    expect((await driver.listAllDomains(ListFlags.TRANSIENT)).map((d) => d.name)).toEqual(['transient']);
    expect(await driver.listAllDomains(ListFlags.PERSISTENT)).toEqual([]);
    expect(existsSync(join(h.root, 'etc', 'qemu', 'transient.xml'))).toBe(false);
    await expect(driver.domainUndefine(dom)).rejects.toMatchObject({
      message: 'Requested operation is not valid: cannot undefine transient domain',
    });
    await driver.domainDestroy(dom);
    await expect(driver.lookupDomainByName('transient')).rejects.toMatchObject({
      code: 'ERR_DOMAIN_NOT_FOUND',
    });
    expect(await driver.listAllDomains()).toEqual([]);
  });

  it('answers host and lookup questions like libvirt: type, version, uuid, id, OS type, disk users', async () => {
    const driver = await h.setup();
    expect(await driver.getType()).toBe('QEMU');
    const { stdout } = await run(['qemu-system-x86_64', '--version']);
    const [, major, minor, micro] = /version (\d+)\.(\d+)\.(\d+)/.exec(stdout) ?? [];
    expect(await driver.getVersion()).toBe(BigInt(Number(major) * 1e6 + Number(minor) * 1e3 + Number(micro)));
    const dom = await driver.domainDefineXML(buildBootSectorXml('look', h.image));
    expect(await driver.lookupDomainByUUID(dom.uuid.toUpperCase())).toEqual(dom);
    await expect(driver.lookupDomainByUUID('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      message: "Domain not found: no domain with matching uuid '00000000-0000-4000-8000-000000000000'",
    });
    await expect(driver.lookupDomainByID(1)).rejects.toMatchObject({
      message: 'Domain not found: no domain with matching id 1',
    });
    expect(await driver.domainGetOSType(dom)).toBe('hvm');
    expect(driver.findDomainUsingPath(h.image)).toBeUndefined();
    const running = await driver.domainCreate(dom);
    h.pids.push(readPidFile(h.root, 'look'));
    expect(driver.findDomainUsingPath(h.image)).toBe('look');
    expect(await driver.lookupDomainByID(running.id)).toEqual(running);
    expect((await driver.listAllDomains(ListFlags.ACTIVE | ListFlags.RUNNING)).map((d) => d.name)).toEqual([
      'look',
    ]);
    const info = await driver.domainGetInfo(dom);
    expect(info).toMatchObject({
      state: DomainState.RUNNING,
      maxMemKiB: 65536n,
      memoryKiB: 65536n,
      nrVirtCpu: 1,
    });
    await driver.domainDestroy(dom);
    expect(driver.findDomainUsingPath(h.image)).toBeUndefined();
    expect((await driver.domainGetInfo(dom)).cpuTimeNs).toBe(0n);
  });

  it('filters lists by virConnectListAllDomainsFlags', async () => {
    const driver = await h.setup();
    await driver.domainDefineXML(buildBootSectorXml('off', h.image));
    const on = await driver.domainDefineXML(buildBootSectorXml('on', join(h.root, 'other.img')));
    await driver.domainSetAutostart(on, true);
    expect(existsSync(join(h.root, 'etc', 'qemu', 'autostart', 'on.xml'))).toBe(true);
    const names = async (flags: number) => (await driver.listAllDomains(flags)).map((d) => d.name);
    expect(await names(0)).toEqual(['off', 'on']);
    expect(await names(ListFlags.ACTIVE)).toEqual([]);
    expect(await names(ListFlags.INACTIVE | ListFlags.AUTOSTART)).toEqual(['on']);
    expect(await names(ListFlags.NO_AUTOSTART)).toEqual(['off']);
    expect(await names(ListFlags.SHUTOFF)).toEqual(['off', 'on']);
    expect(await names(ListFlags.RUNNING | ListFlags.PAUSED)).toEqual([]);
  });
});

describe('shutdown with a timeout, and VNC autoport', () => {
  const h = useDriverHarness();

  it('escalates to destroy when a guest ignores the power button, or fails without escalation', async () => {
    const driver = await h.setup();
    const events = new EventLog();
    await driver.onDomainLifecycle(events.listener);
    const dom = await driver.domainDefineXML(buildBootSectorXml('deaf', h.image));
    await driver.domainCreate(dom);
    h.pids.push(readPidFile(h.root, 'deaf'));
    // The boot-sector guest has no ACPI driver: the button press does nothing.
    await expect(driver.domainShutdownWait(dom, { timeoutMs: 300 })).rejects.toMatchObject({
      code: 'ERR_OPERATION_FAILED',
      message: "domain 'deaf' did not shut down within 300 ms; destroy it, or wait longer",
    });
    expect((await driver.domainGetState(dom)).state).toBe(DomainState.RUNNING);
    expect(await driver.domainShutdownWait(dom, { timeoutMs: 300, escalate: true })).toBe('destroyed');
    expect(await driver.domainGetState(dom)).toEqual({
      state: DomainState.SHUTOFF,
      reason: ShutoffReason.DESTROYED,
    });
    expect((await events.waitFor(EventType.STOPPED)).detail).toBe(StoppedDetail.DESTROYED);
  });

  it('shows the VNC port qemu picked for autoport in the live XML', async () => {
    const driver = await h.setup();
    const xml = buildBootSectorXml('vnc', h.image).replace(
      '<devices>',
      "<devices>\n    <graphics type='vnc' autoport='yes' listen='127.0.0.1'/>",
    );
    const dom = await driver.domainCreateXML(xml);
    h.pids.push(readPidFile(h.root, 'vnc'));
    const port = Number(/<graphics type='vnc' port='(\d+)'/.exec(await driver.domainGetXMLDesc(dom))?.[1]);
    expect(port).toBeGreaterThanOrEqual(5900);
    await driver.domainDestroy(dom);
  });
});
