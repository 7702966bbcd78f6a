import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { TsvirtError, isTsvirtError } from '../errors.js';
import { QmpDecoder, encodeCommand, type QmpMessage } from './codec.js';
import { EventWaiters } from './event-wait.js';
import { connectUnixSocket } from './socket.js';
import { QMP_PROBE_TIMEOUT_MS, resolveTimeoutMs } from './timeouts.js';
import type { QmpClientOptions, QmpEvent, QmpGreeting, QmpTrace, WaitForEventOptions } from './types.js';

/** Default bound on connect()'s retries: qemu creates its socket within ~100 ms of spawn. */
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** Default bound on the greeting once connected. */
const DEFAULT_GREETING_TIMEOUT_MS = 10_000;
/** How many timed-out ids are remembered, so that their late replies are recognised. */
const TIMED_OUT_IDS_KEPT = 1_024;

/** Events of a QmpClient and their arguments. */
export interface QmpClientEvents {
  /** An asynchronous QMP event, with its data and timestamp. */
  event: [QmpEvent];
  /** A line that could not be used (malformed, unknown id, unexpected greeting); code ERR_QMP_PROTOCOL. */
  'protocol-error': [TsvirtError];
  /** The session ended: undefined when close() was called, else the ERR_QMP_DISCONNECTED error. */
  close: [TsvirtError | undefined];
  /** Handled faults worth a log line (late replies, liveness checks). */
  trace: [QmpTrace];
}

interface Pending {
  command: string;
  timeoutMs: number;
  startedAt: number;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  /** performance.now() value after which the command times out. */
  deadline: number;
  /** The liveness check: its own timeout starts no further check. */
  internal: boolean;
}

/**
 * A QMP session over any Duplex: reads the greeting, negotiates capabilities, matches replies to
 * commands by id, bounds every command with a timeout, and emits events.
 */
export class QmpClient extends EventEmitter<QmpClientEvents> {
  private readonly stream: Duplex;
  private readonly decoder = new QmpDecoder();
  private readonly label: string;
  private readonly timeouts: Partial<Record<string, number>> | undefined;
  private readonly probeTimeoutMs: number;
  private readonly pending = new Map<number, Pending>();
  private readonly timedOut = new Map<number, { command: string; startedAt: number }>();
  private nextId = 1;
  private probing = false;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private armedDeadline = Infinity;
  private isClosed = false;
  private greetingValue: QmpGreeting | undefined;
  private greetingWaiter: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private readonly eventWaiters: EventWaiters;

  private constructor(stream: Duplex, options: QmpClientOptions) {
    super();
    this.stream = stream;
    this.label = options.label ?? 'stream';
    this.eventWaiters = new EventWaiters(this.label);
    this.timeouts = options.timeouts;
    this.probeTimeoutMs = options.probeTimeoutMs ?? QMP_PROBE_TIMEOUT_MS;
    stream.on('data', (chunk: Buffer | string) => {
      for (const message of this.decoder.push(chunk)) this.dispatch(message);
    });
    let lastError: Error | undefined;
    stream.on('error', (err) => (lastError = err));
    stream.on('end', () => this.finish(false, lastError));
    stream.on('close', () => this.finish(false, lastError));
  }

