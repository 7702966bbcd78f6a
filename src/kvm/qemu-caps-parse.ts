/**
 * qemu's machine types and CPU models, from the replies of one QMP session on stdio
 * (query-machines, query-cpu-definitions). Pure: the probe that runs qemu is in qemu-caps-probe.ts.
 */
import { TsvirtError } from '../errors.js';

/** One machine type as query-machines reports it. */
export interface MachineFact {
  /** Canonical name, e.g. "pc-i440fx-7.2". */
  name: string;
  /** The short name that points at it, e.g. "pc"; absent for most. */
  alias?: string;
  /** cpu-max: the most vCPUs the machine takes. */
  maxCpus: number;
  deprecated: boolean;
  /** qemu's default machine (is-default). */
  isDefault: boolean;
}

/** One CPU model as query-cpu-definitions reports it, under the accelerator of the probe. */
export interface CpuModelFact {
  name: string;
  /** No unavailable-features under the probe's accelerator. */
  usable: boolean;
  deprecated: boolean;
}

/** What the probe learns from qemu. */
export interface QemuCaps {
  machines: MachineFact[];
  cpuModels: CpuModelFact[];
}

/** The QMP lines the probe writes to qemu's stdin, in order. */
export const QEMU_CAPS_QMP_INPUT = [
  '{"execute":"qmp_capabilities"}',
  '{"execute":"query-machines","id":"machines"}',
  '{"execute":"query-cpu-definitions","id":"cpus"}',
  '{"execute":"quit"}',
]
  .map((line) => `${line}\n`)
  .join('');

interface QmpReply {
  id?: unknown;
  return?: unknown;
}

/** Parses qemu's stdout of the probe session: the replies with ids "machines" and "cpus". */
export function parseQemuCapsOutput(stdout: string): QemuCaps {
  const replies = new Map<string, unknown>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    let msg: QmpReply;
    try {
      msg = JSON.parse(line) as QmpReply;
    } catch {
      continue; // a line qemu split is not one of the two replies we need; their absence is the error
    }
    if (typeof msg.id === 'string' && Array.isArray(msg.return)) replies.set(msg.id, msg.return);
  }
  const machines = replies.get('machines');
  const cpus = replies.get('cpus');
  if (!Array.isArray(machines) || !Array.isArray(cpus)) {
    throw new TsvirtError(
      'ERR_QMP_PROTOCOL',
      'qemu capabilities probe: no reply to query-machines or query-cpu-definitions',
      { stdout: stdout.slice(0, 500), expected: ['machines', 'cpus'] },
    );
  }
  return {
    machines: machines.map(toMachine).filter((m): m is MachineFact => m !== undefined),
    cpuModels: cpus.map(toCpuModel).filter((c): c is CpuModelFact => c !== undefined),
  };
}

function toMachine(raw: unknown): MachineFact | undefined {
  const m = raw as Record<string, unknown>;
  if (typeof m.name !== 'string') return undefined;
  return {
    name: m.name,
    ...(typeof m.alias === 'string' ? { alias: m.alias } : {}),
    maxCpus: typeof m['cpu-max'] === 'number' ? m['cpu-max'] : 1,
    deprecated: m.deprecated === true,
    isDefault: m['is-default'] === true,
  };
}

function toCpuModel(raw: unknown): CpuModelFact | undefined {
  const c = raw as Record<string, unknown>;
  if (typeof c.name !== 'string') return undefined;
  const missing = Array.isArray(c['unavailable-features']) ? c['unavailable-features'] : [];
  return { name: c.name, usable: missing.length === 0, deprecated: c.deprecated === true };
}

/** The machine a name stands for: itself when canonical, or the machine whose alias it is. */
export function findMachine(caps: QemuCaps, name: string): MachineFact | undefined {
  return caps.machines.find((m) => m.name === name) ?? caps.machines.find((m) => m.alias === name);
}

/**
 * The CPU models libvirt offers by name: qemu's models without the versioned "-vN" names and without
 * the non-static "host", "max" and "base", in qemu's order.
 */
export function listNamedCpuModels(caps: QemuCaps): CpuModelFact[] {
  return caps.cpuModels.filter((c) => !/-v\d+$/.test(c.name) && !['host', 'max', 'base'].includes(c.name));
}

/** The vendor libvirt's CPU map gives a model, from the model's name. */
export function findCpuModelVendor(name: string): 'Intel' | 'AMD' | 'Hygon' | 'unknown' {
  if (/^(EPYC|Opteron|phenom|athlon)/.test(name)) return 'AMD';
  if (/^Dhyana/.test(name)) return 'Hygon';
  if (/^(qemu|kvm|pentium|486)/.test(name)) return 'unknown';
  return 'Intel';
}
