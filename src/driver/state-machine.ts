import { DomainState, type DomainStateValue } from '../connection.js';
import { TsvirtError } from '../errors.js';
import { PausedReason, RunningReason, ShutdownReason } from '../api/domain-enums.js';

/** Every operation that depends on a domain's state: the closed set the driver decides on. */
export type DomainAction =
  | 'start'
  | 'shutdown'
  | 'destroy'
  | 'reboot'
  | 'reset'
  | 'suspend'
  | 'resume'
  | 'undefine'
  | 'set-autostart'
  | 'live-query' // vcpuinfo, dommemstat: need a running qemu
  | 'live-change' // vcpupin --live, setmem --live
  | 'config-change'; // vcpupin --config, setmem --config

/** What an allowed action should do: act, or nothing because the domain is already there. */
export type ActionVerdict = 'run' | 'noop';

interface Rule {
  /** States in which the action runs. */
  runs: readonly DomainStateValue[];
  /** States in which the action succeeds without doing anything (libvirt's behaviour). */
  noop?: readonly DomainStateValue[];
  /** The action needs a persistent definition. */
  persistent?: boolean;
  /** libvirt's wording when an active domain is in a state that does not allow the action. */
  activeMessage: string;
}

const { RUNNING, PAUSED, SHUTDOWN, SHUTOFF, NOSTATE, CRASHED } = DomainState;
/** NOSTATE here means "qemu alive but QMP does not answer": only destroy and queries of our own records work. */
const ACTIVE = [RUNNING, PAUSED, SHUTDOWN] as const;

/** The one table that says which domain state allows which action. */
const RULES: Record<DomainAction, Rule> = {
  start: { runs: [SHUTOFF, CRASHED], activeMessage: 'domain is already running' },
  shutdown: { runs: [RUNNING], activeMessage: 'domain is not running' },
  destroy: { runs: [...ACTIVE, NOSTATE], activeMessage: 'domain is not running' },
  reboot: { runs: [RUNNING], activeMessage: 'domain is not running' },
  reset: { runs: ACTIVE, activeMessage: 'domain is not running' },
  suspend: { runs: [RUNNING], noop: [PAUSED], activeMessage: 'domain is not running' },
  resume: { runs: [PAUSED], activeMessage: 'domain is not paused' },
  undefine: { runs: [...ACTIVE, NOSTATE, SHUTOFF, CRASHED], persistent: true, activeMessage: '' },
  'set-autostart': { runs: [...ACTIVE, NOSTATE, SHUTOFF, CRASHED], persistent: true, activeMessage: '' },
  'live-query': { runs: ACTIVE, activeMessage: 'domain is not running' },
  'live-change': { runs: ACTIVE, activeMessage: 'domain is not running' },
  'config-change': { runs: [...ACTIVE, NOSTATE, SHUTOFF, CRASHED], persistent: true, activeMessage: '' },
};

const PERSISTENT_MESSAGE: Partial<Record<DomainAction, string>> = {
  undefine: 'cannot undefine transient domain',
  'set-autostart': 'cannot set autostart for transient domain',
  'config-change': 'cannot change persistent config of a transient domain',
};

/** The facts about a domain that the table needs. */
export interface ActionSubject {
  name: string;
  state: DomainStateValue;
  persistent: boolean;
  /** Set while qemu runs but QMP does not answer. */
  monitorError?: string | undefined;
}

/**
 * Decide whether `action` is allowed on `dom`. Throws ERR_OPERATION_INVALID with libvirt's wording, or
 * ERR_OPERATION_FAILED when qemu does not answer on QMP.
 */
export function checkAction(action: DomainAction, dom: ActionSubject): ActionVerdict {
  const rule = RULES[action];
  if (rule.persistent && !dom.persistent) throw invalid(dom, action, PERSISTENT_MESSAGE[action] ?? '');
  if (rule.runs.includes(dom.state)) return 'run';
  if (rule.noop?.includes(dom.state)) return 'noop';
  if (dom.state === NOSTATE) {
    throw new TsvirtError(
      'ERR_OPERATION_FAILED',
      `domain '${dom.name}': qemu does not answer on QMP (${dom.monitorError ?? 'unknown error'}); destroy the domain to recover`,
      { domain: dom.name, action, state: dom.state },
    );
  }
  const inactive = dom.state === SHUTOFF || dom.state === CRASHED;
  throw invalid(dom, action, inactive ? 'domain is not running' : rule.activeMessage);
}

/** The actions whose verdict depends only on the domain's state (the driver checks them in the job). */
const STATE_ACTIONS = new Set<string>([
  'start',
  'shutdown',
  'destroy',
  'reboot',
  'reset',
  'suspend',
  'resume',
]);

/** Whether a job name is one of STATE_ACTIONS. */
export function isStateAction(job: string): job is DomainAction {
  return STATE_ACTIONS.has(job);
}

/** Whether a state means a qemu process exists for the domain. */
export function isActiveState(state: DomainStateValue): boolean {
  return state !== SHUTOFF && state !== CRASHED;
}

function invalid(dom: ActionSubject, action: DomainAction, what: string): TsvirtError {
  return new TsvirtError('ERR_OPERATION_INVALID', `Requested operation is not valid: ${what}`, {
    domain: dom.name,
    action,
    state: dom.state,
  });
}

/**
 * qemu's RunState (query-status, qapi/run-state.json) as libvirt's state, keeping the reason `current`
 * had where its state still holds.
 */
export function mapRunStatus(
  status: string,
  current: { state: DomainStateValue; reason: number },
): [DomainStateValue, number] {
  const keep = (state: DomainStateValue, fallback: number): [DomainStateValue, number] => [
    state,
    current.state === state ? current.reason : fallback,
  ];
  switch (status) {
    case 'running':
      return keep(RUNNING, RunningReason.UNPAUSED);
    case 'shutdown':
      return keep(SHUTDOWN, ShutdownReason.UNKNOWN);
    case 'prelaunch':
      return [PAUSED, PausedReason.STARTING_UP];
    default:
      return keep(PAUSED, PausedReason.UNKNOWN);
  }
}
