import type { InterfaceAddressSources } from './interface-addresses.js';
import type { QemuCaps } from '../kvm/qemu-caps-parse.js';
import type { GuestResourceProvider } from './guest-resources.js';
import type { DomainEventBus } from './events.js';
import type { GraphicsListenConf } from './graphics-runtime.js';
import type { QemuConfinement } from './qemu-user.js';
import type { DomainRegistry } from './registry.js';
import type { RootDirs } from './runtime-files.js';

/** Host facts that buildQemuArgv needs (the shape of its `host` argument). */
export interface HostFacts {
  qemuBinary: string;
  kvm: { usable: boolean; reason: string };
  cpuHostWorks?: boolean;
}

/** Bounded waits of the driver, in milliseconds. */
export interface DriverTimeouts {
  /** From spawn until QMP accepts and greets. */
  qmpConnectMs: number;
  /** Reconnecting QMP of an adopted qemu. */
  adoptQmpMs: number;
  /** Destroy: from SIGTERM to SIGKILL, and after SIGKILL. */
  termWaitMs: number;
  killWaitMs: number;
  /** Destroy with GRACEFUL: how long qemu may take after SIGTERM before destroy fails. */
  gracefulWaitMs: number;
  /** /proc poll period for the exit of a qemu the driver did not spawn. */
  exitPollMs: number;
  /** How long internal work (exit cleanup) waits for a domain's normal job. */
  internalJobWaitMs: number;
}

/** Defaults of DriverTimeouts. */
export const DEFAULT_TIMEOUTS: DriverTimeouts = {
  qmpConnectMs: 10_000,
  adoptQmpMs: 3_000,
  // libvirt's virProcessKillPainfully polls every 200 ms: SIGKILL at poll 50 (10 s), gives up at
  // poll 200 (30 s after SIGKILL); without force (GRACEFUL) it gives up at poll 75 (15 s).
  termWaitMs: 10_000,
  killWaitMs: 30_000,
  gracefulWaitMs: 15_000,
  exitPollMs: 500,
  internalJobWaitMs: 60_000,
};

/** What the driver's modules share. */
export interface DriverContext {
  dirs: RootDirs;
  registry: DomainRegistry;
  events: DomainEventBus;
  log: (line: string) => void;
  /** How long a public operation waits for a domain's job (0: fail at once with ERR_DOMAIN_BUSY). */
  jobWaitMs: number;
  timeouts: DriverTimeouts;
  hostFacts: () => Promise<HostFacts>;
  /** qemu's machines and CPU models per binary (define reads the machine aliases from it). */
  qemuCaps: (binary: string) => Promise<QemuCaps>;
  /** What other drivers hand a starting guest and take back at its stop (storage, later network). */
  resources: readonly GuestResourceProvider[];
  /** Hands out domain ids (serialized; at least `minId`). */
  allocateId: (minId: number) => Promise<number>;
  /** Set by close(): exits seen after it are left for the next driver to find. */
  closing: boolean;
  /** qemu.conf's vnc_listen and spice_listen. */
  graphicsListen: GraphicsListenConf;
  /** Whom qemu runs as and how it is confined (qemu.conf). */
  confinement: QemuConfinement;
  /** Where guest NIC addresses are looked up (a network driver's leases, the neighbour table). */
  addressSources?: InterfaceAddressSources;
}
