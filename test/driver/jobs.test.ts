import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DomainJobs } from '../../src/driver/jobs.js';
import type { AsyncJobHandle } from '../../src/driver/jobs-records.js';
import { ASYNC_JOB_MASKS, NormalJob, SNAPSHOT_MEMORY_MASK, kindOfJob } from '../../src/driver/jobs-kinds.js';
import { buildJobInfo } from '../../src/driver/jobs-info.js';
import { JobOperation, JobType } from '../../src/api/domain-enums.js';
import { rejectionOf } from '../tsvirt-error.js';

const deferred = <T = void>() => {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
};

/** Begin an async job that runs until `end` is called; `job` is its handle once it has begun. */
async function holdAsync(jobs: DomainJobs, kind: Parameters<DomainJobs['runAsync']>[0]['kind']) {
  const gate = deferred();
  let job: AsyncJobHandle | undefined;
  const begun = deferred();
  const done = jobs.runAsync({ kind }, 0, async (h) => {
    job = h;
    begun.resolve();
    await gate.promise;
    return 'async-done';
  });
  await begun.promise;
  return { job: job as AsyncJobHandle, end: gate.resolve, done };
}

describe('the per-domain normal job', () => {
  it('fails a second job at once with ERR_DOMAIN_BUSY naming the running job', async () => {
    const lock = new DomainJobs(() => 'vm');
    const gate = deferred();
    const first = lock.run('start', 0, () => gate.promise);
    await expect(lock.run('destroy', 0, async () => 'never')).rejects.toMatchObject({
      code: 'ERR_DOMAIN_BUSY',
      message: "domain 'vm' is busy with start; retry when it finishes",
      fields: { heldBy: 'start', job: 'destroy' },
    });
    gate.resolve();
    await first;
    expect(await lock.run('destroy', 0, async () => 'ran')).toBe('ran');
  });

  it('queues waiting jobs in order when a wait is allowed', async () => {
    const lock = new DomainJobs(() => 'vm');
    const order: string[] = [];
    const gate = deferred();
    const a = lock.run('a', 1_000, async () => {
      await gate.promise;
      order.push('a');
    });
    const b = lock.run('b', 1_000, async () => void order.push('b'));
    const c = lock.run('c', 1_000, async () => void order.push('c'));
    expect(lock.current).toBe('a');
    gate.resolve();
    await Promise.all([a, b, c]);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(lock.current).toBeUndefined();
  });

  it('gives up after the bounded wait and leaves the queue intact', async () => {
    const lock = new DomainJobs(() => 'vm');
    const gate = deferred();
    const a = lock.run('a', 0, () => gate.promise);
    const started = Date.now();
    await expect(lock.run('b', 50, async () => undefined)).rejects.toThrow(
      "domain 'vm' is busy with a after waiting 50 ms; retry when it finishes",
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    gate.resolve();
    await a;
    expect(lock.current).toBeUndefined();
  });

  it('releases the job when it throws', async () => {
    const lock = new DomainJobs(() => 'vm');
    await expect(lock.run('a', 0, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await lock.run('b', 0, async () => 1)).toBe(1);
  });

  it('runs the driver job names as libvirt kinds, and an unknown name as MODIFY', () => {
    expect(kindOfJob('suspend')).toBe(NormalJob.SUSPEND);
    expect(kindOfJob('resume')).toBe(NormalJob.MODIFY);
    expect(kindOfJob('setmem')).toBe(NormalJob.MODIFY);
    expect(kindOfJob('exit-cleanup')).toBe(NormalJob.DESTROY);
    expect(kindOfJob('something-new')).toBe(NormalJob.MODIFY);
  });
});

describe('the async job and its mask', () => {
  it('gives each async kind libvirt mask, with QUERY, DESTROY and ABORT by default', () => {
    expect(ASYNC_JOB_MASKS.save).toEqual(['query', 'destroy', 'abort']);
    expect(ASYNC_JOB_MASKS['migration-out']).toEqual([
      'query',
      'destroy',
      'abort',
      'suspend',
      'migration-op',
      'modify-migration-safe',
    ]);
    expect(ASYNC_JOB_MASKS['migration-in']).toEqual(['modify-migration-safe']);
    expect(ASYNC_JOB_MASKS.start).toEqual([]);
    expect(ASYNC_JOB_MASKS.backup).toEqual(['query', 'destroy', 'abort', 'suspend', 'modify']);
  });

  it('runs a normal job its mask allows at once, still one normal job at a time', async () => {
    const jobs = new DomainJobs(() => 'vm');
    const save = await holdAsync(jobs, 'migration-out');
    const gate = deferred();
    const suspend = jobs.run('suspend', 0, () => gate.promise);
    expect(jobs.current).toBe('suspend');
    await expect(jobs.run({ name: 'query', kind: NormalJob.QUERY }, 0, async () => 1)).rejects.toMatchObject({
      code: 'ERR_DOMAIN_BUSY',
      fields: { heldBy: 'suspend', job: 'query' },
    });
    gate.resolve();
    await suspend;
    expect(await jobs.run({ name: 'query', kind: NormalJob.QUERY }, 0, async () => 'ran')).toBe('ran');
    save.end();
    expect(await save.done).toBe('async-done');
  });

  it('fails a job outside the mask as busy naming the async job, even with the normal job free', async () => {
    const jobs = new DomainJobs(() => 'vm');
    const save = await holdAsync(jobs, 'save');
    await expect(jobs.run('suspend', 0, async () => undefined)).rejects.toMatchObject({
      code: 'ERR_DOMAIN_BUSY',
      message: "domain 'vm' is busy with save; retry when it finishes",
      fields: { domain: 'vm', job: 'suspend', heldBy: 'save', waitMs: 0 },
    });
    await expect(jobs.run('setmem', 30, async () => undefined)).rejects.toThrow(
      "domain 'vm' is busy with save after waiting 30 ms; retry when it finishes",
    );
    save.end();
    await save.done;
  });

  it('lets a DESTROY job run beside any async job, even a START that allows nothing', async () => {
    const jobs = new DomainJobs(() => 'vm');
    const start = await holdAsync(jobs, 'start');
    expect(jobs.starting).toBe(true);
    expect(await jobs.run('destroy', 0, async () => 'destroyed')).toBe('destroyed');
    await expect(jobs.run('query', 0, async () => 1)).rejects.toMatchObject({ fields: { heldBy: 'start' } });
    start.end();
    await start.done;
    expect(jobs.starting).toBe(false);
  });

  it('holds the normal job too for an async job that asks (a start: even a destroy cleanup waits)', async () => {
    const jobs = new DomainJobs(() => 'vm');
    const gate = deferred();
    const start = jobs.runAsync({ kind: 'start', holdNormal: true }, 0, () => gate.promise);
    expect(jobs.current).toBe('start');
    const order: string[] = [];
    const cleanup = jobs.run('exit-cleanup', 1_000, async () => void order.push('cleanup'));
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]);
    gate.resolve();
    await Promise.all([start, cleanup]);
    expect(order).toEqual(['cleanup']);
    expect(jobs.current).toBeUndefined();
  });

  it('makes a waiting job outside the mask run when the async job ends, in FIFO order', async () => {
    const jobs = new DomainJobs(() => 'vm');
    const save = await holdAsync(jobs, 'save');
    const order: string[] = [];
    const resume = jobs.run('resume', 1_000, async () => void order.push('resume'));
    const setmem = jobs.run('setmem', 1_000, async () => void order.push('setmem'));
    // A query is in the mask: it passes the two that wait for the save.
    await jobs.run('query', 0, async () => void order.push('query'));
    save.end();
    await Promise.all([save.done, resume, setmem]);
    expect(order).toEqual(['query', 'resume', 'setmem']);
  });

  it('makes a second async job wait for the first, and for the normal job', async () => {
    const jobs = new DomainJobs(() => 'vm');
    const gate = deferred();
    const modify = jobs.run('setmem', 0, () => gate.promise);
    await expect(jobs.runAsync({ kind: 'save' }, 0, async () => 1)).rejects.toMatchObject({
      code: 'ERR_DOMAIN_BUSY',
      fields: { heldBy: 'setmem', job: 'save' },
    });
    const save = jobs.runAsync({ kind: 'save' }, 1_000, async () => {
      await expect(jobs.runAsync({ kind: 'dump' }, 0, async () => 1)).rejects.toMatchObject({
        fields: { heldBy: 'save', job: 'dump' },
      });
      return 'saved';
    });
    gate.resolve();
    await modify;
    expect(await save).toBe('saved');
    expect(jobs.async).toBeUndefined();
  });

  it('lets waiters in when the job widens its mask', async () => {
    const jobs = new DomainJobs(() => 'vm');
    const snap = await holdAsync(jobs, 'snapshot');
    const suspend = jobs.run('suspend', 1_000, async () => 'paused');
    await new Promise((r) => setTimeout(r, 10));
    expect(jobs.current).toBeUndefined();
    snap.job.setMask(SNAPSHOT_MEMORY_MASK);
    expect(await suspend).toBe('paused');
    snap.end();
    await snap.done;
  });

  it('keeps phase and progress for domjobinfo, and the ended job for --completed', async () => {
    const jobs = new DomainJobs(() => 'vm');
    expect(buildJobInfo(jobs)).toMatchObject({ type: JobType.NONE, operation: JobOperation.UNKNOWN });
    const save = await holdAsync(jobs, 'save');
    const startedAt = (jobs.async?.startedAtMs ?? 0) as number;
    expect(buildJobInfo(jobs, {}, startedAt + 1_500)).toMatchObject({
      type: JobType.UNBOUNDED,
      operation: JobOperation.SAVE,
      job: 'save',
      phase: '',
      timeElapsedMs: 1_500n,
      dataTotal: 0n,
    });
    save.job.setPhase('writing memory');
    save.job.setProgress({ bounded: true, dataTotal: 1000n, dataProcessed: 250n, dataRemaining: 750n });
    save.job.setProgress({ memTotal: 800n, memProcessed: 200n, memRemaining: 600n });
    expect(buildJobInfo(jobs, {}, startedAt + 2_000)).toMatchObject({
      type: JobType.BOUNDED,
      phase: 'writing memory',
      timeElapsedMs: 2_000n,
      dataTotal: 1000n,
      dataProcessed: 250n,
      dataRemaining: 750n,
      memTotal: 800n,
      memProcessed: 200n,
      memRemaining: 600n,
    });
    save.end();
    await save.done;
    expect(buildJobInfo(jobs).type).toBe(JobType.NONE);
    expect(buildJobInfo(jobs, { completed: true })).toMatchObject({
      type: JobType.COMPLETED,
      operation: JobOperation.SAVE,
      dataProcessed: 250n,
      errmsg: undefined,
    });
  });

  it('reports a failed async job as FAILED with its message', async () => {
    const jobs = new DomainJobs(() => 'vm');
    await expect(
      jobs.runAsync({ kind: 'dump', operation: JobOperation.DUMP }, 0, async () => {
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(buildJobInfo(jobs, { completed: true })).toMatchObject({
      type: JobType.FAILED,
      operation: JobOperation.DUMP,
      errmsg: 'disk full',
    });
  });
});

describe('the completed job', () => {
  it('keeps no start, and calls a job that a destroy ended failed rather than cancelled', async () => {
    const jobs = new DomainJobs(() => 'vm');
    await jobs.runAsync({ kind: 'start', holdNormal: true }, 0, async () => undefined);
    expect(buildJobInfo(jobs, { completed: true }).type).toBe(JobType.NONE);
    const save = jobs.runAsync({ kind: 'save' }, 0, async (job) => {
      await new Promise((_, reject) => job.signal.addEventListener('abort', () => reject(job.signal.reason)));
    });
    save.catch(() => undefined);
    await Promise.resolve(); // the job's body is listening now
    jobs.beginDestroy()();
    await expect(save).rejects.toMatchObject({ code: 'ERR_DOMAIN_DESTROYED' });
    expect(buildJobInfo(jobs, { completed: true })).toMatchObject({
      type: JobType.FAILED,
      errmsg: "domain 'vm' was destroyed while save was in progress",
    });
  });
});

describe('aborting the async job', () => {
  it('aborts its signal as an ABORT job; the job decides, and ends as CANCELLED', async () => {
    const jobs = new DomainJobs(() => 'vm');
    const done = jobs.runAsync({ kind: 'save' }, 0, async (job) => {
      await new Promise((_, reject) => job.signal.addEventListener('abort', () => reject(job.signal.reason)));
    });
    done.catch(() => undefined);
    await jobs.abort(0);
    await expect(done).rejects.toMatchObject({
      code: 'ERR_OPERATION_FAILED',
      message: "domain 'vm': save was aborted by request",
      fields: { domain: 'vm', job: 'save', aborted: true },
    });
    expect(buildJobInfo(jobs, { completed: true }).type).toBe(JobType.CANCELLED);
  });

  it('fails without an async job, as libvirt: no job is active on the domain', async () => {
    const jobs = new DomainJobs(() => 'vm');
    const err = await rejectionOf(jobs.abort(0));
    expect(err).toMatchObject({
      code: 'ERR_OPERATION_INVALID',
      message: "Requested operation is not valid: no job is active on the domain 'vm'",
      fields: { domain: 'vm', job: 'abort' },
    });
    expect(jobs.current).toBeUndefined();
  });

  it('refuses to abort a start or an incoming migration: destroy is the way out', async () => {
    const jobs = new DomainJobs(() => 'vm');
    const start = await holdAsync(jobs, 'migration-in');
    await expect(jobs.abort(0)).rejects.toMatchObject({
      code: 'ERR_OPERATION_INVALID',
      fields: { asyncJob: 'migration-in' },
    });
    expect(start.job.signal.aborted).toBe(false);
    start.end();
    await start.done;
  });

  it('aborts the signal with ERR_DOMAIN_DESTROYED when a destroy begins, and counts the destroy', async () => {
    const jobs = new DomainJobs(() => 'vm');
    const backup = await holdAsync(jobs, 'backup');
    expect(jobs.destroying).toBe(false);
    const end = jobs.beginDestroy();
    expect(jobs.destroying).toBe(true);
    expect(jobs.destroys).toBe(1);
    expect(backup.job.signal.reason).toMatchObject({
      code: 'ERR_DOMAIN_DESTROYED',
      message: "domain 'vm' was destroyed while backup was in progress",
    });
    end();
    end();
    expect(jobs.destroying).toBe(false);
    backup.end();
    await backup.done;
  });
});

describe('timers', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('leaves no timer behind once waiters are granted or give up', async () => {
    const jobs = new DomainJobs(() => 'vm');
    const gate = deferred();
    const save = jobs.runAsync({ kind: 'save' }, 0, () => gate.promise);
    const granted = jobs.run('resume', 10_000, async () => 'ran');
    const gaveUp = jobs.run('setmem', 100, async () => 'never');
    gaveUp.catch(() => undefined);
    expect(vi.getTimerCount()).toBe(2);
    await vi.advanceTimersByTimeAsync(100);
    await expect(gaveUp).rejects.toMatchObject({ code: 'ERR_DOMAIN_BUSY' });
    expect(vi.getTimerCount()).toBe(1);
    gate.resolve();
    await save;
    expect(await granted).toBe('ran');
    expect(vi.getTimerCount()).toBe(0);
  });
});
