/**
 * The host CPU as a qemu CPU model name, for the capabilities' <cpu><model> (which virt-install copies
 * into <cpu mode='custom'><model>, so it must be a name qemu's -cpu accepts). Pure.
 */
import type { CpuModelFact } from '../kvm/qemu-caps-parse.js';

/** The CPU signature of /proc/cpuinfo's first processor. */
export interface CpuSignature {
  vendor: string | null;
  family: number | null;
  model: number | null;
  stepping: number | null;
}

/** Reads vendor_id, cpu family, model and stepping of the first processor in /proc/cpuinfo text. */
export function parseCpuSignature(cpuinfoText: string): CpuSignature {
  const sig: CpuSignature = { vendor: null, family: null, model: null, stepping: null };
  for (const line of cpuinfoText.split('\n')) {
    if (line.trim() === '' && sig.vendor !== null) break; // end of the first processor
    const m = /^([^:]+?)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'vendor_id') sig.vendor = value;
    else if (key === 'cpu family') sig.family = Number(value);
    else if (key === 'model') sig.model = Number(value);
    else if (key === 'stepping') sig.stepping = Number(value);
  }
  return sig;
}

/**
 * The qemu model of a known AMD or Intel signature, as libvirt's CPU map matches signatures
 * (family, model). Newer cores than qemu knows map to nothing.
 */
export function findSignatureModel(sig: CpuSignature): string | undefined {
  const { family, model } = sig;
  if (family === null || model === null) return undefined;
  if (sig.vendor === 'AuthenticAMD') {
    if (family === 0x17 && model >= 0x30) return 'EPYC-Rome';
    if (family === 0x17) return 'EPYC';
    if (family === 0x19 && model <= 0x0f) return 'EPYC-Milan';
    return undefined;
  }
  if (sig.vendor === 'GenuineIntel' && family === 6) {
    const intel: Record<number, string> = {
      0x1a: 'Nehalem',
      0x1e: 'Nehalem',
      0x2c: 'Westmere',
      0x2a: 'SandyBridge',
      0x2d: 'SandyBridge',
      0x3a: 'IvyBridge',
      0x3e: 'IvyBridge',
      0x3c: 'Haswell',
      0x3f: 'Haswell',
      0x45: 'Haswell',
      0x46: 'Haswell',
      0x3d: 'Broadwell',
      0x47: 'Broadwell',
      0x4f: 'Broadwell',
      0x56: 'Broadwell',
      0x4e: 'Skylake-Client',
      0x5e: 'Skylake-Client',
      0x55: 'Skylake-Server',
      0x6a: 'Icelake-Server',
      0x6c: 'Icelake-Server',
      0x8f: 'SapphireRapids',
    };
    return intel[model];
  }
  return undefined;
}

/**
 * Picks the host model as libvirt does in spirit: the model of the host's signature when qemu has it
 * and it is usable; otherwise qemu's baseline model, kvm64 where KVM runs the guests (libvirt names
 * kvm64 on such hosts) and qemu64 under TCG. Never a free-form name such as /proc's "AMD EPYC".
 */
export function pickHostCpuModel(sig: CpuSignature, models: CpuModelFact[], kvmUsable: boolean): string {
  const wanted = findSignatureModel(sig);
  const found = wanted === undefined ? undefined : models.find((m) => m.name === wanted);
  if (found?.usable) return found.name;
  return kvmUsable ? 'kvm64' : 'qemu64';
}
