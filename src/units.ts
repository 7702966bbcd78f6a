/** libvirt's scaled integers (sizes with units), shared by the domain XML, the storage XML and the CLI. */
import { TsvirtError } from './errors.js';

// libvirt's scaled integers (virScaleInteger): a bare letter or "iB" is a power of 1024, "B" after the
// letter a power of 1000; case does not matter.
const POWERS: Record<string, number> = { k: 1, m: 2, g: 3, t: 4, p: 5, e: 6 };

/** The byte multiplier of a libvirt unit ("b", "bytes", "K", "KiB", "KB", "G", ...), or undefined. */
export function parseUnit(unit: string): bigint | undefined {
  const u = unit.trim().toLowerCase();
  if (u === '' || u === 'b' || u === 'byte' || u === 'bytes') return 1n;
  const power = POWERS[u[0] ?? ''];
  if (power === undefined) return undefined;
  const rest = u.slice(1);
  if (rest === '' || rest === 'ib') return 1024n ** BigInt(power);
  if (rest === 'b') return 1000n ** BigInt(power);
  return undefined;
}

/**
 * Parse a size as virsh and libvirt XML write it: "8G", "100M", "512 KiB", "1048576", or a number
 * with a separate unit. Throws ERR_INVALID_ARG naming `field` when it does not parse.
 */
export function parseSize(text: string, unit = 'bytes', field = 'size'): bigint {
  const match = /^\s*(\d+)\s*([A-Za-z]*)\s*$/.exec(String(text));
  const multiplier = match ? parseUnit(match[2] ? match[2] : unit) : undefined;
  if (!match || multiplier === undefined) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `${field} ${JSON.stringify(text)}${unit === 'bytes' ? '' : ` (unit ${unit})`} is not a size; write a whole number with an optional unit such as 100M or 8G`,
      {
        field,
        value: text,
        unit,
        expected: 'digits followed by b, K, KiB, KB, M, MiB, MB, G, GiB, GB, T, ...',
      },
    );
  }
  return BigInt(match[1] as string) * multiplier;
}
