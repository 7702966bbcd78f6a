import { TsvirtError } from '../errors.js';
import { parseCpuset } from '../domain/index.js';

/**
 * Parses a CPU list as virsh's vcpupin takes it: libvirt's cpuset syntax ("0-3,6", "^2"), or "r" for
 * every host CPU; each CPU must exist on this host.
 */
export function parseCpuList(text: string, hostCpus: number): number[] {
  if (text.trim() === 'r') return Array.from({ length: hostCpus }, (_, i) => i);
  const cpus = parseCpuset(text);
  const beyond = cpus.find((c) => c >= hostCpus);
  if (beyond !== undefined) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `cpulist '${text}': CPU ${beyond} does not exist on this host; expected 0-${hostCpus - 1}`,
      {
        field: 'cpulist',
        value: text,
        expected: `0-${hostCpus - 1}`,
      },
    );
  }
  return cpus;
}
