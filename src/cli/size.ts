import { TsvirtError } from '../errors.js';

/** Bytes per unit suffix, as virsh scales sizes: powers of 1024, and 1000 for the "B"-suffixed SI names. */
const UNIT_BYTES: Record<string, bigint> = {
  b: 1n,
  byte: 1n,
  bytes: 1n,
  k: 1024n,
  kib: 1024n,
  kb: 1000n,
  m: 1024n ** 2n,
  mib: 1024n ** 2n,
  mb: 1000n ** 2n,
  g: 1024n ** 3n,
  gib: 1024n ** 3n,
  gb: 1000n ** 3n,
  t: 1024n ** 4n,
  tib: 1024n ** 4n,
  tb: 1000n ** 4n,
  p: 1024n ** 5n,
  pib: 1024n ** 5n,
  pb: 1000n ** 5n,
};

/**
 * Parses "8G", "512M", "100 MiB" or a bare number (scaled by `defaultUnitBytes`) into bytes, as virsh
 * reads a scaled integer. `field` names the argument in the error.
 */
export function parseScaledSize(text: string, defaultUnitBytes: bigint, field: string): bigint {
  const m = /^\s*(\d+)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m?.[2]?.toLowerCase() ?? '';
  const scale = unit === '' ? defaultUnitBytes : UNIT_BYTES[unit];
  if (!m || scale === undefined) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `${field}: invalid size '${text}'; expected an integer with an optional unit (b, KiB, MiB, GiB, TiB, KB, MB, GB, ...)`,
      { field, value: text, expected: 'scaled integer' },
    );
  }
  return BigInt(m[1] as string) * scale;
}
