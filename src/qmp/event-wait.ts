/**
 * One-shot waits for a QMP event: each is armed when created, settles once (the event, its timeout, an
 * abort or the monitor closing) and on every path leaves no timer, waiter or abort listener behind.
 */
import { TsvirtError } from '../errors.js';
import type { QmpEvent, WaitForEventOptions } from './types.js';

interface Waiter {
  event: string;
  match: WaitForEventOptions['match'];
  /** Settles the wait once and removes what it holds; later calls do nothing. */
  finish: (err: unknown, event?: QmpEvent) => void;
}

/** The error a wait rejects with when its signal aborts: a TsvirtError reason as is, else a wrapper. */
function abortError(event: string, label: string, reason: unknown): unknown {
  if (reason instanceof TsvirtError) return reason;
  return new TsvirtError(
    'ERR_OPERATION_FAILED',
    `wait for qmp event "${event}" on monitor ${label} was aborted`,
    { event, label },
    { cause: reason },
  );
}

/** The waits of one QMP session. */
export class EventWaiters {
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly label: string) {}

  /** Number of waits not yet settled. */
  get size(): number {
    return this.waiters.size;
  }

  /** Arms a wait now and returns its promise. */
  wait(event: string, options: WaitForEventOptions): Promise<QmpEvent> {
    const { match, timeoutMs, signal } = options;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      const message = `wait for qmp event "${event}": timeoutMs ${timeoutMs} is not a finite number >= 0`;
      return Promise.reject(
        new TsvirtError('ERR_INVALID_ARG', message, {
          field: 'timeoutMs',
          value: timeoutMs,
          expected: '>= 0',
        }),
      );
    }
    if (signal?.aborted) return Promise.reject(abortError(event, this.label, signal.reason));
    return new Promise<QmpEvent>((resolve, reject) => {
      let settled = false;
      const onAbort = (): void => waiter.finish(abortError(event, this.label, signal?.reason));
      const timer = setTimeout(() => {
        const message = `qmp event "${event}" did not arrive within ${timeoutMs} ms on monitor ${this.label}`;
        waiter.finish(new TsvirtError('ERR_QMP_TIMEOUT', message, { event, timeoutMs, label: this.label }));
      }, timeoutMs);
      const waiter: Waiter = {
        event,
        match,
        finish: (err, received) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          this.waiters.delete(waiter);
          if (received) resolve(received);
          else reject(err);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  /** Offers an event to every wait for its name; a match that throws rejects its wait with that error. */
  deliver(received: QmpEvent): void {
    if (this.waiters.size === 0) return;
    for (const waiter of [...this.waiters]) {
      if (waiter.event !== received.event) continue;
      try {
        if (!waiter.match || waiter.match(received.data, received)) waiter.finish(undefined, received);
      } catch (err) {
        waiter.finish(err);
      }
    }
  }

  /** Rejects every wait with the error `errorFor` builds for its event name. */
  rejectAll(errorFor: (event: string) => Error): void {
    for (const waiter of [...this.waiters]) waiter.finish(errorFor(waiter.event));
  }
}
