import { existsSync, readFileSync, statSync } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DomainState } from '../../src/connection.js';
import { spawnDetached } from '../../src/exec/index.js';
import { QmpClient } from '../../src/qmp/index.js';
import {
  EventType,
  PausedReason,
  QemuDriver,
  RunningReason,
  ShutoffReason,
  StoppedDetail,
} from '../../src/driver/index.js';
import {
  EventLog,
  buildBootSectorXml,
  isAlive,
  openDriver,
  readPidFile,
  waitForText,
  waitUntil,
} from './helpers.js';
import { useDriverHarness } from './harness.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/hold-driver.ts', import.meta.url));
const START_AND_EXIT = fileURLToPath(new URL('./fixtures/start-and-exit.ts', import.meta.url));
const VITE_NODE = fileURLToPath(new URL('../../node_modules/.bin/vite-node', import.meta.url));

describe('supervision and re-adoption of qemu processes', () => {
  const h = useDriverHarness({ killTracked: true });

  async function startGuest(driver: QemuDriver, name: string) {
    const dom = await driver.domainDefineXML(buildBootSectorXml(name, h.image));
    await driver.domainCreate(dom);
    const pid = readPidFile(h.root, name);
    h.pids.push(pid);
    return { dom: await driver.lookupDomainByName(name), pid };
  }

  it('reports a kill -9 of qemu as shutoff (crashed) with event STOPPED/FAILED', async () => {
    const driver = await h.setup();
    const { dom, pid } = await startGuest(driver, 'victim');
    const events = new EventLog();
    await driver.onDomainLifecycle(events.listener, dom);
    process.kill(pid, 'SIGKILL');
    const ev = await events.waitFor(EventType.STOPPED);
    expect(ev.detail).toBe(StoppedDetail.FAILED);
    expect(ev.dom.id).toBe(dom.id);
    expect(await driver.domainGetState(dom)).toEqual({
      state: DomainState.SHUTOFF,
      reason: ShutoffReason.CRASHED,
    });
    expect(existsSync(join(h.root, 'run', 'qemu', 'victim.xml'))).toBe(false);
    expect(existsSync(join(h.root, 'run', 'qemu', 'victim.d'))).toBe(false);
  });

  it('leaves guests running on close, and a new driver re-adopts them with the same pid', async () => {
    const first = await h.setup();
    const { dom, pid } = await startGuest(first, 'keeper');
    await copyFile(h.image, join(h.root, 'p.img'));
    const transient = await first.domainCreateXML(buildBootSectorXml('passing', join(h.root, 'p.img')));
    h.pids.push(readPidFile(h.root, 'passing'));
    await first.close();
    expect(isAlive(pid)).toBe(true);

    const second = await openDriver(h.root);
    h.drivers.push(second);
    const again = await second.lookupDomainByName('keeper');
    expect(again).toEqual(dom);
    expect(await second.domainGetState(again)).toEqual({
      state: DomainState.RUNNING,
      reason: RunningReason.BOOTED,
    });
    expect(readPidFile(h.root, 'keeper')).toBe(pid);
    expect(await second.domainIsPersistent(await second.lookupDomainByName('passing'))).toBe(false);
    expect((await second.lookupDomainByName('passing')).id).toBe(transient.id);
    // The monitor is back: a QMP round trip works and shows the same process.
    const vcpus = await second.domainGetVcpus(again);
    expect(existsSync(`/proc/${pid}/task/${vcpus[0]?.threadId}`)).toBe(true);
    // The exit of an adopted qemu (not our child) is seen too.
    const events = new EventLog();
    await second.onDomainLifecycle(events.listener, again);
    process.kill(pid, 'SIGKILL');
    expect((await events.waitFor(EventType.STOPPED)).detail).toBe(StoppedDetail.FAILED);
    await second.domainDestroy(await second.lookupDomainByName('passing'));
  });

  it('re-adopts the guest of a driver process that was killed with -9', async () => {
    await h.newRoot();
    const logFile = join(h.root, 'fixture.log');
    const child = await spawnDetached([VITE_NODE, FIXTURE, h.root, 'orphan', h.image], { logFile });
    h.pids.push(child.pid);
    await waitForText(logFile, 'READY', 30_000);
    const qemuPid = readPidFile(h.root, 'orphan');
    h.pids.push(qemuPid);
    await expect(openDriver(h.root)).rejects.toMatchObject({
      code: 'ERR_ROOT_LOCKED',
      fields: { pid: child.pid },
    });
    process.kill(child.pid, 'SIGKILL');
    await child.exited;
    expect(isAlive(qemuPid)).toBe(true);

    const driver = await openDriver(h.root);
    h.drivers.push(driver);
    const dom = await driver.lookupDomainByName('orphan');
    expect(await driver.domainGetState(dom)).toEqual({
      state: DomainState.RUNNING,
      reason: RunningReason.BOOTED,
    });
    expect(readPidFile(h.root, 'orphan')).toBe(qemuPid);
    expect((await driver.domainGetVcpus(dom)).length).toBe(1);
    await driver.domainDestroy(dom);
    expect(isAlive(qemuPid)).toBe(false);
  }, 60_000);

  it('lets a process that started a guest exit once it closes the driver, leaving the guest running', async () => {
    await h.newRoot();
    const logFile = join(h.root, 'fixture.log');
    const child = await spawnDetached([VITE_NODE, START_AND_EXIT, h.root, 'cli', h.image], { logFile });
    h.pids.push(child.pid);
    await waitForText(logFile, 'CLOSED', 30_000);
    const qemuPid = readPidFile(h.root, 'cli');
    h.pids.push(qemuPid);
    // qemu's output must not be piped through the driver's process, or that process can never exit.
    const outcome = await Promise.race([
      child.exited.then(() => 'exited'),
      new Promise((r) => setTimeout(() => r('still running 5 s after close'), 5_000)),
    ]);
    expect(outcome).toBe('exited');
    expect(isAlive(qemuPid)).toBe(true);
    const driver = await openDriver(h.root);
    h.drivers.push(driver);
    const dom = await driver.lookupDomainByName('cli');
    expect((await driver.domainGetState(dom)).state).toBe(DomainState.RUNNING);
    await driver.domainDestroy(dom);
  }, 60_000);

  it('finds a guest that died while no driver ran shut off (crashed), with its runtime files removed', async () => {
    const first = await h.setup();
    const { pid } = await startGuest(first, 'ghost');
    await first.close();
    process.kill(pid, 'SIGKILL');
    await waitUntil(() => !isAlive(pid), 5_000, 'qemu to die');
    const lines: string[] = [];
    const second = await openDriver(h.root, lines);
    h.drivers.push(second);
    const dom = await second.lookupDomainByName('ghost');
    expect(await second.domainGetState(dom)).toEqual({
      state: DomainState.SHUTOFF,
      reason: ShutoffReason.CRASHED,
    });
    expect(dom.id).toBe(-1);
    expect(existsSync(join(h.root, 'run', 'qemu', 'ghost.xml'))).toBe(false);
    expect(lines.join('\n')).toContain(`qemu pid ${pid} is gone`);
  });

  it('never signals a pid from the status file that is not this domain qemu', async () => {
    const first = await h.setup();
    const { pid } = await startGuest(first, 'reused');
    await first.close();
    process.kill(pid, 'SIGKILL');
    await waitUntil(() => !isAlive(pid), 5_000, 'qemu to die');
    // Another process now holds "the" pid: point the status file at a sleep.
    const sleeper = await spawnDetached(['sleep', '30'], { logFile: join(h.root, 'sleep.log') });
    h.pids.push(sleeper.pid);
    const statusPath = join(h.root, 'run', 'qemu', 'reused.xml');
    const status = readFileSync(statusPath, 'utf8').replace(/ pid='\d+'/, ` pid='${sleeper.pid}'`);
    await writeFile(statusPath, status);
    const second = await openDriver(h.root);
    h.drivers.push(second);
    const dom = await second.lookupDomainByName('reused');
    expect((await second.domainGetState(dom)).state).toBe(DomainState.SHUTOFF);
    expect(isAlive(sleeper.pid)).toBe(true);
  });

  it('rewrites the status file on re-adoption only when qemu is no longer as recorded', async () => {
    const first = await h.setup();
    await startGuest(first, 'steady');
    await first.close();
    const statusFile = join(h.root, 'run', 'qemu', 'steady.xml');
    const stamp = () => {
      const st = statSync(statusFile);
      return [st.ino, st.mtimeMs];
    };
    const recorded = stamp();
    const second = await openDriver(h.root);
    expect(await second.domainGetState(await second.lookupDomainByName('steady'))).toEqual({
      state: DomainState.RUNNING,
      reason: RunningReason.BOOTED,
    });
    await second.close();
    expect(stamp()).toEqual(recorded);
    // Paused behind the driver's back: the next driver reads it from qemu and records it.
    const qmp = await QmpClient.connect(join(h.root, 'run', 'qemu', 'steady.d', 'monitor.sock'));
    await qmp.execute('stop');
    qmp.close();
    const third = await openDriver(h.root);
    h.drivers.push(third);
    expect(await third.domainGetState(await third.lookupDomainByName('steady'))).toEqual({
      state: DomainState.PAUSED,
      reason: PausedReason.UNKNOWN,
    });
    expect(stamp()).not.toEqual(recorded);
    expect(readFileSync(statusFile, 'utf8')).toMatch(/<domstatus state='3' reason='0' /);
  });

  it('shows a qemu whose QMP does not answer in NOSTATE, refuses QMP work, and destroys it by signal', async () => {
    const first = await h.setup();
    const { pid } = await startGuest(first, 'mute');
    await first.close();
    // QEMU serves one QMP client at a time: holding the monitor makes the next driver's greeting time out.
    const holder = await QmpClient.connect(join(h.root, 'run', 'qemu', 'mute.d', 'monitor.sock'));
    try {
      const lines: string[] = [];
      const second = await openDriver(h.root, lines);
      h.drivers.push(second);
      const dom = await second.lookupDomainByName('mute');
      expect(await second.domainGetState(dom)).toEqual({ state: DomainState.NOSTATE, reason: 0 });
      expect(second.domainGetMonitorError(dom)).toMatch(/greeting|timed out/);
      expect(await second.domainIsActive(dom)).toBe(true);
      await expect(second.domainSuspend(dom)).rejects.toMatchObject({
        code: 'ERR_OPERATION_FAILED',
        message: expect.stringMatching(
          /^domain 'mute': qemu does not answer on QMP .*; destroy the domain to recover$/,
        ),
      });
      expect(lines.join('\n')).toContain(`qemu pid ${pid} runs but QMP does not answer`);
      await second.domainDestroy(dom);
      expect(isAlive(pid)).toBe(false);
      expect(await second.domainGetState(dom)).toEqual({
        state: DomainState.SHUTOFF,
        reason: ShutoffReason.DESTROYED,
      });
    } finally {
      holder.close();
    }
  });
});
