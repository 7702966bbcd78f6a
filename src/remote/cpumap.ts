/** libvirt CPU bitmaps: bit (n % 8) of byte floor(n / 8) is host CPU n. Pure. */

/** Bytes of one bitmap covering `cpuCount` host CPUs (VIR_CPU_MAPLEN). */
export function cpuMapLength(cpuCount: number): number {
  return Math.max(1, Math.ceil(cpuCount / 8));
}

/** A bitmap of `maplen` bytes with the given CPUs set. */
export function buildCpuMap(cpus: readonly number[], maplen: number): Buffer {
  const map = Buffer.alloc(maplen);
  for (const cpu of cpus) {
    const byte = Math.floor(cpu / 8);
    if (byte < maplen) map[byte] = (map[byte] as number) | (1 << (cpu % 8));
  }
  return map;
}

/** The CPUs set in a bitmap, ascending. */
export function parseCpuMap(map: Uint8Array): number[] {
  const cpus: number[] = [];
  map.forEach((byte, i) => {
    for (let bit = 0; bit < 8; bit++) if (byte & (1 << bit)) cpus.push(i * 8 + bit);
  });
  return cpus;
}

/** Splits `count` consecutive bitmaps of `maplen` bytes into CPU lists. */
export function splitCpuMaps(maps: Buffer, maplen: number, count: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < count; i++) out.push(parseCpuMap(maps.subarray(i * maplen, (i + 1) * maplen)));
  return out;
}
