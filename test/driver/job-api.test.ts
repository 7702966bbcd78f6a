/** domainGetJobInfo, domainGetJobStats and domainAbortJob of the driver, with an async job held through runAsyncJob (TCG). */
import { describe, expect, it } from 'vitest';
import { DomainJobStatsFlags } from '../../src/api/domain-enums.js';
import type { DomainRef } from '../../src/connection.js';
import type { QemuDriver } from '../../src/driver/index.js';
import { JobOperation, JobType } from '../../src/api/domain-enums.js';
import type { AsyncJobKind } from '../../src/driver/jobs-kinds.js';
import type { AsyncJobHandle } from '../../src/driver/jobs-records.js';
import type { TypedParam } from '../../src/remote/typed-params.js';
import { buildBootSectorXml, readPidFile } from './helpers.js';
import { useDriverHarness } from './harness.js';

/** An async job that runs until `end()` or until it is aborted, when it fails with the abort's reason. */
async function holdAbortableJob(driver: QemuDriver, dom: DomainRef, kind: AsyncJobKind) {
  let end!: () => void;
  let handle!: AsyncJobHandle;
  let begun!: () => void;
  const started = new Promise<void>((resolve) => (begun = resolve));
  const done = driver.runAsyncJob(dom, { kind }, async (job) => {
    handle = job;
    begun();
    await new Promise<void>((resolve, reject) => {
      end = resolve;
      job.signal.addEventListener('abort', () => reject(job.signal.reason as Error));
    });
    return kind;
  });
  done.catch(() => undefined);
  await started;
  return { end: () => end(), done, handle };
}

const byName = (params: TypedParam[]): Map<string, TypedParam> => new Map(params.map((p) => [p.name, p]));
const MiB = 1024n * 1024n;
const { COMPLETED, KEEP_COMPLETED } = DomainJobStatsFlags;

describe('job info, stats and abort of the driver, with the boot-sector guest (TCG)', () => {
  const h = useDriverHarness();

  async function start(name: string) {
    const driver = await h.setup([], { jobWaitMs: 0 });
    const dom = await driver.domainCreate(await driver.domainDefineXML(buildBootSectorXml(name, h.image)));
    h.pids.push(readPidFile(h.root, name));
    return { driver, dom };
  }

  it('reports a running backup as unbounded, then bounded, from its progress record', async () => {
    const { driver, dom } = await start('jobinfo');
    expect(await driver.domainGetJobStats(dom)).toEqual({ type: JobType.NONE, params: [] });
    const backup = await holdAbortableJob(driver, dom, 'backup');
    backup.handle.setProgress({ dataProcessed: 3n * MiB });
    await new Promise((r) => setTimeout(r, 20));
    const unbounded = await driver.domainGetJobInfo(dom);
    expect(unbounded).toMatchObject({ type: JobType.UNBOUNDED, dataProcessed: 3n * MiB, dataTotal: 0n });
    expect(unbounded.timeElapsed).toBeGreaterThan(0n);
    const stats = await driver.domainGetJobStats(dom);
    expect(stats.type).toBe(JobType.UNBOUNDED);
    const p = byName(stats.params);
    expect(p.get('operation')).toEqual({ name: 'operation', type: 'int', value: JobOperation.BACKUP });
    expect(p.get('time_elapsed')?.type).toBe('ullong');
    expect(p.get('time_elapsed')?.value as bigint).toBeGreaterThan(0n);
    expect(p.get('data_processed')).toEqual({ name: 'data_processed', type: 'ullong', value: 3n * MiB });
    expect(p.has('time_remaining')).toBe(false);
    expect(p.has('success')).toBe(false);

    backup.handle.setProgress({
      bounded: true,
      dataTotal: 8n * MiB,
      dataProcessed: 6n * MiB,
      dataRemaining: 2n * MiB,
      timeRemainingMs: 500n,
    });
    expect(await driver.domainGetJobInfo(dom)).toMatchObject({
      type: JobType.BOUNDED,
      dataTotal: 8n * MiB,
      dataProcessed: 6n * MiB,
      dataRemaining: 2n * MiB,
      timeRemaining: 500n,
    });
    const bounded = await driver.domainGetJobStats(dom);
    expect(bounded.type).toBe(JobType.BOUNDED);
    expect(byName(bounded.params).get('time_remaining')?.value).toBe(500n);
    expect(byName(bounded.params).get('data_total')?.value).toBe(8n * MiB);
    // While a job runs there is no completed one to report.
    expect(await driver.domainGetJobStats(dom, COMPLETED)).toEqual({ type: JobType.NONE, params: [] });
    backup.end();
    expect(await backup.done).toBe('backup');
    const done = await driver.domainGetJobStats(dom, COMPLETED);
    expect(done.type).toBe(JobType.COMPLETED);
    expect(byName(done.params).get('success')).toEqual({ name: 'success', type: 'boolean', value: true });
    expect(byName(done.params).has('errmsg')).toBe(false);
    await driver.domainDestroy(dom);
  });

  it('aborts the job through its signal; the cancelled job is kept with KEEP_COMPLETED, then cleared', async () => {
    const { driver, dom } = await start('jobabort');
    const save = await holdAbortableJob(driver, dom, 'save');
    await driver.domainAbortJob(dom);
    expect(save.handle.signal.aborted).toBe(true);
    await expect(save.done).rejects.toMatchObject({
      message: "domain 'jobabort': save was aborted by request",
    });
    expect((await driver.domainGetJobInfo(dom)).type).toBe(JobType.NONE);
    await expect(driver.domainAbortJob(dom)).rejects.toMatchObject({
      code: 'ERR_OPERATION_INVALID',
      message: "Requested operation is not valid: no job is active on the domain 'jobabort'",
    });

    const kept = await driver.domainGetJobStats(dom, COMPLETED | KEEP_COMPLETED);
    expect(kept.type).toBe(JobType.CANCELLED);
    const p = byName(kept.params);
    expect(p.get('operation')?.value).toBe(JobOperation.SAVE);
    expect(p.get('success')?.value).toBe(false);
    expect(p.get('errmsg')).toEqual({
      name: 'errmsg',
      type: 'string',
      value: "domain 'jobabort': save was aborted by request",
    });
    expect((await driver.domainGetJobStats(dom, COMPLETED)).type).toBe(JobType.CANCELLED);
    expect(await driver.domainGetJobStats(dom, COMPLETED)).toEqual({ type: JobType.NONE, params: [] });
    await driver.domainDestroy(dom);
  });

  it('rejects flags it does not know, and says a shut-off domain is not running', async () => {
    const { driver, dom } = await start('jobflags');
    await expect(driver.domainGetJobStats(dom, 4)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG',
      fields: { field: 'flags', value: 4 },
    });
    await expect(driver.domainAbortJob(dom, 1)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await driver.domainDestroy(dom);
    const notRunning = {
      code: 'ERR_OPERATION_INVALID',
      message: 'Requested operation is not valid: domain is not running',
    };
    await expect(driver.domainGetJobInfo(dom)).rejects.toMatchObject(notRunning);
    await expect(driver.domainGetJobStats(dom)).rejects.toMatchObject(notRunning);
    await expect(driver.domainAbortJob(dom)).rejects.toMatchObject(notRunning);
    expect(await driver.domainGetJobStats(dom, COMPLETED)).toEqual({ type: JobType.NONE, params: [] });
  });
});
