/**
 * Server-side keepalive, as libvirtd runs it for a client that asked for feature PROGRAM_KEEPALIVE: when
 * nothing arrived for `intervalS`, send a PING (program "keep", MESSAGE, serial 0); after `count` PINGs
 * with nothing received in between, the client is dead. Any received packet resets the count.
 */

/** One client's keepalive timer. */
export class ServerKeepalive {
  private timer: NodeJS.Timeout | undefined;
  private lastReceivedMs = Date.now();
  private unanswered = 0;

  constructor(
    private readonly intervalS: number,
    private readonly count: number,
    private readonly sendPing: () => void,
    private readonly onDead: (idleMs: number) => void,
  ) {}

  /** Starts the timer; an interval below 1 (libvirtd's -1) disables keepalive. Safe to call twice. */
  start(): void {
    if (this.timer || this.intervalS < 1) return;
    this.lastReceivedMs = Date.now();
    this.timer = setInterval(() => this.tick(), this.intervalS * 1000);
    this.timer.unref();
  }

  /** Something arrived from the client. */
  touch(): void {
    this.lastReceivedMs = Date.now();
    this.unanswered = 0;
  }

  /** Stops the timer. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const idleMs = Date.now() - this.lastReceivedMs;
    // A timer tick can fire a few ms early relative to the last packet; allow 10% slack.
    if (idleMs < this.intervalS * 900) return;
    if (this.unanswered >= this.count) {
      this.stop();
      this.onDead(idleMs);
      return;
    }
    this.unanswered++;
    this.sendPing();
  }
}
