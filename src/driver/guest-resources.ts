/**
 * What a starting guest takes from the other drivers and gives back, as libvirt's drivers hand each
 * other network ports and storage volumes: before qemu starts, each provider fills the live definition
 * with what the guest needs (a volume's path, later a network's tap); when the guest stops, each gives
 * back what it handed out; when a restarted daemon re-adopts a running guest, each claims again what
 * that guest's live definition holds. The storage driver is the first provider; the network driver
 * (src/network/) plugs in the same way.
 */
import type { DomainConfig } from '../domain/index.js';
import type { RevertStack } from './revert-stack.js';

/** One driver's part in a guest's start, stop and re-adoption. */
export interface GuestResourceProvider {
  /** Names the provider in logs ("storage", "network"). */
  readonly name: string;
  /**
   * Before qemu starts: fills `def` (the live definition, the provider's own copy to change) with
   * what the guest needs, and pushes the undo of everything it took onto `revert`.
   */
  prepare(def: DomainConfig, revert: RevertStack): Promise<void>;
  /** After the guest's qemu is gone: gives back what prepare or reclaim took. Never called twice for one start. */
  release?(def: DomainConfig): Promise<void>;
  /** A running guest found by a restarted daemon: takes again what its live definition holds. */
  reclaim?(def: DomainConfig): Promise<void>;
}

/** Runs every provider's prepare in order; the caller's stack undoes them if a later step fails. */
export async function prepareResources(
  providers: readonly GuestResourceProvider[],
  def: DomainConfig,
  revert: RevertStack,
): Promise<void> {
  for (const provider of providers) await provider.prepare(def, revert);
}

/** Gives back every provider's resources, newest provider first; failures are logged, not thrown. */
export async function releaseResources(
  providers: readonly GuestResourceProvider[],
  def: DomainConfig,
  log: (line: string) => void,
): Promise<void> {
  for (const provider of [...providers].reverse()) {
    try {
      await provider.release?.(def);
    } catch (err) {
      log(
        `domain '${def.name}': ${provider.name} could not take back its resources: ${(err as Error).message}`,
      );
    }
  }
}

/** Claims again, for a re-adopted guest, what each provider handed out; failures are logged, not thrown. */
export async function reclaimResources(
  providers: readonly GuestResourceProvider[],
  def: DomainConfig,
  log: (line: string) => void,
): Promise<void> {
  for (const provider of providers) {
    try {
      await provider.reclaim?.(def);
    } catch (err) {
      log(
        `domain '${def.name}': ${provider.name} could not claim its resources again: ${(err as Error).message}`,
      );
    }
  }
}
