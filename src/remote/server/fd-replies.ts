/**
 * Replies that carry descriptors (REPLY_WITH_FDS), as libvirt sends them: the reply packet, then each
 * descriptor on a byte of its own (SCM_RIGHTS), which the client reads right after the packet. While
 * those bytes wait for the socket, every other packet of the client (events, keepalives, replies) is
 * held back in order, so that nothing slips between a reply and its descriptors.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { closeFd, sendOnSocket } from '../../kvm/fd-passing.js';

/** What waits while descriptors are being sent: packets, and further descriptor sends. */
type Held = { bytes: Buffer } | { fds: number[] };

/** The descriptor side of one client session. */
export class FdReplies {
  private readonly attached = new Map<number, number[]>();
  private held: Held[] | undefined;
  private discarded = false;

  constructor(
    private readonly socket: Duplex,
    private readonly onFailure: (reason: string) => void,
  ) {}

  /** Whether the socket has a descriptor of its own to send on (a connected net.Socket). */
  get usable(): boolean {
    const fd = (this.socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    return typeof fd === 'number' && fd >= 0;
  }

  /** Keeps `fds` for the reply to call `serial`. */
  attach(serial: number, fds: number[]): void {
    const old = this.attached.get(serial);
    if (old) this.close(old);
    if (this.discarded) return this.close(fds);
    this.attached.set(serial, fds);
  }

  /** The descriptors kept for `serial`, now the caller's. */
  take(serial: number): number[] | undefined {
    const fds = this.attached.get(serial);
    this.attached.delete(serial);
    return fds;
  }

  /** Holds `bytes` back while descriptors are under way; false when they may be written now. */
  holds(bytes: Buffer): boolean {
    if (!this.held) return false;
    this.held.push({ bytes });
    return true;
  }

  /** Sends `fds` (closed afterwards) after the bytes written so far, each on one zero byte. */
  send(fds: number[]): void {
    if (this.held) {
      this.held.push({ fds });
      return;
    }
    this.held = [];
    void this.run(fds);
  }

  /** Closes descriptors that will not be sent. */
  close(fds: number[]): void {
    for (const fd of fds) closeFd(fd);
  }

  /** The client is gone: close every descriptor still kept or waiting. */
  discard(): void {
    this.discarded = true;
    for (const fds of this.attached.values()) this.close(fds);
    this.attached.clear();
    for (const item of this.held ?? []) if ('fds' in item) this.close(item.fds);
    this.held = undefined;
  }

  private async run(first: number[]): Promise<void> {
    let fds: number[] | undefined = first;
    while (fds) {
      try {
        for (const fd of fds) await sendOnSocket(this.socket as Socket, Buffer.alloc(1), [fd]);
      } catch (err) {
        if (!this.discarded) this.onFailure(`reply descriptors not sent: ${(err as Error).message}`);
        return;
      } finally {
        this.close(fds);
      }
      fds = this.flushUntilFds();
    }
  }

  /** Writes held packets in order up to the next descriptor send, which it returns. */
  private flushUntilFds(): number[] | undefined {
    const held = this.held ?? [];
    while (held.length > 0) {
      const item = held.shift() as Held;
      if ('fds' in item) return item.fds;
      if (!this.socket.destroyed) this.socket.write(item.bytes);
    }
    this.held = undefined;
    return undefined;
  }
}
