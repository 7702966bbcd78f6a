import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DomainState } from '../../src/connection.js';
import { PausedReason, RunningReason, ShutoffReason } from '../../src/driver/index.js';
import type { AsyncJobHandle } from '../../src/driver/jobs-records.js';
import type { AsyncJobKind } from '../../src/driver/jobs-kinds.js';
import { QmpClient } from '../../src/qmp/index.js';
import type { QemuDriver } from '../../src/driver/index.js';
import type { DomainRef } from '../../src/connection.js';
import { buildBootSectorXml, isAlive, openDriver, readPidFile } from './helpers.js';
import { useDriverHarness } from './harness.js';

/** An async job held through the driver's internal API until `end()`, as a save or migration would hold it. */
async function holdAsyncJob(driver: QemuDriver, dom: DomainRef, kind: AsyncJobKind) {
  let end!: () => void;
  const gate = new Promise<void>((resolve) => (end = resolve));
  let handle!: AsyncJobHandle;
  let begun!: () => void;
  const started = new Promise<void>((resolve) => (begun = resolve));
  const done = driver.runAsyncJob(dom, { kind }, async (job) => {
    handle = job;
    begun();
    await gate;
    return kind;
  });
  done.catch(() => undefined);
  await started;
  return { end, done, handle };
}

/** How long `op` takes, in ms. */
async function timed(op: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await op();
  return performance.now() - t0;
}

describe('normal jobs beside an async job, with the boot-sector guest (TCG)', () => {
  const h = useDriverHarness();

  /** A running guest on a driver that never waits for a job (a blocked call fails busy at once). */
  async function start(name: string) {
    const driver = await h.setup([], { jobWaitMs: 0 });
    const dom = await driver.domainCreate(await driver.domainDefineXML(buildBootSectorXml(name, h.image)));
    const pid = readPidFile(h.root, name);
    h.pids.push(pid);
    return { driver, dom, pid };
  }

  it('runs suspend, resume, setmem and dominfo at once during a backup, whose mask allows them', async () => {
    const { driver, dom } = await start('beside');
    const backup = await holdAsyncJob(driver, dom, 'backup');
    const ms = [
      await timed(() => driver.domainSuspend(dom)),
      await timed(async () =>
        expect(await driver.domainGetState(dom)).toEqual({
          state: DomainState.PAUSED,
          reason: PausedReason.USER,
        }),
      ),
      await timed(() => driver.domainResume(dom)),
      await timed(() => driver.domainSetMemory(dom, 49152n, 1)),
      await timed(async () => expect((await driver.domainGetInfo(dom)).state).toBe(DomainState.RUNNING)),
    ];
    for (const t of ms) expect(t).toBeLessThan(2_000);
    expect(await driver.domainGetXMLDesc(dom)).toContain("<currentMemory unit='KiB'>49152</currentMemory>");
    backup.end();
    expect(await backup.done).toBe('backup');
    await driver.domainDestroy(dom);
  });

  it('fails a job outside the mask as busy naming the async job, and lets it run once the job ends', async () => {
    const { driver, dom } = await start('masked');
    const migration = await holdAsyncJob(driver, dom, 'migration-out');
    await driver.domainSuspend(dom); // SUSPEND is in a migration's mask
    await expect(driver.domainResume(dom)).rejects.toMatchObject({
      code: 'ERR_DOMAIN_BUSY',
      message: "domain 'masked' is busy with migration-out; retry when it finishes",
      fields: { domain: 'masked', job: 'resume', heldBy: 'migration-out' },
    });
    await expect(driver.domainSetMemory(dom, 49152n, 1)).rejects.toMatchObject({
      code: 'ERR_DOMAIN_BUSY',
      fields: { job: 'setmem', heldBy: 'migration-out' },
    });
    expect((await driver.domainGetInfo(dom)).state).toBe(DomainState.PAUSED);
    migration.end();
    await migration.done;
    await driver.domainResume(dom);
    expect((await driver.domainGetState(dom)).state).toBe(DomainState.RUNNING);
    await driver.domainDestroy(dom);
  });

  it('makes a waiting call run when the async job ends, when a wait is allowed', async () => {
    const driver = await h.setup([], { jobWaitMs: 10_000 });
    const dom = await driver.domainCreate(await driver.domainDefineXML(buildBootSectorXml('wait', h.image)));
    h.pids.push(readPidFile(h.root, 'wait'));
    const save = await holdAsyncJob(driver, dom, 'save');
    const suspended = driver.domainSuspend(dom);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await driver.domainGetState(dom)).state).toBe(DomainState.RUNNING);
    save.end();
    await save.done;
    await suspended;
    expect((await driver.domainGetState(dom)).state).toBe(DomainState.PAUSED);
    await driver.domainDestroy(dom);
  });

  it('destroys during an async job at once, and the job sees its signal aborted by the destroy', async () => {
    const { driver, dom, pid } = await start('doomed');
    const save = await holdAsyncJob(driver, dom, 'save');
    const elapsed = await timed(() => driver.domainDestroy(dom));
    expect(elapsed).toBeLessThan(5_000);
    expect(isAlive(pid)).toBe(false);
    expect(await driver.domainGetState(dom)).toEqual({
      state: DomainState.SHUTOFF,
      reason: ShutoffReason.DESTROYED,
    });
    expect(save.handle.signal.aborted).toBe(true);
    expect(save.handle.signal.reason).toMatchObject({ code: 'ERR_DOMAIN_DESTROYED' });
    save.end();
    await save.done; // the job itself met no error: it just ends
    const failing = driver.runAsyncJob(dom, { kind: 'save' }, async () => {
      throw new Error('qemu went away');
    });
    await expect(failing).rejects.toThrow('qemu went away'); // no destroy during this one
  });

  it('turns the error of an async job whose qemu a destroy killed into ERR_DOMAIN_DESTROYED', async () => {
    const { driver, dom } = await start('killed');
    let fail!: (err: Error) => void;
    let begun!: () => void;
    const started = new Promise<void>((resolve) => (begun = resolve));
    const save = driver.runAsyncJob(dom, { kind: 'save' }, async () => {
      begun();
      await new Promise<void>((_, reject) => (fail = reject));
    });
    save.catch(() => undefined);
    await started;
    await driver.domainDestroy(dom);
    fail(new Error('migration stream closed'));
    await expect(save).rejects.toMatchObject({
      code: 'ERR_DOMAIN_DESTROYED',
      message: "domain 'killed' was destroyed while save was in progress",
    });
  });
});