  /** Connects to a unix socket path, retrying until it accepts or connectTimeoutMs passes (qemu creates the socket shortly after spawn); reads the greeting; runs qmp_capabilities. */
  static async connect(path: string, options: QmpClientOptions = {}): Promise<QmpClient> {
    const socket = await connectUnixSocket(path, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    return QmpClient.fromStream(socket, { label: path, ...options });
  }

  /** Same over an already-open Duplex (tests, other transports). */
  static async fromStream(stream: Duplex, options: QmpClientOptions = {}): Promise<QmpClient> {
    const client = new QmpClient(stream, options);
    try {
      await client.waitForGreeting(options.greetingTimeoutMs ?? DEFAULT_GREETING_TIMEOUT_MS);
      await client.execute('qmp_capabilities');
    } catch (err) {
      client.close();
      throw err;
    }
    return client;
  }

  /** The greeting QEMU sent: its version and the capabilities it offered. */
  get greeting(): QmpGreeting {
    if (!this.greetingValue) throw new TsvirtError('ERR_INTERNAL', 'qmp greeting read before it arrived');
    return this.greetingValue;
  }

  /** Whether the session has ended (by close() or by the peer). */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * The monitor's byte stream, for the one thing the client cannot do itself: sending descriptors
   * (SCM_RIGHTS) ahead of a getfd or add-fd. Write nothing else on it.
   */
  get transport(): Duplex {
    return this.stream;
  }

  /** Number of commands sent and not yet answered or timed out. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Send one command; resolves with its `return` value, rejects with ERR_QMP_COMMAND, _TIMEOUT or _DISCONNECTED. */
  execute<T = unknown>(
    command: string,
    args?: Record<string, unknown>,
    options?: { timeoutMs?: number },
  ): Promise<T> {
    const timeoutMs = options?.timeoutMs ?? resolveTimeoutMs(command, this.timeouts);
    return this.send(command, args, timeoutMs, false) as Promise<T>;
  }

  /** Number of waitForEvent() calls not yet settled. */
  get eventWaitCount(): number {
    return this.eventWaiters.size;
  }

  /**
   * Waits for the next event `event` whose data `options.match` accepts. The wait is armed before this
   * returns, so call it before the command that causes the event (device_del, then DEVICE_DELETED), or
   * use executeAndWait(). Rejects with ERR_QMP_TIMEOUT after timeoutMs, with ERR_QMP_DISCONNECTED when the
   * monitor closes first, and with the abort reason when `options.signal` aborts.
   */
  waitForEvent(event: string, options: WaitForEventOptions): Promise<QmpEvent> {
    if (this.isClosed) {
      const message = `wait for qmp event "${event}": monitor ${this.label} is closed`;
      return Promise.reject(new TsvirtError('ERR_QMP_DISCONNECTED', message, { event, label: this.label }));
    }
    return this.eventWaiters.wait(event, options);
  }

  /**
   * Arms a wait for `event`, sends `command`, and resolves with the command's return value and the event
   * (which may arrive before or after the reply). When the command fails, the wait is dropped and the
   * command's error is thrown; `options.timeoutMs` bounds the event from this call on.
   */
  async executeAndWait<T = unknown>(
    command: string,
    args: Record<string, unknown> | undefined,
    event: string,
    options: WaitForEventOptions & { commandTimeoutMs?: number },
  ): Promise<{ value: T; event: QmpEvent }> {
    const own = new AbortController();
    const outer = options.signal;
    const forward = (): void => own.abort(outer?.reason);
    if (outer?.aborted) forward();
    else outer?.addEventListener('abort', forward, { once: true });
    const waiting = this.waitForEvent(event, { ...options, signal: own.signal });
    // Observed below, or deliberately dropped when the command fails.
    waiting.catch(() => undefined);
    try {
      // Aborted already: the wait has rejected with the reason, and the command is not sent.
      if (own.signal.aborted) await waiting;
      const executeOptions =
        options.commandTimeoutMs === undefined ? undefined : { timeoutMs: options.commandTimeoutMs };
      const value = await this.execute<T>(command, args, executeOptions);
      return { value, event: await waiting };
    } catch (err) {
      own.abort(err);
      throw err;
    } finally {
      outer?.removeEventListener('abort', forward);
    }
  }

  /** End the session; idempotent. Pending commands reject with ERR_QMP_DISCONNECTED. */
  close(): void {
    this.finish(true, undefined);
  }

  private send(
    command: string,
    args: Record<string, unknown> | undefined,
    timeoutMs: number,
    internal: boolean,
  ): Promise<unknown> {
    if (this.isClosed) {
      return Promise.reject(
        new TsvirtError('ERR_QMP_DISCONNECTED', `qmp command "${command}": monitor ${this.label} is closed`, {
          command,
          label: this.label,
        }),
      );
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const startedAt = performance.now();
      const deadline = startedAt + timeoutMs;
      this.pending.set(id, { command, timeoutMs, startedAt, resolve, reject, deadline, internal });
      this.armDeadline(deadline);
      this.stream.write(encodeCommand(command, args, id));
    });
  }

