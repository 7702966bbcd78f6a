import { TsvirtError } from '../errors.js';
import { parseUnit } from '../units.js';

/**
 * Convert a libvirt size (`<memory unit='MiB'>512</memory>`) to KiB, rounding a partial KiB up as libvirt
 * does. The unit defaults to KiB. Throws ERR_INVALID_ARG naming the bad value or unit.
 */
export function parseSizeToKiB(value: string, unit = 'KiB'): number {
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed)) {
    throw new TsvirtError('ERR_INVALID_ARG', `size '${value}' is not a non-negative integer`, {
      field: 'value',
      value,
      expected: 'a non-negative integer',
    });
  }
  const perUnit = lookupUnit(unit);
  const bytes = BigInt(trimmed) * perUnit;
  const kib = (bytes + 1023n) / 1024n;
  if (kib > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new TsvirtError('ERR_INVALID_ARG', `size '${value} ${unit}' is too large`, {
      field: 'value',
      value,
      expected: 'a size below 2^53 KiB',
    });
  }
  return Number(kib);
}

function lookupUnit(unit: string): bigint {
  const perUnit = parseUnit(unit);
  if (perUnit === undefined || unit.trim() === '') {
    throw new TsvirtError('ERR_INVALID_ARG', `size unit '${unit}' is unknown`, {
      field: 'unit',
      value: unit,
      expected: 'b, bytes, k, KiB, KB, M, MiB, MB, G, GiB, GB, T, TiB, TB, ...',
    });
  }
  return perUnit;
}

/**
 * Parse libvirt's cpuset syntax (`0-3,^2,6`) into a sorted list of host CPU numbers.
 * Throws ERR_INVALID_ARG when the text is malformed or selects no CPU.
 */
export function parseCpuset(text: string): number[] {
  const include = new Set<number>();
  const exclude = new Set<number>();
  for (const raw of text.split(',')) {
    const part = raw.trim();
    const m = /^(\^)?(\d+)(?:-(\d+))?$/.exec(part);
    const lo = m ? Number(m[2]) : NaN;
    const hi = m && m[3] !== undefined ? Number(m[3]) : lo;
    if (!m || hi < lo || hi > 4095) {
      throw new TsvirtError('ERR_INVALID_ARG', `cpuset '${text}' is malformed at '${part}'`, {
        field: 'cpuset',
        value: text,
        expected: "CPU numbers, ranges 'a-b' and exclusions '^n' separated by commas",
      });
    }
    for (let cpu = lo; cpu <= hi; cpu++) (m[1] ? exclude : include).add(cpu);
  }
  const cpus = [...include].filter((c) => !exclude.has(c)).sort((a, b) => a - b);
  if (cpus.length === 0) {
    throw new TsvirtError('ERR_INVALID_ARG', `cpuset '${text}' selects no CPU`, {
      field: 'cpuset',
      value: text,
      expected: 'at least one CPU',
    });
  }
  return cpus;
}

/** Write a sorted CPU list in libvirt's compact cpuset syntax: [0,1,2,5] -> `0-2,5`. */
export function formatCpuset(cpus: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < cpus.length) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === (cpus[j] as number) + 1) j++;
    parts.push(i === j ? `${cpus[i]}` : `${cpus[i]}-${cpus[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
