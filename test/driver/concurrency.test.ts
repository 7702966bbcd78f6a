import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DomainState } from '../../src/connection.js';
import { QemuDriver } from '../../src/driver/index.js';
import { ensureGuests, type GuestPaths } from '../../scripts/guests/paths.js';
import { buildBootSectorXml, cleanupRoot, isAlive, makeRoot, openDriver, readPidFile } from './helpers.js';

describe('concurrency: job locks and the root lock', () => {
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

  async function setup(jobWaitMs = 0): Promise<QemuDriver> {
    ({ root, image } = await makeRoot(guests.bootSectorImage));
    const driver = await openDriver(root, [], { jobWaitMs });
    drivers.push(driver);
    return driver;
  }

  it('fails the second of two racing operations on one domain with "busy with start"', async () => {
    const driver = await setup();
    const dom = await driver.domainDefineXML(buildBootSectorXml('race', image));
    const results = await Promise.allSettled([driver.domainCreate(dom), driver.domainDestroy(dom)]);
    pids.push(readPidFile(root, 'race'));
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
    const driver = await setup(10_000);
    const dom = await driver.domainDefineXML(buildBootSectorXml('queue', image));
    const results = await Promise.allSettled([driver.domainCreate(dom), driver.domainCreate(dom)]);
    pids.push(readPidFile(root, 'queue'));
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

  it('runs operations on different domains in parallel', async () => {
    const driver = await setup();
    await copyFile(image, join(root, 'b.img'));
    const a = await driver.domainDefineXML(buildBootSectorXml('a', image));
    const b = await driver.domainDefineXML(buildBootSectorXml('b', join(root, 'b.img')));
    const [ra, rb] = await Promise.all([driver.domainCreate(a), driver.domainCreate(b)]);
    pids.push(readPidFile(root, 'a'), readPidFile(root, 'b'));
    expect(ra.id).not.toBe(rb.id);
    await Promise.all([driver.domainDestroy(a), driver.domainDestroy(b)]);
    expect(await driver.listAllDomains(1)).toEqual([]);
  });

  it('refuses a second driver on the same root with ERR_ROOT_LOCKED naming the holder pid', async () => {
    await setup();
    await expect(QemuDriver.open({ root, lockTimeoutMs: 100 })).rejects.toMatchObject({
      code: 'ERR_ROOT_LOCKED',
      fields: { pid: process.pid },
      message: expect.stringContaining(`in use by process ${process.pid}`),
    });
    await drivers.splice(0)[0]?.close();
    const next = await QemuDriver.open({ root, lockTimeoutMs: 100 });
    drivers.push(next);
  });
});
