import { TsvirtError } from '../errors.js';

/**
 * Parses a CPU list as virsh's vcpupin takes it ("0-3,6", "^2" to exclude, "r" for all host CPUs) into
 * sorted CPU numbers below `hostCpus`.
 */
export function parseCpuList(text: string, hostCpus: number): number[] {
  const all = Array.from({ length: hostCpus }, (_, i) => i);
  if (text.trim() === 'r') return all;
  const chosen = new Set<number>();
  const excluded = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^\s*(\^)?(\d+)(?:-(\d+))?\s*$/.exec(part);
    const lo = Number(m?.[2]);
    const hi = m?.[3] === undefined ? lo : Number(m[3]);
    if (!m || hi < lo || hi >= hostCpus) {
      throw new TsvirtError(
        'ERR_INVALID_ARG',
        `cpulist: invalid part '${part}'; expected CPU numbers or ranges from 0 to ${hostCpus - 1} (e.g. 0-2,^1)`,
        { field: 'cpulist', value: text, expected: `0-${hostCpus - 1}` },
      );
    }
    for (let c = lo; c <= hi; c++) (m[1] ? excluded : chosen).add(c);
  }
  const base = chosen.size === 0 ? all : [...chosen];
  return base.filter((c) => !excluded.has(c)).sort((a, b) => a - b);
}

/** Formats CPU numbers as a compact list ("0-3,6"). */
export function formatCpuList(cpus: number[]): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] as number) + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
