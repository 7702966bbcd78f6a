import { DomainState, type DomainRef, type DomainStateValue } from '../connection.js';
import type { DomainConfig } from '../domain/index.js';
import type { QmpClient } from '../qmp/index.js';
import { ShutoffReason } from '../api/domain-enums.js';
import { DomainJobs } from './jobs.js';
import type { DomainPaths } from './runtime-files.js';
import { isActiveState, type ActionSubject } from './state-machine.js';
import type { BlockJobRecord, PendingJob } from './status-jobs.js';

/** What the driver knows about a running qemu process of a domain. */
export interface DomainRuntime {
  pid: number;
  /** /proc/PID/stat start time: with the pid, the identity of this qemu. */
  startTicks: number;
  /** Wall-clock start, ISO 8601. */
  startedAt: string;
  /** The monitor; undefined while it does not answer. */
  qmp: QmpClient | undefined;
  /** Settles when qemu exits, for a child this driver spawned (adopted ones are polled). */
  exited: Promise<unknown> | undefined;
  /** Paths of disk sources (volumes resolved), for "which domain uses this path". */
  diskPaths: string[];
  /** QEMU sent SHUTDOWN: an exit that follows is a shutdown, not a crash. */
  gotShutdown: boolean;
  /** The SHUTDOWN event said the guest asked for it. */
  guestShutdown: boolean;
  /** A reboot (or on_poweroff=restart) is in flight: the next guest SHUTDOWN resets instead of stopping. */
  fakeReboot: boolean;
  /** A fake reboot is resetting the machine: its STOP and RESUME events are not the user's. */
  rebooting: boolean;
  /** The paused reason the next STOP event gets (suspend sets it to USER before sending `stop`). */
  pauseReason: number | undefined;
  /** Timer polling /proc for the exit of a qemu this driver did not spawn. */
  pollTimer: NodeJS.Timeout | undefined;
  /** The TCP port qemu picked for VNC autoport (query-vnc). */
  vncPort: number | undefined;
  /** The TCP port of SPICE (query-spice). */
  spicePort: number | undefined;
  /** The /dev/pts path of each pty serial, by serial index (query-chardev); empty until asked. */
  serialPtys: (string | undefined)[];
  /** The balloon's actual size in KiB as qemu last reported it (query-balloon, BALLOON_CHANGE). */
  balloonKiB: number | undefined;
  /** Set while QMP does not answer: the state to come back to when it does. */
  hungFrom: { state: DomainStateValue; reason: number } | undefined;
  /** A vCPU was unplugged from this qemu (qemu 7.2 under TCG aborts on a later hotplug). */
  vcpuUnplugged: boolean;
  /** The save or internal snapshot under way, kept in the status file for a restart to resolve. */
  pendingJob: PendingJob | undefined;
  /** The block job of each disk (by target) qemu runs, kept in the status file. */
  blockJobs: Map<string, BlockJobRecord>;
}

/** A runtime record for a qemu process that was just spawned or found. */
export function buildRuntime(facts: {
  pid: number;
  startTicks: number;
  startedAt: string;
  exited: Promise<unknown> | undefined;
  diskPaths: string[];
}): DomainRuntime {
  return {
    ...facts,
    qmp: undefined,
    gotShutdown: false,
    guestShutdown: false,
    fakeReboot: false,
    rebooting: false,
    pauseReason: undefined,
    pollTimer: undefined,
    vncPort: undefined,
    spicePort: undefined,
    serialPtys: [],
    balloonKiB: undefined,
    hungFrom: undefined,
    vcpuUnplugged: false,
    pendingJob: undefined,
    blockJobs: new Map(),
  };
}

/**
 * One domain in the registry: its definitions, state, runtime and jobs. Whether it is starting or being
 * destroyed is read from its jobs (job.starting, job.destroying), not kept beside them.
 */
export class DomainObject {
  /** The persistent definition (etc/qemu/NAME.xml); undefined for a transient domain. */
  persistentDef: DomainConfig | undefined;
  /** The definition qemu runs with; undefined while inactive. */
  liveDef: DomainConfig | undefined;
  autostart = false;
  state: DomainStateValue = DomainState.SHUTOFF;
  reason: number = ShutoffReason.UNKNOWN;
  id = -1;
  run: DomainRuntime | undefined;
  /** Why qemu is shown in NOSTATE: it runs but QMP does not answer. */
  monitorError: string | undefined;
  /** Its normal and async jobs, and the destroys that pre-empt them. */
  readonly job: DomainJobs;

  constructor(
    readonly name: string,
    readonly uuid: string,
    readonly paths: DomainPaths,
  ) {
    this.job = new DomainJobs(() => this.name);
  }

  /** The definition that applies now: the live one while active, else the persistent one. */
  get def(): DomainConfig {
    const def = this.liveDef ?? this.persistentDef;
    if (!def) throw new Error(`domain ${this.name} has no definition`);
    return def;
  }

  /** Whether a qemu process exists for the domain. */
  get active(): boolean {
    return isActiveState(this.state);
  }

  /** Whether it has a persistent definition. */
  get persistent(): boolean {
    return this.persistentDef !== undefined;
  }

  /** The facts the state table decides on. */
  get subject(): ActionSubject {
    return {
      name: this.name,
      state: this.state,
      persistent: this.persistent,
      monitorError: this.monitorError,
    };
  }

  /** The wire reference: id -1 while inactive. */
  ref(): DomainRef {
    return { name: this.name, uuid: this.uuid, id: this.active ? this.id : -1 };
  }

  /** Set the state and its reason (libvirt's virDomain*Reason for that state). */
  setState(state: DomainStateValue, reason: number): void {
    this.state = state;
    this.reason = reason;
  }
}
