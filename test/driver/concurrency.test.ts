import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DomainState } from '../../src/connection.js';
import { DEFAULT_JOB_WAIT_MS, QemuDriver, ShutoffReason } from '../../src/driver/index.js';
import { buildBootSectorXml, isAlive, readPidFile } from './helpers.js';
import { useDriverHarness } from './harness.js';

describe('concurrency: job locks and the root lock', () => {
  const h = useDriverHarness();

  it('fails the second of two racing operations on one domain with "busy with start"', async () => {
    const driver = await h.setup([], { jobWaitMs: 0 });
    const dom = await driver.domainDefineXML(buildBootSectorXml('race', h.image));
    const results = await Promise.allSettled([driver.domainCreate(dom), driver.domainSuspend(dom)]);
    h.pids.push(readPidFile(h.root, 'race'));
    expect(results[0].status).toBe('fulfilled');
    expect(results[1]).toMatchObject({
      status: 'rejected',
      reason: {
        code: 'ERR_DOMAIN_BUSY',
        message: "domain 'race' is busy with start; retry when it finishes",
      },
    });
    expect((await driver.domainGetState(dom)).state).toBe(DomainState.RUNNING);
    await driver.domainDestroy(dom);
  });

  it('queues the second operation when a wait is allowed, which then sees the new state', async () => {
    const driver = await h.setup([], { jobWaitMs: 10_000 });
    const dom = await driver.domainDefineXML(buildBootSectorXml('queue', h.image));
    const results = await Promise.allSettled([driver.domainCreate(dom), driver.domainCreate(dom)]);
    h.pids.push(readPidFile(h.root, 'queue'));
    expect(results[0].status).toBe('fulfilled');
    expect(results[1]).toMatchObject({
      status: 'rejected',
      reason: {
        code: 'ERR_OPERATION_INVALID',
        message: 'Requested operation is not valid: domain is already running',
      },
    });
    await driver.domainDestroy(dom);
  });

  it('by default queues as libvirt does: an operation sent during another waits up to 30 s for it', () => {
    expect(DEFAULT_JOB_WAIT_MS).toBe(30_000);
  });

  it('does not queue a destroy: it kills qemu at once and the job hung on it fails with ERR_DOMAIN_DESTROYED', async () => {
    const driver = await h.setup();
    const dom = await driver.domainCreate(await driver.domainDefineXML(buildBootSectorXml('hung', h.image)));
    const pid = readPidFile(h.root, 'hung');
    h.pids.push(pid);
    process.kill(pid, 'SIGSTOP');
    const suspended = driver.domainSuspend(dom);
    suspended.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const t0 = performance.now();
    await driver.domainDestroy(dom);
    expect(performance.now() - t0).toBeLessThan(2_000);
    await expect(suspended).rejects.toMatchObject({
      code: 'ERR_DOMAIN_DESTROYED',
      message: "domain 'hung' was destroyed while suspend was in progress",
      fields: { domain: 'hung', job: 'suspend' },
    });
    expect(isAlive(pid)).toBe(false);
    expect(await driver.domainGetState(dom)).toEqual({
      state: DomainState.SHUTOFF,
      reason: ShutoffReason.DESTROYED,
    });
  });

  it('runs operations on different domains in parallel', async () => {
    const driver = await h.setup([], { jobWaitMs: 0 });
    await copyFile(h.image, join(h.root, 'b.img'));
    const a = await driver.domainDefineXML(buildBootSectorXml('a', h.image));
    const b = await driver.domainDefineXML(buildBootSectorXml('b', join(h.root, 'b.img')));
    const [ra, rb] = await Promise.all([driver.domainCreate(a), driver.domainCreate(b)]);
    h.pids.push(readPidFile(h.root, 'a'), readPidFile(h.root, 'b'));
    expect(ra.id).not.toBe(rb.id);
    await Promise.all([driver.domainDestroy(a), driver.domainDestroy(b)]);
    expect(await driver.listAllDomains(1)).toEqual([]);
  });

  it('refuses a second driver on the same root with ERR_ROOT_LOCKED naming the holder pid', async () => {
    await h.setup([], { jobWaitMs: 0 });
    await expect(QemuDriver.open({ root: h.root, lockTimeoutMs: 100 })).rejects.toMatchObject({
      code: 'ERR_ROOT_LOCKED',
      fields: { pid: process.pid },
      message: expect.stringContaining(`in use by process ${process.pid}`),
    });
    await h.drivers.splice(0)[0]?.close();
    const next = await QemuDriver.open({ root: h.root, lockTimeoutMs: 100 });
    h.drivers.push(next);
  });
});
