/**
 * The bounds on a client that has not opened a connection yet (no CONNECT_OPEN has succeeded): a deadline
 * to open, a deadline to finish each packet once its first byte is in, and a cap on the bytes it may
 * have the server hold. libvirtd lets an unauthenticated client cost little; so does tsvirtd.
 */

/** The limits of one client before its CONNECT_OPEN. */
export interface PreOpenLimits {
  /** Milliseconds from accept to a successful CONNECT_OPEN. */
  openTimeoutMs: number;
  /** Milliseconds from the first byte of a packet to its last. */
  packetTimeoutMs: number;
  /** Bytes held for the client (a partial packet plus calls waiting their turn). */
  maxHeldBytes: number;
}

/** One client's pre-open timers; `onBreach` is told which bound the client broke, once. */
export class PreOpenGuard {
  private openTimer: NodeJS.Timeout | undefined;
  private packetTimer: NodeJS.Timeout | undefined;
  private done = false;

  constructor(
    private readonly limits: PreOpenLimits,
    private readonly onBreach: (reason: string) => void,
  ) {
    this.openTimer = setTimeout(
      () => this.breach(`no successful CONNECT_OPEN within ${limits.openTimeoutMs} ms of connecting`),
      limits.openTimeoutMs,
    );
    this.openTimer.unref();
  }

  /** Whether the client is still bound by these limits. */
  get active(): boolean {
    return !this.done;
  }

  /**
   * Bytes arrived: `partialBytes` of an unfinished packet are held now, `completed` packets were whole,
   * `heldBytes` is all the client holds. Starts, restarts or stops the packet deadline.
   */
  onReceived(partialBytes: number, completed: number, heldBytes: number): void {
    if (this.done) return;
    if (heldBytes > this.limits.maxHeldBytes) {
      return this.breach(
        `${heldBytes} bytes held before CONNECT_OPEN, over the ${this.limits.maxHeldBytes} allowed`,
      );
    }
    if (partialBytes === 0 || completed > 0) this.clearPacketTimer();
    if (partialBytes > 0 && !this.packetTimer) {
      this.packetTimer = setTimeout(
        () =>
          this.breach(
            `a packet begun before CONNECT_OPEN was not complete within ${this.limits.packetTimeoutMs} ms`,
          ),
        this.limits.packetTimeoutMs,
      );
      this.packetTimer.unref();
    }
  }

  /** CONNECT_OPEN succeeded (or the client is gone): the limits end. */
  stop(): void {
    this.done = true;
    if (this.openTimer) clearTimeout(this.openTimer);
    this.openTimer = undefined;
    this.clearPacketTimer();
  }

  private clearPacketTimer(): void {
    if (this.packetTimer) clearTimeout(this.packetTimer);
    this.packetTimer = undefined;
  }

  private breach(reason: string): void {
    if (this.done) return;
    this.stop();
    this.onBreach(reason);
  }
}
