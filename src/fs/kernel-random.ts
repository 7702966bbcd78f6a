/**
 * Random bytes and UUIDs from the kernel's random source, /dev/urandom, as libvirt generates its UUIDs
 * and MAC addresses. node:crypto would give the same, but loading it initialises OpenSSL, about 2 MiB
 * that a daemon defining its first pool would then carry for nothing while idle.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { TsvirtError } from '../errors.js';

/** The kernel's random source. */
const RANDOM_DEVICE = '/dev/urandom';

/** `size` random bytes. */
export function readKernelRandom(size: number): Buffer {
  const out = Buffer.alloc(size);
  const fd = openSync(RANDOM_DEVICE, 'r');
  try {
    for (let at = 0; at < size;) {
      const got = readSync(fd, out, at, size - at, null);
      if (got <= 0) {
        throw new TsvirtError('ERR_IO', `${RANDOM_DEVICE}: read ${at} of ${size} random bytes`, {
          path: RANDOM_DEVICE,
          value: at,
          expected: size,
        });
      }
      at += got;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/** A random (version 4, RFC 9562) UUID in its lower-case 36-character form. */
export function generateRandomUuid(): string {
  const b = readKernelRandom(16);
  b[6] = ((b[6] as number) & 0x0f) | 0x40; // version 4
  b[8] = ((b[8] as number) & 0x3f) | 0x80; // the RFC's variant
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
