/** The CPU facts the host check reports, from /proc/cpuinfo. */
export interface CpuInfo {
  /** vendor_id of the first processor ("GenuineIntel", "AuthenticAMD"). */
  vendor: string | null;
  /** "model name" of the first processor. */
  model: string | null;
  /** The hardware virtualization flags found: "vmx" (Intel VT-x), "svm" (AMD-V), each once. */
  virtFlags: Array<'vmx' | 'svm'>;
  /** The "hypervisor" flag: this host is itself a guest. */
  hypervisor: boolean;
  /** Logical processors listed. */
  processors: number;
}

/** The default path of the kernel's CPU description. */
export const DEFAULT_CPUINFO_PATH = '/proc/cpuinfo';

/**
 * Parses /proc/cpuinfo text. The flags are those that `egrep -o '(vmx|svm)' /proc/cpuinfo` finds,
 * matched as whole words of "flags" lines, without repeats.
 */
export function parseCpuinfo(text: string): CpuInfo {
  const info: CpuInfo = { vendor: null, model: null, virtFlags: [], hypervisor: false, processors: 0 };
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === 'processor') info.processors++;
    else if (key === 'vendor_id') info.vendor ??= value;
    else if (key === 'model name') info.model ??= value;
    else if (key === 'flags') addFlags(info, value.split(/\s+/));
  }
  return info;
}

function addFlags(info: CpuInfo, flags: string[]): void {
  for (const flag of flags) {
    if ((flag === 'vmx' || flag === 'svm') && !info.virtFlags.includes(flag)) info.virtFlags.push(flag);
    if (flag === 'hypervisor') info.hypervisor = true;
  }
}
