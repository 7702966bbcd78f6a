import type { DomainEventBus } from './events.js';
import type { QemuConfinement } from './qemu-user.js';
import type { DomainRegistry } from './registry.js';
import type { RootDirs } from './runtime-files.js';

/** Host facts that buildQemuArgv needs (the shape of its `host` argument). */
export interface HostFacts {
  qemuBinary: string;
  kvm: { usable: boolean; reason: string };
  cpuHostWorks?: boolean;
}

/** Resolves a `<source pool= volume=>` disk to a path (given by the storage layer). */
export type VolumeResolver = (
  pool: string,
  volume: string,
) => Promise<{ path: string; kind: 'file' | 'block'; format: string }>;

/** Bounded waits of the driver, in milliseconds. */
export interface DriverTimeouts {
  /** From spawn until QMP accepts and greets. */
  qmpConnectMs: number;
  /** Reconnecting QMP of an adopted qemu. */
  adoptQmpMs: number;
  /** Stop ladder: after `quit`, after SIGTERM, after SIGKILL. */
  quitWaitMs: number;
  termWaitMs: number;
  killWaitMs: number;
  /** /proc poll period for the exit of a qemu the driver did not spawn. */
  exitPollMs: number;
  /** How long internal work (exit cleanup) waits for a domain's job lock. */
  internalJobWaitMs: number;
}

/** Defaults of DriverTimeouts. */
export const DEFAULT_TIMEOUTS: DriverTimeouts = {
  qmpConnectMs: 10_000,
  adoptQmpMs: 3_000,
  quitWaitMs: 3_000,
  termWaitMs: 5_000,
  killWaitMs: 5_000,
  exitPollMs: 500,
  internalJobWaitMs: 60_000,
};

/** What the driver's modules share. */
export interface DriverContext {
  dirs: RootDirs;
  registry: DomainRegistry;
  events: DomainEventBus;
  log: (line: string) => void;
  /** How long a public operation waits for a domain's job lock (0: fail at once with ERR_DOMAIN_BUSY). */
  jobWaitMs: number;
  timeouts: DriverTimeouts;
  hostFacts: () => Promise<HostFacts>;
  resolveVolume: VolumeResolver | undefined;
  /** Hands out domain ids (serialized; at least `minId`). */
  allocateId: (minId: number) => Promise<number>;
  /** Set by close(): exits seen after it are left for the next driver to find. */
  closing: boolean;
  /** Whom qemu runs as and how it is confined (qemu.conf). */
  confinement: QemuConfinement;
}
