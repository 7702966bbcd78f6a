import { generateRandomUuid, readKernelRandom } from '../fs/kernel-random.js';
import { TsvirtError } from '../errors.js';

/** Longest domain name accepted, in UTF-8 bytes: the name becomes file names such as NAME.console under run/qemu/. */
export const MAX_DOMAIN_NAME_LENGTH = 200;

/** A new random (v4) UUID in lower case; impure, called when the XML has no <uuid>. */
export function generateUuid(): string {
  return generateRandomUuid();
}

/** A new random MAC address in qemu's locally administered range 52:54:00:xx:xx:xx; impure. */
export function generateMac(): string {
  const tail = [...readKernelRandom(3)].map((b) => b.toString(16).padStart(2, '0'));
  return ['52', '54', '00', ...tail].join(':');
}

/**
 * Normalize a UUID as libvirt accepts it (32 hex digits, dashes optional) to lower-case 8-4-4-4-12,
 * or return undefined when it is not one.
 */
export function normalizeUuid(text: string): string | undefined {
  const trimmed = text.trim();
  if (!/^[0-9a-fA-F-]+$/.test(trimmed) || trimmed.startsWith('-') || trimmed.endsWith('-')) return undefined;
  const hex = trimmed.replaceAll('-', '').toLowerCase();
  if (hex.length !== 32 || trimmed.includes('--')) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Normalize a MAC address to lower case, or return undefined when it is not six colon-separated octets. */
export function normalizeMac(text: string): string | undefined {
  const trimmed = text.trim();
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(trimmed)) return undefined;
  const first = parseInt(trimmed.slice(0, 2), 16);
  if (first & 1) return undefined; // a multicast address cannot be a NIC's own address
  return trimmed.toLowerCase();
}

/**
 * Check a domain name by libvirt's rules plus the file-name limits of tsvirt's state folders: non-empty,
 * no '/', not '.' or '..', no control characters, at most MAX_DOMAIN_NAME_LENGTH bytes of UTF-8. libvirt's drivers refuse
 * a name holding a newline when it is defined ("invalid char in name"), and a '/' where the name becomes
 * a file; tsvirt refuses every control character, a newline among them, since the name is a file name,
 * a log line and qemu's -name. The name is checked after references are decoded, so `a&#10;b` is
 * refused as `a\nb` is. Throws ERR_XML_INVALID.
 */
export function validateDomainName(name: string): void {
  const fail = (problem: string): never => {
    throw new TsvirtError('ERR_XML_INVALID', `domain name '${name}' ${problem}; choose another name`, {
      element: 'name',
      path: 'domain/name',
      value: name,
      expected: `1-${MAX_DOMAIN_NAME_LENGTH} bytes (UTF-8), no '/' and no control characters, not '.' or '..'`,
    });
  };
  if (name.length === 0) fail('is empty');
  // File names are limited in bytes (NAME_MAX), so a non-ASCII name is counted in UTF-8 bytes.
  if (Buffer.byteLength(name) > MAX_DOMAIN_NAME_LENGTH)
    fail(`is longer than ${MAX_DOMAIN_NAME_LENGTH} bytes`);
  if (name.includes('/')) fail("contains '/'");
  // The name is a folder name too (its snapshots', its runtime folder): '.' and '..' would leave it.
  if (name === '.' || name === '..') fail('names a folder itself');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(name)) fail('contains a control character');
}
