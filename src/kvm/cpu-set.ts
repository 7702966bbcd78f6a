/** cpu_set_t as glibc lays it out: a bit per CPU, CPU n at bit (n % 8) of byte n / 8. */

/** sizeof(cpu_set_t) in glibc: 1024 CPUs. */
export const CPU_SET_BYTES = 128;

/** Encodes a list of CPU numbers as a cpu_set_t mask. */
export function encodeCpuSet(cpus: readonly number[], sizeBytes: number = CPU_SET_BYTES): Buffer {
  const mask = Buffer.alloc(sizeBytes);
  for (const cpu of cpus) {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= sizeBytes * 8) {
      throw new RangeError(`CPU ${cpu} is outside 0-${sizeBytes * 8 - 1}`);
    }
    mask[cpu >> 3] = (mask[cpu >> 3] as number) | (1 << (cpu & 7));
  }
  return mask;
}

/** Decodes a cpu_set_t mask into the sorted CPU numbers it holds. */
export function decodeCpuSet(mask: Buffer): number[] {
  const cpus: number[] = [];
  for (let i = 0; i < mask.length * 8; i++) {
    if (((mask[i >> 3] as number) >> (i & 7)) & 1) cpus.push(i);
  }
  return cpus;
}

/** Parses a kernel CPU list ("0-3,8,10-11", as in /sys and Cpus_allowed_list) into CPU numbers. */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) throw new RangeError(`"${part}" is not a CPU or a CPU range`);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first) throw new RangeError(`"${part}" is a backward CPU range`);
    for (let cpu = first; cpu <= last; cpu++) cpus.push(cpu);
  }
  return cpus;
}
