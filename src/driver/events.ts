import type { DomainLifecycleEvent, Subscription } from '../connection.js';

interface Subscriber {
  listener: (ev: DomainLifecycleEvent) => void;
  /** Only events of the domain with this uuid, when set. */
  uuid: string | undefined;
}

/**
 * Lifecycle events to subscribers, in the order they happened. Delivery is deferred to a microtask so
 * that a listener never runs inside a driver operation; one queue keeps the order across domains.
 */
export class DomainEventBus {
  private readonly subscribers = new Set<Subscriber>();
  private readonly queue: DomainLifecycleEvent[] = [];
  private draining = false;

  constructor(private readonly log: (line: string) => void) {}

  /** Deliver `listener` every later event (only those of the domain with `uuid`, when given). */
  subscribe(listener: (ev: DomainLifecycleEvent) => void, uuid?: string): Subscription {
    const sub: Subscriber = { listener, uuid: uuid?.toLowerCase() };
    this.subscribers.add(sub);
    return { unsubscribe: () => this.subscribers.delete(sub) };
  }

  /** Queue one event for delivery. */
  emit(ev: DomainLifecycleEvent): void {
    this.queue.push({ ...ev, dom: { ...ev.dom } });
    if (!this.draining) {
      this.draining = true;
      queueMicrotask(() => this.drain());
    }
  }

  private drain(): void {
    for (let ev = this.queue.shift(); ev; ev = this.queue.shift()) {
      for (const sub of [...this.subscribers]) {
        if (sub.uuid !== undefined && sub.uuid !== ev.dom.uuid.toLowerCase()) continue;
        try {
          sub.listener(ev);
        } catch (err) {
          this.log(
            `event listener failed on event ${ev.event}/${ev.detail} of ${ev.dom.name}: ${String(err)}`,
          );
        }
      }
    }
    this.draining = false;
  }
}
