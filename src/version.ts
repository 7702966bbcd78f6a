import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The package root, the nearest folder up with a package.json: src/ runs from the checkout in tests,
 * dist/src/ once built (dist/ holds no package.json), also inside an installed package.
 */
export const PACKAGE_ROOT: string = [new URL('../', import.meta.url), new URL('../../', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((dir) => existsSync(`${dir}package.json`)) as string;

/** tsvirt's version, from its package.json. */
export const VERSION: string = (
  JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')) as { version: string }
).version;

/**
 * The libvirt API level tsvirt implements and is tested against: Debian 12's libvirt 9.0.0. Clients
 * read it with virConnectGetLibVersion and turn on the features that level has (virt-install gates its
 * defaults on it), so it is libvirt's number, not tsvirt's own VERSION.
 */
export const LIBVIRT_API_VERSION = '9.0.0';

/** A version "MAJOR.MINOR.MICRO" as libvirt numbers it: major * 1,000,000 + minor * 1,000 + micro. */
export function versionNumber(version: string): bigint {
  const [major = 0, minor = 0, micro = 0] = version.split('.').map(Number);
  return BigInt(major * 1_000_000 + minor * 1_000 + micro);
}

/** The other way: 9000000 → "9.0.0". */
export function versionText(n: bigint): string {
  return `${n / 1_000_000n}.${(n / 1_000n) % 1_000n}.${n % 1_000n}`;
}
