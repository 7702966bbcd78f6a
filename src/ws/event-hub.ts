/**
 * Fans the connection's lifecycle and device events out to WebSocket subscribers. The hub holds one listener per
 * event kind on the Connection (taken on the first subscriber), encodes each event once, and hands the
 * same text to every subscriber in arrival order. A sink never blocks: it queues or drops its client.
 */
import type { Connection, DomainEventKind, Subscription } from '../connection.js';
import { encodeNotification } from './jsonrpc.js';

/** The notification methods `subscribe` offers. */
export const EVENT_KINDS = [
  'domain.lifecycle',
  'pool.lifecycle',
  'pool.refresh',
  'domain.device-added',
  'domain.device-removed',
  'domain.device-removal-failed',
  'domain.metadata-change',
  'domain.block-job',
  'domain.block-job-2',
] as const;
/** One of EVENT_KINDS. */
export type EventKind = (typeof EVENT_KINDS)[number];

/** Receives the encoded notification text. */
export type EventSink = (text: string) => void;

/** One listener per kind on the Connection, shared by all subscribers. */
export class EventHub {
  private readonly sinks = new Map<EventKind, Set<EventSink>>();
  private readonly upstream = new Map<EventKind, Promise<Subscription>>();

  constructor(
    private readonly conn: Connection,
    private readonly log: (level: 'warn' | 'info', msg: string) => void,
  ) {}

  /** Add a sink for a kind; resolves once the Connection listener is in place. */
  async add(kind: EventKind, sink: EventSink): Promise<void> {
    let set = this.sinks.get(kind);
    if (!set) this.sinks.set(kind, (set = new Set()));
    set.add(sink);
    let sub = this.upstream.get(kind);
    if (!sub) {
      sub = this.listen(kind);
      this.upstream.set(kind, sub);
      sub.catch(() => this.upstream.delete(kind));
    }
    await sub;
  }

  /** Remove a sink from one kind, or from all kinds. */
  remove(sink: EventSink, kind?: EventKind): void {
    for (const k of kind ? [kind] : EVENT_KINDS) this.sinks.get(k)?.delete(sink);
  }

  /** How many sinks a kind has. */
  count(kind: EventKind): number {
    return this.sinks.get(kind)?.size ?? 0;
  }

  /** Drop the Connection listeners. */
  async close(): Promise<void> {
    const subs = [...this.upstream.values()];
    this.upstream.clear();
    this.sinks.clear();
    for (const sub of subs) (await sub.catch(() => undefined))?.unsubscribe();
  }

  private listen(kind: EventKind): Promise<Subscription> {
    const emit = (params: unknown): void => this.emit(kind, encodeNotification(kind, params));
    if (kind === 'pool.lifecycle') return this.conn.onStoragePoolLifecycle((ev) => emit(ev));
    if (kind === 'pool.refresh') return this.conn.onStoragePoolRefresh((ev) => emit(ev));
    if (kind === 'domain.lifecycle') return this.conn.onDomainLifecycle((ev) => emit(ev));
    return this.conn.onDomainEvent(domainEventKindOf(kind), (ev) => emit(ev));
  }

  private emit(kind: EventKind, text: string): void {
    for (const sink of [...(this.sinks.get(kind) ?? [])]) {
      try {
        sink(text);
      } catch (err) {
        this.log('warn', `ws: an event subscriber failed (${(err as Error).message}); it was removed`);
        this.remove(sink);
      }
    }
  }
}

/** The Connection's kind behind a `domain.*` notification method (domain.device-added: device-added). */
function domainEventKindOf(
  kind: Exclude<EventKind, 'pool.lifecycle' | 'pool.refresh' | 'domain.lifecycle'>,
): DomainEventKind {
  return kind.slice('domain.'.length) as DomainEventKind;
}
