import { TsvirtError, isTsvirtError } from '../errors.js';
import {
  ASYNC_JOB_MASKS,
  AsyncJob,
  DEFAULT_OPERATION,
  NormalJob,
  kindOfJob,
  type AsyncJobKind,
  type NormalJobKind,
} from './jobs-kinds.js';
import {
  buildEmptyProgress,
  type AsyncJobHandle,
  type AsyncJobRequest,
  type AsyncJobState,
  type EndedAsyncJob,
  type NormalJobRequest,
} from './jobs-records.js';

interface NormalHolder {
  name: string;
  kind: NormalJobKind;
}

type Request = { normal: NormalHolder } | { async: Required<AsyncJobRequest> };

interface Waiter {
  req: Request;
  grant: () => void;
  timer: NodeJS.Timeout;
}

/**
 * A domain's jobs: one normal job at a time, plus at most one async job beside which the normal jobs
 * of its mask run. A caller that cannot run yet waits in FIFO order for at most `waitMs` (0 = fail at
 * once), then gets ERR_DOMAIN_BUSY naming the job in its way. Destroys are counted here too, since a
 * destroy pre-empts whatever runs (see beginDestroy).
 */
export class DomainJobs {
  private normalJob: NormalHolder | undefined;
  private asyncJob: AsyncJobState | undefined;
  private readonly waiters: Waiter[] = [];
  private destroyCount = 0;
  private destroyingCount = 0;
  /** The async job that ended last, if any. */
  lastEnded: EndedAsyncJob | undefined;

  constructor(private readonly domainName: () => string) {}

  /** The name of the normal job that runs, if any. */
  get current(): string | undefined {
    return this.normalJob?.name;
  }

  /** The normal job that runs, if any. */
  get normal(): Readonly<NormalHolder> | undefined {
    return this.normalJob;
  }

  /** The async job that runs, if any. */
  get async(): Readonly<AsyncJobState> | undefined {
    return this.asyncJob;
  }

  /** Whether an async job of `kind` runs. */
  isAsync(kind: AsyncJobKind): boolean {
    return this.asyncJob?.kind === kind;
  }

  /**
   * Whether qemu is being set up (a START or MIGRATION_IN async job): its STOP, RESUME and SHUTDOWN
   * events are that job's business, and a failed start reports qemu's exit itself.
   */
  get starting(): boolean {
    return this.isAsync(AsyncJob.START) || this.isAsync(AsyncJob.MIGRATION_IN);
  }

  /** Run `fn` as a normal job (`job`: a name of the driver's table, or name and kind). */
  async run<T>(job: string | NormalJobRequest, waitMs: number, fn: () => Promise<T>): Promise<T> {
    const req = typeof job === 'string' ? { name: job } : job;
    const holder = { name: req.name, kind: req.kind ?? kindOfJob(req.name) };
    await this.acquire({ normal: holder }, waitMs);
    try {
      return await fn();
    } finally {
      if (this.normalJob === holder) this.normalJob = undefined;
      this.grantWaiters();
    }
  }

  /** Run `fn` as the domain's async job; it sees aborts through its handle's signal. */
  async runAsync<T>(
    req: AsyncJobRequest,
    waitMs: number,
    fn: (job: AsyncJobHandle) => Promise<T>,
  ): Promise<T> {
    const full: Required<AsyncJobRequest> = {
      kind: req.kind,
      name: req.name ?? req.kind,
      operation: req.operation ?? DEFAULT_OPERATION[req.kind],
      holdNormal: req.holdNormal ?? false,
    };
    await this.acquire({ async: full }, waitMs);
    const state = this.asyncJob as AsyncJobState;
    let outcome: EndedAsyncJob['outcome'] = 'completed';
    let error: string | undefined;
    try {
      return await fn(this.buildHandle(state));
    } catch (err) {
      const reason: unknown = state.abortController.signal.reason;
      outcome = isTsvirtError(reason) && reason.fields['aborted'] === true ? 'cancelled' : 'failed';
      error = err instanceof Error ? err.message : String(err);
      throw err;
    } finally {
      // A start is no job domjobinfo --completed reports (libvirt keeps save, dump, migration, backup).
      if (full.kind !== AsyncJob.START)
        this.lastEnded = { job: state, endedAtMs: Date.now(), outcome, error };
      this.asyncJob = undefined;
      if (full.holdNormal && this.normalJob?.kind === NormalJob.ASYNC_NESTED) this.normalJob = undefined;
      this.grantWaiters();
    }
  }

  /**
   * Ask the async job to stop, as an ABORT job; the job sees its signal aborted and decides. Without an
   * async job, or for one that cannot be aborted (start, incoming migration, dump), ERR_OPERATION_INVALID.
   */
  async abort(waitMs: number): Promise<void> {
    this.checkAbortable(); // at once, whatever the job's mask: a refusal needs no wait
    await this.run({ name: 'abort', kind: NormalJob.ABORT }, waitMs, async () => {
      const job = this.checkAbortable();
      const domain = this.domainName();
      job.abortController.abort(
        new TsvirtError('ERR_OPERATION_FAILED', `domain '${domain}': ${job.name} was aborted by request`, {
          domain,
          job: job.name,
          aborted: true,
        }),
      );
    });
  }

