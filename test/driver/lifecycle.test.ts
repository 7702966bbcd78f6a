import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DomainState } from '../../src/connection.js';
import {
  EventType,
  ListFlags,
  PausedReason,
  QemuDriver,
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
import { BOOT_SECTOR_MARKER, ensureGuests, type GuestPaths } from '../../scripts/guests/paths.js';
import {
  EventLog,
  buildBootSectorXml,
  cleanupRoot,
  isAlive,
  makeRoot,
  openDriver,
  readPidFile,
  waitForText,
} from './helpers.js';

describe('domain lifecycle with the boot-sector guest (TCG)', () => {
  let guests: GuestPaths;
  let root = '';
  let image = '';
  const drivers: QemuDriver[] = [];
  const pids: number[] = [];

  beforeAll(async () => {
    guests = await ensureGuests();
  }, 600_000);

  afterEach(async () => {
    const left = await cleanupRoot(root, drivers);
    expect(left).toEqual([]);
    for (const pid of pids.splice(0)) expect(isAlive(pid)).toBe(false);
  });

  async function setup(): Promise<QemuDriver> {
    ({ root, image } = await makeRoot(guests.bootSectorImage));
    const driver = await openDriver(root);
    drivers.push(driver);
    return driver;
  }

  it('defines, starts, suspends, resumes, resets and destroys, with states and events in order', async () => {
    const driver = await setup();
    const events = new EventLog();
    await driver.onDomainLifecycle(events.listener);
    const dom = await driver.domainDefineXML(buildBootSectorXml('life', image));
    expect(dom.id).toBe(-1);
    expect(existsSync(join(root, 'etc', 'qemu', 'life.xml'))).toBe(true);
    expect(await driver.domainGetState(dom)).toEqual({
      state: DomainState.SHUTOFF,
      reason: ShutoffReason.UNKNOWN,
    });

    const started = await driver.domainCreate(dom);
    const pid = readPidFile(root, 'life');
    pids.push(pid);
    expect(started.id).toBeGreaterThan(0);
    expect(await driver.domainGetState(dom)).toEqual({
      state: DomainState.RUNNING,
      reason: RunningReason.BOOTED,
    });
    await waitForText(join(root, 'log', 'qemu', 'life.serial.log'), BOOT_SECTOR_MARKER, 10_000);
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
    expect(existsSync(join(root, 'run', 'qemu', 'life.xml'))).toBe(false);
    expect(existsSync(join(root, 'run', 'qemu', 'life.pid'))).toBe(false);
    await expect(driver.domainDestroy(dom)).rejects.toMatchObject({
      message: 'Requested operation is not valid: domain is not running',
    });

    await driver.domainUndefine(dom);
    expect(existsSync(join(root, 'etc', 'qemu', 'life.xml'))).toBe(false);
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
    const driver = await setup();
    const events = new EventLog();
    const dom = await driver.domainDefineXML(buildBootSectorXml('paused', image));
    await driver.onDomainLifecycle(events.listener, dom);
    const first = await driver.domainCreate(dom, 1);
    pids.push(readPidFile(root, 'paused'));
    expect(await driver.domainGetState(dom)).toEqual({
      state: DomainState.PAUSED,
      reason: PausedReason.USER,
    });
    await driver.domainDestroy(dom);
    const second = await driver.domainCreate(dom);
    pids.push(readPidFile(root, 'paused'));
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
    const driver = await setup();
    const dom = await driver.domainCreateXML(buildBootSectorXml('transient', image));
    pids.push(readPidFile(root, 'transient'));
    expect(await driver.domainIsPersistent(dom)).toBe(false);
    expect((await driver.listAllDomains(ListFlags.TRANSIENT)).map((d) => d.name)).toEqual(['transient']);
    expect(await driver.listAllDomains(ListFlags.PERSISTENT)).toEqual([]);
    expect(existsSync(join(root, 'etc', 'qemu', 'transient.xml'))).toBe(false);
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
    const driver = await setup();
    expect(await driver.getType()).toBe('QEMU');
    const { stdout } = await run(['qemu-system-x86_64', '--version']);
    const [, major, minor, micro] = /version (\d+)\.(\d+)\.(\d+)/.exec(stdout) ?? [];
    expect(await driver.getVersion()).toBe(BigInt(Number(major) * 1e6 + Number(minor) * 1e3 + Number(micro)));
    const dom = await driver.domainDefineXML(buildBootSectorXml('look', image));
    expect(await driver.lookupDomainByUUID(dom.uuid.toUpperCase())).toEqual(dom);
    await expect(driver.lookupDomainByUUID('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      message: "Domain not found: no domain with matching uuid '00000000-0000-4000-8000-000000000000'",
    });
    await expect(driver.lookupDomainByID(1)).rejects.toMatchObject({
      message: 'Domain not found: no domain with matching id 1',
    });
    expect(await driver.domainGetOSType(dom)).toBe('hvm');
    expect(driver.findDomainUsingPath(image)).toBeUndefined();
    const running = await driver.domainCreate(dom);
    pids.push(readPidFile(root, 'look'));
    expect(driver.findDomainUsingPath(image)).toBe('look');
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
    expect(driver.findDomainUsingPath(image)).toBeUndefined();
    expect((await driver.domainGetInfo(dom)).cpuTimeNs).toBe(0n);
  });

  it('filters lists by virConnectListAllDomainsFlags', async () => {
    const driver = await setup();
    await driver.domainDefineXML(buildBootSectorXml('off', image));
    const on = await driver.domainDefineXML(buildBootSectorXml('on', join(root, 'other.img')));
    await driver.domainSetAutostart(on, true);
    expect(existsSync(join(root, 'etc', 'qemu', 'autostart', 'on.xml'))).toBe(true);
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
  let guests: GuestPaths;
  let root = '';
  let image = '';
  const drivers: QemuDriver[] = [];
  const pids: number[] = [];

  beforeAll(async () => {
    guests = await ensureGuests();
  }, 600_000);

  afterEach(async () => {
    expect(await cleanupRoot(root, drivers)).toEqual([]);
    for (const pid of pids.splice(0)) expect(isAlive(pid)).toBe(false);
  });

  it('escalates to destroy when a guest ignores the power button, or fails without escalation', async () => {
    ({ root, image } = await makeRoot(guests.bootSectorImage));
    const driver = await openDriver(root);
    drivers.push(driver);
    const events = new EventLog();
    await driver.onDomainLifecycle(events.listener);
    const dom = await driver.domainDefineXML(buildBootSectorXml('deaf', image));
    await driver.domainCreate(dom);
    pids.push(readPidFile(root, 'deaf'));
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
    ({ root, image } = await makeRoot(guests.bootSectorImage));
    const driver = await openDriver(root);
    drivers.push(driver);
    const xml = buildBootSectorXml('vnc', image).replace(
      '<devices>',
      "<devices>\n    <graphics type='vnc' autoport='yes' listen='127.0.0.1'/>",
    );
    const dom = await driver.domainCreateXML(xml);
    pids.push(readPidFile(root, 'vnc'));
    const port = Number(/<graphics type='vnc' port='(\d+)'/.exec(await driver.domainGetXMLDesc(dom))?.[1]);
    expect(port).toBeGreaterThanOrEqual(5900);
    await driver.domainDestroy(dom);
  });
});
