import { totalmem } from 'node:os';
import { TsvirtError } from '../errors.js';
import { versionNumber } from '../version.js';
import { run } from '../exec/index.js';
import { getHostCpuCount } from '../kvm/affinity.js';
import { findQemuBinary } from '../kvm/qemu-probe.js';
import { parseQemuVersion as parseQemuVersionText } from '../kvm/qemu-output.js';
import type { DomainConfig } from '../domain/index.js';
import type { HostFacts } from './context.js';

/** The host facts from the KVM probe, shaped for buildQemuArgv. */
export async function probeHostFacts(): Promise<HostFacts> {
  // The KVM probe loads with the first start, not with the driver: an idle daemon never runs it.
  const { probeAccel } = await import('../kvm/host-probe.js');
  const probe = await probeAccel();
  if (!probe.qemuBinary) {
    throw new TsvirtError(
      'ERR_QEMU_NOT_FOUND',
      'qemu-system-x86_64: not found; install the qemu-system-x86 package',
      { reasons: probe.reasons },
    );
  }
  return {
    qemuBinary: probe.qemuBinary,
    kvm: { usable: probe.kvmUsable, reason: probe.reasons.join('; ') },
    ...(probe.cpuHostWorks === undefined ? {} : { cpuHostWorks: probe.cpuHostWorks }),
  };
}

/** Memoize an async function: one call, shared; a failure is not cached. */
export function memoizeAsync<T>(fn: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= fn().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}

/** qemu's version as libvirt encodes it: major * 1,000,000 + minor * 1,000 + micro. */
export async function readQemuVersion(binary: string | undefined): Promise<bigint> {
  const qemu = binary ?? findQemuBinary();
  if (!qemu) {
    throw new TsvirtError(
      'ERR_QEMU_NOT_FOUND',
      'qemu-system-x86_64: not found; install the qemu-system-x86 package',
    );
  }
  const { stdout } = await run([qemu, '--version'], { timeoutMs: 10_000 });
  return parseQemuVersion(stdout);
}

/** Parse "QEMU emulator version 7.2.22 (Debian ...)" into libvirt's number (7002022). */
export function parseQemuVersion(text: string): bigint {
  const version = parseQemuVersionText(text);
  if (version === null) {
    throw new TsvirtError('ERR_INTERNAL', `qemu --version printed no version: ${text.slice(0, 200)}`, {
      text,
    });
  }
  return versionNumber(version);
}

/** Overcommit is allowed: vCPUs beyond host CPUs and memory beyond host RAM give warnings, not errors. */
export function findOvercommit(def: DomainConfig): string[] {
  const warnings: string[] = [];
  const cpus = getHostCpuCount();
  if (def.vcpus > cpus) {
    warnings.push(`domain '${def.name}' has ${def.vcpus} vCPUs but the host has ${cpus} CPUs (overcommit)`);
  }
  const hostKiB = Math.floor(totalmem() / 1024);
  if (def.memoryKiB > hostKiB) {
    warnings.push(
      `domain '${def.name}' has ${def.memoryKiB} KiB of memory but the host has ${hostKiB} KiB (overcommit)`,
    );
  }
  return warnings;
}