  private checkAbortable(): AsyncJobState {
    const job = this.asyncJob;
    const domain = this.domainName();
    if (!job) {
      throw new TsvirtError(
        'ERR_OPERATION_INVALID',
        `Requested operation is not valid: no job is active on the domain '${domain}'`,
        { domain, job: 'abort' },
      );
    }
    // qemu's dump-guest-memory has no cancel: a dump runs to its end, as libvirt's memory-only dump does.
    if (job.kind === AsyncJob.START || job.kind === AsyncJob.MIGRATION_IN || job.kind === AsyncJob.DUMP) {
      throw new TsvirtError(
        'ERR_OPERATION_INVALID',
        `Requested operation is not valid: the ${job.name} job of domain '${domain}' cannot be aborted; destroy the domain instead`,
        { domain, job: 'abort', asyncJob: job.name },
      );
    }
    return job;
  }

  /** How many destroys have signalled this domain's qemu: a job that sees it change was pre-empted. */
  get destroys(): number {
    return this.destroyCount;
  }

  /** Whether a destroy is under way (from its first signal until it has cleaned up). */
  get destroying(): boolean {
    return this.destroyingCount > 0;
  }

  /**
   * A destroy begins: it pre-empts the jobs that run (they fail with ERR_DOMAIN_DESTROYED) and aborts the
   * async job's signal. Returns the function that marks it finished.
   */
  beginDestroy(): () => void {
    this.destroyCount++;
    this.destroyingCount++;
    const job = this.asyncJob;
    if (job && !job.abortController.signal.aborted) {
      const name = this.domainName();
      job.abortController.abort(
        new TsvirtError(
          'ERR_DOMAIN_DESTROYED',
          `domain '${name}' was destroyed while ${job.name} was in progress`,
          {
            domain: name,
            job: job.name,
          },
        ),
      );
    }
    let ended = false;
    return () => {
      if (!ended) this.destroyingCount--;
      ended = true;
    };
  }

  private buildHandle(state: AsyncJobState): AsyncJobHandle {
    return {
      kind: state.kind,
      name: state.name,
      signal: state.abortController.signal,
      setPhase: (phase) => {
        state.phase = phase;
      },
      setProgress: (progress) => {
        state.progress = { ...state.progress, ...progress };
      },
      setMask: (kinds) => {
        state.mask = new Set(kinds);
        if (this.asyncJob === state) this.grantWaiters(); // a wider mask may let waiters in
      },
    };
  }

  private canRun(req: Request): boolean {
    if ('async' in req) return !this.asyncJob && !this.normalJob;
    return !this.normalJob && (!this.asyncJob || this.allows(req.normal.kind));
  }

  private allows(kind: NormalJobKind): boolean {
    if (kind === NormalJob.DESTROY || kind === NormalJob.ASYNC_NESTED) return true;
    return this.asyncJob?.mask.has(kind) ?? true;
  }

  private take(req: Request): void {
    if ('normal' in req) {
      this.normalJob = req.normal;
      return;
    }
    const { kind, name, operation, holdNormal } = req.async;
    this.asyncJob = {
      kind,
      name,
      operation,
      startedAtMs: Date.now(),
      phase: '',
      mask: new Set(ASYNC_JOB_MASKS[kind]),
      progress: buildEmptyProgress(),
      abortController: new AbortController(),
    };
    if (holdNormal) this.normalJob = { name, kind: NormalJob.ASYNC_NESTED };
  }

  private acquire(req: Request, waitMs: number): Promise<void> {
    if (this.canRun(req)) {
      this.take(req);
      return Promise.resolve();
    }
    if (waitMs <= 0) return Promise.reject(this.busy(req, waitMs));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        req,
        grant: resolve,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(this.busy(req, waitMs));
        }, waitMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** In queue order, start every waiter that can run now (an async job, then normal jobs beside it). */
  private grantWaiters(): void {
    for (let i = 0; i < this.waiters.length;) {
      const waiter = this.waiters[i] as Waiter;
      if (!this.canRun(waiter.req)) {
        i++;
        continue;
      }
      this.waiters.splice(i, 1);
      clearTimeout(waiter.timer);
      this.take(waiter.req);
      waiter.grant();
    }
  }

  /** The job in the way of `req`: the async job when its mask keeps `req` out, else the normal one. */
  private blocker(req: Request): string | undefined {
    if ('normal' in req && this.asyncJob && !this.allows(req.normal.kind)) return this.asyncJob.name;
    return this.normalJob?.name ?? this.asyncJob?.name;
  }

  private busy(req: Request, waitMs: number): TsvirtError {
    const heldBy = this.blocker(req);
    const job = 'normal' in req ? req.normal.name : req.async.name;
    const domain = this.domainName();
    const waited = waitMs > 0 ? ` after waiting ${waitMs} ms` : '';
    return new TsvirtError(
      'ERR_DOMAIN_BUSY',
      `domain '${domain}' is busy with ${heldBy ?? 'another job'}${waited}; retry when it finishes`,
      { domain, job, heldBy, waitMs },
    );
  }
}
