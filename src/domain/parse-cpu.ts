import { TsvirtError } from '../errors.js';
import { ElementReader, invalid } from './element-reader.js';
import type { CpuConfig, DomainConfig } from './types.js';

/** qemu's CPU model and flag name alphabet: the names go into the -cpu option. */
const CPU_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Read <cpu>: host-passthrough, host-model, or custom with a model name, flags and a topology. A custom
 * CPU gets libvirt's defaults: match='exact', check='partial', <model fallback='allow'>.
 */
export function parseCpu(r: ElementReader | undefined): CpuConfig | undefined {
  if (!r) return undefined;
  const cpu: CpuConfig = { mode: r.enumAttr('mode', ['host-passthrough', 'host-model', 'custom'], 'custom') };
  const match = r.enumAttr('match', ['minimum', 'exact', 'strict']);
  const check = r.enumAttr('check', ['none', 'partial', 'full']);
  const migratable = r.boolAttr('migratable', ['on', 'off']);
  if (match !== undefined) cpu.match = match;
  if (check !== undefined) cpu.check = check;
  if (migratable !== undefined) cpu.migratable = migratable;
  if (cpu.mode === 'custom') readModel(r, cpu);
  const features = r.children('feature').map(readFeature);
  if (features.length > 0) cpu.features = features;
  const topology = r.child('topology');
  if (topology) cpu.topology = readTopology(topology);
  r.finish();
  return cpu;
}

function readModel(r: ElementReader, cpu: CpuConfig): void {
  const model = r.child('model');
  if (!model)
    throw invalid(r.el, "element <model> is missing for mode='custom'", {
      expected: '<model>qemu64</model>',
    });
  cpu.match ??= 'exact';
  cpu.check ??= 'partial';
  cpu.modelFallback = model.enumAttr('fallback', ['allow', 'forbid'], 'allow');
  model.finish();
  cpu.model = model.requireText('a CPU model name such as qemu64');
  if (!CPU_NAME_PATTERN.test(cpu.model)) {
    throw invalid(model.el, `'${cpu.model}' is not a CPU model name`, {
      value: cpu.model,
      expected: 'letters, digits, _ . -',
    });
  }
}

function readFeature(r: ElementReader): { policy: 'require' | 'disable'; name: string } {
  const policy = r.enumAttr('policy', ['require', 'disable'], 'require');
  const name = r.requireAttr('name', 'a CPU flag name such as avx2');
  if (!CPU_NAME_PATTERN.test(name)) {
    throw invalid(r.el, `'${name}' is not a CPU flag name`, {
      attribute: 'name',
      value: name,
      expected: 'letters, digits, _ . -',
    });
  }
  r.finish();
  return { policy, name };
}

function readTopology(r: ElementReader): NonNullable<CpuConfig['topology']> {
  const value = (key: 'sockets' | 'dies' | 'cores' | 'threads'): number => {
    const n = r.uintAttr(key) ?? (key === 'dies' ? 1 : undefined);
    if (n === undefined || n < 1) {
      throw invalid(r.el, n === undefined ? `attribute '${key}' is missing` : `${key}='0'`, {
        attribute: key,
        expected: 'an integer of 1 or more',
      });
    }
    return n;
  };
  const topology = {
    sockets: value('sockets'),
    dies: value('dies'),
    cores: value('cores'),
    threads: value('threads'),
  };
  r.finish();
  return topology;
}

/** A <topology> must account for every vCPU: sockets x dies x cores x threads = <vcpu>. */
export function validateCpuTopology(config: DomainConfig): void {
  const t = config.cpu?.topology;
  if (!t) return;
  const product = t.sockets * t.dies * t.cores * t.threads;
  if (product !== config.vcpus) {
    throw new TsvirtError(
      'ERR_XML_INVALID',
      `domain/cpu/topology: ${t.sockets} sockets x ${t.dies} dies x ${t.cores} cores x ${t.threads} threads is ${product} vCPUs, but <vcpu> is ${config.vcpus}; make them equal`,
      {
        element: 'topology',
        path: 'domain/cpu/topology',
        value: String(product),
        expected: `${config.vcpus} vCPUs`,
      },
    );
  }
}