describe('start with -incoming, with the boot-sector guest (TCG)', () => {
  const h = useDriverHarness();

  it("leaves qemu paused in inmigrate with incoming 'defer', without cont; a restarted driver kills it", async () => {
    const first = await h.setup();
    const lines: string[] = [];
    const ref = await first.domainDefineXML(buildBootSectorXml('incoming', h.image));
    const started = await first.domainCreateWithOptions(ref, { incoming: 'defer' });
    const pid = readPidFile(h.root, 'incoming');
    h.pids.push(pid);
    expect(started.id).toBeGreaterThan(0);
    expect(await first.domainGetState(ref)).toEqual({
      state: DomainState.PAUSED,
      reason: PausedReason.MIGRATION,
    });
    // Ask qemu itself, on its monitor, with the driver gone (it keeps running).
    await first.close();
    const qmp = await QmpClient.connect(join(h.root, 'run', 'qemu', 'incoming.d', 'monitor.sock'));
    const status = await qmp.execute<{ status: string; running: boolean }>('query-status');
    qmp.close();
    expect(status).toMatchObject({ status: 'inmigrate', running: false });
    // Nothing will feed it after a restart (the restore or migration that waited is gone): libvirt kills
    // such a qemu when it reconnects, and so does the next driver, as shutoff/failed.
    const second = await openDriver(h.root, lines);
    h.drivers.push(second);
    expect(isAlive(pid)).toBe(false);
    expect(await second.domainGetState(ref)).toEqual({
      state: DomainState.SHUTOFF,
      reason: ShutoffReason.FAILED,
    });
    expect(lines.some((l) => l.includes('incoming migration was cut off by a tsvirtd restart'))).toBe(true);
  });

  it('starts paused with the paused option, as the PAUSED flag does', async () => {
    const driver = await h.setup();
    const ref = await driver.domainDefineXML(buildBootSectorXml('paused', h.image));
    await driver.domainCreateWithOptions(ref, { paused: true });
    h.pids.push(readPidFile(h.root, 'paused'));
    expect(await driver.domainGetState(ref)).toEqual({
      state: DomainState.PAUSED,
      reason: PausedReason.USER,
    });
    await driver.domainResume(ref);
    expect(await driver.domainGetState(ref)).toEqual({
      state: DomainState.RUNNING,
      reason: RunningReason.UNPAUSED,
    });
    await driver.domainDestroy(ref);
  });
});
