/** The first line a QMP monitor sends: the QEMU version and the capabilities it offers. */
export interface QmpGreeting {
  version: { qemu: { major: number; minor: number; micro: number }; package: string };
  capabilities: string[];
}

/** An asynchronous QMP event; `data` is `{}` when QEMU sends none (STOP, RESUME). */
export interface QmpEvent {
  event: string;
  data: Record<string, unknown>;
  /** Host wall-clock time at which QEMU emitted the event. */
  timestamp: { seconds: number; microseconds: number };
}

/** Options of a QMP session. */
export interface QmpClientOptions {
  /** How long connect() keeps retrying a socket that is absent or refuses (qemu creates it after spawn). */
  connectTimeoutMs?: number;
  /** How long to wait for the greeting line once connected. */
  greetingTimeoutMs?: number;
  /** Per-command overrides of QMP_TIMEOUTS_MS; the key `default` overrides the default. */
  timeouts?: Partial<Record<string, number>>;
  /** Bound on the cheap liveness check sent after a command times out. */
  probeTimeoutMs?: number;
  /** Names the monitor in messages (connect() sets the socket path). */
  label?: string;
}

/** A diagnostic the session emits as 'trace': things it handled without failing a call. */
export type QmpTrace =
  /** A reply came for a command that had already timed out; it was dropped. */
  | { kind: 'late-reply'; id: number; command: string; elapsedMs: number }
  /** After a timeout, QEMU still answered the liveness check. */
  | { kind: 'probe-ok'; afterCommand: string; elapsedMs: number }
  /** After a timeout, QEMU did not answer the liveness check either: it looks hung. */
  | { kind: 'probe-timeout'; afterCommand: string; timeoutMs: number };

/** Options of QmpClient.waitForEvent. */
export interface WaitForEventOptions {
  /** Accepts or skips an event of the awaited name by its data; absent, the first one is taken. */
  match?: (data: Record<string, unknown>, event: QmpEvent) => boolean;
  /** How long to wait, from the call, before rejecting with ERR_QMP_TIMEOUT. */
  timeoutMs: number;
  /** Ends the wait early: it rejects with the abort reason when that is a TsvirtError, else ERR_OPERATION_FAILED. */
  signal?: AbortSignal;
}
