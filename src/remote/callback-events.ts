/**
 * Client-side bookkeeping of libvirt's callback-id events (316/317/318 for domains, 368/369/370 for
 * pools): which listener owns which callbackID, including events that arrive in the same read as the
 * registration's reply, before the callbackID is known here.
 */
import type { Subscription } from '../connection.js';

/** Routes events of one kind to listeners by callbackID. */
export class CallbackEvents<E> {
  private readonly listeners = new Map<number, (ev: E) => void>();
  /** Ids given up by unsubscribe; the server may still send a few events before it sees 317/369. */
  private readonly retired = new Set<number>();
  private inFlight = 0;
  private early: { callbackID: number; ev: E }[] = [];

  constructor(private readonly warn: (message: string, fields: Record<string, unknown>) => void) {}

  /** Registers on the server with `register`, then routes that callbackID's events to `listener`. */
  async subscribe(
    listener: (ev: E) => void,
    register: () => Promise<number>,
    deregister: (callbackID: number) => Promise<void>,
  ): Promise<Subscription> {
    this.inFlight++;
    let callbackID: number;
    try {
      callbackID = await register();
    } finally {
      this.inFlight--;
    }
    this.retired.delete(callbackID);
    this.listeners.set(callbackID, listener);
    const early = this.early.filter((e) => e.callbackID === callbackID);
    this.early = this.inFlight > 0 ? this.early.filter((e) => e.callbackID !== callbackID) : [];
    for (const e of early) listener(e.ev);
    return {
      unsubscribe: () => {
        if (!this.listeners.delete(callbackID)) return;
        this.retired.add(callbackID);
        deregister(callbackID).catch((err: Error) =>
          this.warn(`event callback ${callbackID} could not be deregistered: ${err.message}`, { callbackID }),
        );
      },
    };
  }

  /** Hands one received event to its listener. */
  deliver(callbackID: number, ev: E): void {
    const listener = this.listeners.get(callbackID);
    if (listener) return listener(ev);
    if (this.retired.has(callbackID)) return;
    if (this.inFlight > 0) {
      this.early.push({ callbackID, ev });
      return;
    }
    this.warn(`event for unknown callback ${callbackID} dropped`, { callbackID });
  }

  /** Forgets every listener (the connection closed). */
  clear(): void {
    this.listeners.clear();
    this.early = [];
  }
}
