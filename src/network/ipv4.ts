/** IPv4 addresses as network definitions use them: parsing, prefixes and subnet membership (pure). */

/** An IPv4 address as a 32-bit unsigned number, or undefined when `text` is not dotted-quad. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const byte = Number(part);
    if (byte > 255) return undefined;
    value = value * 256 + byte;
  }
  return value;
}

/** Dotted-quad text of a 32-bit address. */
export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** The netmask of a prefix length (0..32) as a 32-bit number. */
export function buildNetmask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** The prefix length of a contiguous netmask, or undefined when its one bits are not contiguous. */
export function prefixOfNetmask(mask: number): number | undefined {
  for (let prefix = 0; prefix <= 32; prefix++) if (buildNetmask(prefix) === mask) return prefix;
  return undefined;
}

/** The network address of `address` under `prefix`. */
export function networkOf(address: number, prefix: number): number {
  return (address & buildNetmask(prefix)) >>> 0;
}

/** Whether `address` lies in the subnet `base`/`prefix`. */
export function isInSubnet(address: number, base: number, prefix: number): boolean {
  return networkOf(address, prefix) === networkOf(base, prefix);
}

/** Whether two subnets share any address (one contains the other). */
export function doSubnetsOverlap(a: number, aPrefix: number, b: number, bPrefix: number): boolean {
  const prefix = Math.min(aPrefix, bPrefix);
  return networkOf(a, prefix) === networkOf(b, prefix);
}
