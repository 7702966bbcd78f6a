import type { DomainEventKind, DomainEventMap, Subscription } from '../connection.js';

interface Subscriber {
  kind: DomainEventKind;
  listener: (ev: never) => void;
  /** Only events of the domain with this uuid, when set. */
  uuid: string | undefined;
}

interface Queued {
  kind: DomainEventKind;
  ev: DomainEventMap[DomainEventKind];
}

/**
 * Domain events of every kind (DomainEventMap) to subscribers, in the order they happened. Delivery is
 * deferred to a microtask so that a listener never runs inside a driver operation; one queue keeps the
 * order across domains and kinds.
 */
export class DomainEventBus {
  private readonly subscribers = new Set<Subscriber>();
  private readonly queue: Queued[] = [];
  private draining = false;

  constructor(private readonly log: (line: string) => void) {}

  /** Deliver `listener` every later event of `kind` (only those of the domain with `uuid`, when given). */
  subscribe<K extends DomainEventKind>(
    kind: K,
    listener: (ev: DomainEventMap[K]) => void,
    uuid?: string,
  ): Subscription {
    const sub: Subscriber = { kind, listener, uuid: uuid?.toLowerCase() };
    this.subscribers.add(sub);
    return { unsubscribe: () => this.subscribers.delete(sub) };
  }

  /** Queue one event of `kind` for delivery. */
  emit<K extends DomainEventKind>(kind: K, ev: DomainEventMap[K]): void {
    this.queue.push({ kind, ev: { ...ev, dom: { ...ev.dom } } });
    if (!this.draining) {
      this.draining = true;
      queueMicrotask(() => this.drain());
    }
  }

  private drain(): void {
    for (let item = this.queue.shift(); item; item = this.queue.shift()) {
      const { kind, ev } = item;
      for (const sub of [...this.subscribers]) {
        if (sub.kind !== kind) continue;
        if (sub.uuid !== undefined && sub.uuid !== ev.dom.uuid.toLowerCase()) continue;
        try {
          (sub.listener as (e: typeof ev) => void)(ev);
        } catch (err) {
          this.log(
            `event listener failed on ${kind} event ${describe(ev)} of ${ev.dom.name}: ${String(err)}`,
          );
        }
      }
    }
    this.draining = false;
  }
}

function describe(ev: DomainEventMap[DomainEventKind]): string {
  if ('devAlias' in ev) return ev.devAlias;
  if ('status' in ev) return `block job ${ev.path} ${ev.type}/${ev.status}`;
  if ('nsuri' in ev) return `metadata ${ev.type} ${ev.nsuri ?? ''}`.trimEnd();
  return `${ev.event}/${ev.detail}`;
}