  private waitForGreeting(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const message = `qmp monitor ${this.label} sent no greeting within ${timeoutMs} ms; check that it is a QMP socket`;
        reject(new TsvirtError('ERR_QMP_TIMEOUT', message, { command: 'greeting', timeoutMs }));
      }, timeoutMs);
      const settle = (err?: Error): void => {
        clearTimeout(timer);
        this.greetingWaiter = undefined;
        if (err) reject(err);
        else resolve();
      };
      this.greetingWaiter = { resolve: () => settle(), reject: settle };
    });
  }

  private dispatch(message: QmpMessage): void {
    if (this.greetingWaiter && message.type !== 'greeting') {
      const line = message.type === 'event' ? JSON.stringify(message.event) : message.line;
      const err = new TsvirtError(
        'ERR_QMP_PROTOCOL',
        `qmp monitor ${this.label} did not start with a greeting; check that it is a QMP socket`,
        { line, label: this.label },
      );
      return this.greetingWaiter.reject(err);
    }
    switch (message.type) {
      case 'return':
      case 'error':
        return this.settle(message);
      case 'event':
        this.eventWaiters.deliver(message.event);
        this.emit('event', message.event);
        return;
      case 'greeting':
        return this.onGreeting(message.greeting);
      case 'invalid':
        return this.reportProtocolError(message.line, message.reason);
    }
  }

  private onGreeting(greeting: QmpGreeting): void {
    if (this.greetingValue || !this.greetingWaiter) {
      return this.reportProtocolError(JSON.stringify({ QMP: greeting }), 'unexpected second greeting');
    }
    this.greetingValue = greeting;
    this.greetingWaiter.resolve();
  }

  private settle(message: Extract<QmpMessage, { type: 'return' | 'error' }>): void {
    const id = typeof message.id === 'number' ? message.id : undefined;
    const entry = id === undefined ? undefined : this.pending.get(id);
    if (id === undefined || !entry) return this.onOrphanReply(id, message.line);
    this.pending.delete(id);
    if (message.type === 'return') return entry.resolve(message.value);
    const { errorClass, desc } = message;
    entry.reject(
      new TsvirtError('ERR_QMP_COMMAND', `qmp command "${entry.command}" failed: ${desc}`, {
        command: entry.command,
        errorClass,
        desc,
      }),
    );
  }

  private onOrphanReply(id: number | undefined, line: string): void {
    const late = id === undefined ? undefined : this.timedOut.get(id);
    if (id === undefined || !late) {
      const why = id === undefined ? 'reply without a numeric id' : `reply for unknown id ${id}`;
      return this.reportProtocolError(line, why);
    }
    this.timedOut.delete(id);
    const elapsedMs = performance.now() - late.startedAt;
    this.emit('trace', { kind: 'late-reply', id, command: late.command, elapsedMs });
  }

  /**
   * One timer serves every pending command: it is armed for the earliest deadline and left alone when a
   * command completes, so a round trip does no timer work (a timer per command cost a few us here).
   */
  private armDeadline(deadline: number): void {
    if (deadline >= this.armedDeadline) return;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.armedDeadline = deadline;
    this.deadlineTimer = setTimeout(() => this.sweepDeadlines(), Math.max(0, deadline - performance.now()));
  }

  private sweepDeadlines(): void {
    this.deadlineTimer = undefined;
    this.armedDeadline = Infinity;
    // Node's timers count whole milliseconds, so one may fire up to 1 ms before performance.now() agrees.
    const now = performance.now() + 1;
    let next = Infinity;
    for (const [id, entry] of this.pending) {
      if (entry.deadline <= now) this.expire(id, entry);
      else next = Math.min(next, entry.deadline);
    }
    if (next < Infinity && !this.isClosed) this.armDeadline(next);
  }

  private expire(id: number, entry: Pending): void {
    this.pending.delete(id);
    this.timedOut.set(id, { command: entry.command, startedAt: entry.startedAt });
    if (this.timedOut.size > TIMED_OUT_IDS_KEPT) this.timedOut.delete(this.timedOut.keys().next().value!);
    const { command, timeoutMs } = entry;
    const message = `qmp command "${command}" timed out after ${timeoutMs} ms`;
    entry.reject(new TsvirtError('ERR_QMP_TIMEOUT', message, { command, timeoutMs, label: this.label }));
    if (!entry.internal) this.probe(command);
  }

  /** A cheap command after a timeout tells a slow command (QEMU answers) from a hung QEMU (it does not). */
  private probe(afterCommand: string): void {
    if (this.probing || this.isClosed) return;
    this.probing = true;
    const startedAt = performance.now();
    const timeoutMs = this.probeTimeoutMs;
    this.send('query-status', undefined, timeoutMs, true)
      .then(
        () =>
          this.emit('trace', { kind: 'probe-ok', afterCommand, elapsedMs: performance.now() - startedAt }),
        (err: unknown) => {
          if (isTsvirtError(err, 'ERR_QMP_TIMEOUT'))
            this.emit('trace', { kind: 'probe-timeout', afterCommand, timeoutMs });
        },
      )
      .finally(() => (this.probing = false));
  }

  private reportProtocolError(line: string, reason: string): void {
    const message = `qmp monitor ${this.label} sent an unusable line (${reason}); it was ignored`;
    this.emit(
      'protocol-error',
      new TsvirtError('ERR_QMP_PROTOCOL', message, { line, reason, label: this.label }),
    );
  }

  private finish(byCaller: boolean, cause: Error | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const entries = [...this.pending.values()];
    this.pending.clear();
    const commands = entries.map((e) => e.command);
    const what = byCaller ? 'was closed by tsvirt' : 'disconnected';
    const pendingText = commands.length
      ? ` with ${commands.length} command(s) pending (${commands.join(', ')})`
      : '';
    const remedy = byCaller ? '' : '; qemu has probably exited, see its log';
    const err = new TsvirtError(
      'ERR_QMP_DISCONNECTED',
      `qmp monitor ${this.label} ${what}${pendingText}${remedy}`,
      { label: this.label, pending: commands },
      cause ? { cause } : undefined,
    );
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    for (const entry of entries) entry.reject(err);
    this.greetingWaiter?.reject(err);
    this.eventWaiters.rejectAll(
      (event) =>
        new TsvirtError(
          'ERR_QMP_DISCONNECTED',
          `qmp monitor ${this.label} ${what} while waiting for event "${event}"${remedy}`,
          { label: this.label, event },
          { cause: err },
        ),
    );
    this.stream.destroy();
    this.emit('close', byCaller ? undefined : err);
  }
}
