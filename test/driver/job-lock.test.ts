import { describe, expect, it } from 'vitest';
import { JobLock } from '../../src/driver/job-lock.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('the per-domain job lock', () => {
  it('fails a second job at once with ERR_DOMAIN_BUSY naming the running job', async () => {
    const lock = new JobLock(() => 'vm');
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
    const lock = new JobLock(() => 'vm');
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
    const lock = new JobLock(() => 'vm');
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

  it('releases the lock when a job throws', async () => {
    const lock = new JobLock(() => 'vm');
    await expect(lock.run('a', 0, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await lock.run('b', 0, async () => 1)).toBe(1);
  });
});
