/**
 * The one table of QMP command timeouts, in milliseconds. A command not listed gets `default`.
 * Values bound how long QEMU's main loop may take, not the guest: commands whose effect completes in
 * the guest (system_powerdown, device_del) return as soon as QEMU has queued the request.
 */
export const QMP_TIMEOUTS_MS = {
  /** Any command not listed below. */
  default: 30_000,
  /** Capability negotiation right after the greeting. */
  qmp_capabilities: 5_000,
  'query-status': 5_000,
  'query-version': 5_000,
  'query-cpus-fast': 5_000,
  'query-balloon': 5_000,
  'query-block': 10_000,
  'qom-get': 5_000,
  /** Starting vCPUs may first have to finish incoming migration state. */
  cont: 10_000,
  /** Stopping drains in-flight block I/O. */
  stop: 30_000,
  system_powerdown: 5_000,
  system_reset: 10_000,
  /** quit answers before QEMU exits; the exit itself is watched elsewhere. */
  quit: 10_000,
  balloon: 5_000,
  /** Opening an image may touch slow or network storage. */
  'blockdev-add': 60_000,
  'blockdev-del': 30_000,
  device_add: 30_000,
  device_del: 30_000,
  'human-monitor-command': 30_000,
  'query-hotpluggable-cpus': 5_000,
  /** Writing the picture is quick; a slow disk under the runtime folder is the bound. */
  screendump: 10_000,
  'send-key': 5_000,
  'inject-nmi': 5_000,
  /** Resizing may allocate on slow storage. */
  block_resize: 60_000,
  /** migrate and migrate-incoming answer once the job is set up; query-migrate never waits. */
  migrate: 10_000,
  'migrate-incoming': 10_000,
  migrate_cancel: 10_000,
  'query-migrate': 5_000,
  'migrate-start-postcopy': 10_000,
} as const satisfies Record<string, number>;

/** Default bound on the liveness check (query-status) sent after a command times out. */
export const QMP_PROBE_TIMEOUT_MS = 2_000;

/** The timeout of one command: the caller's per-session override, else the table, else its default. */
export function resolveTimeoutMs(command: string, overrides?: Partial<Record<string, number>>): number {
  const own = overrides?.[command] ?? (QMP_TIMEOUTS_MS as Record<string, number>)[command];
  return own ?? overrides?.default ?? QMP_TIMEOUTS_MS.default;
}
