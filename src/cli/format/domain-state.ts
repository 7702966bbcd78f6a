import type { DomainStateValue } from '../../connection.js';

/** virsh's word for each virDomainState. */
const STATE_NAMES = [
  'no state',
  'running',
  'idle',
  'paused',
  'in shutdown',
  'shut off',
  'crashed',
  'pmsuspended',
];

/** virsh's words for the reason of each state, indexed by the reason number. */
const REASONS: string[][] = [
  ['unknown'],
  [
    'unknown',
    'booted',
    'migrated',
    'restored',
    'from snapshot',
    'unpaused',
    'migration canceled',
    'save canceled',
    'event wakeup',
    'crashed',
    'post-copy',
    'post-copy failed',
  ],
  ['unknown'],
  [
    'unknown',
    'user',
    'migrating',
    'saving',
    'dumping',
    'I/O error',
    'watchdog',
    'from snapshot',
    'shutting down',
    'creating snapshot',
    'crashed',
    'starting up',
    'post-copy',
    'post-copy failed',
    'api error',
  ],
  ['unknown', 'user'],
  ['unknown', 'shutdown', 'destroyed', 'crashed', 'migrated', 'saved', 'failed', 'from snapshot', 'daemon'],
  ['unknown', 'panicked'],
  ['unknown'],
];

/** The state as virsh prints it ("running", "shut off"). */
export function formatState(state: DomainStateValue | number): string {
  return STATE_NAMES[state] ?? 'no state';
}

/** The reason as virsh prints it after `domstate --reason` ("booted", "destroyed"). */
export function formatReason(state: DomainStateValue | number, reason: number): string {
  return REASONS[state]?.[reason] ?? 'unknown';
}
