import { TsvirtError } from '../errors.js';

interface Waiter {
  job: string;
  resolve: () => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * One job at a time per domain. A caller that finds the lock held waits in FIFO order for at most
 * `waitMs` (0 = fail at once) and then gets ERR_DOMAIN_BUSY naming the job that holds it.
 */
export class JobLock {
  private holder: string | undefined;
  private readonly waiters: Waiter[] = [];

  constructor(private readonly domainName: () => string) {}

  /** The job that holds the lock, if any. */
  get current(): string | undefined {
    return this.holder;
  }

  /** Run `fn` holding the lock for `job`; waits at most `waitMs` for the lock. */
  async run<T>(job: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
    await this.acquire(job, waitMs);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(job: string, waitMs: number): Promise<void> {
    if (this.holder === undefined) {
      this.holder = job;
      return Promise.resolve();
    }
    if (waitMs <= 0) return Promise.reject(this.busy(job, waitMs));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { job, resolve, timer: undefined };
      waiter.timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(this.busy(job, waitMs));
      }, waitMs);
      this.waiters.push(waiter);
    });
  }

  private release(): void {
    const next = this.waiters.shift();
    if (!next) {
      this.holder = undefined;
      return;
    }
    clearTimeout(next.timer);
    this.holder = next.job;
    next.resolve();
  }

  private busy(job: string, waitMs: number): TsvirtError {
    const waited = waitMs > 0 ? ` after waiting ${waitMs} ms` : '';
    return new TsvirtError(
      'ERR_DOMAIN_BUSY',
      `domain '${this.domainName()}' is busy with ${this.holder ?? 'another job'}${waited}; retry when it finishes`,
      { domain: this.domainName(), job, heldBy: this.holder, waitMs },
    );
  }
}
