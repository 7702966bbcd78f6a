import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package root: src/ runs from the checkout in tests and from dist/src/ once built. */
export const PACKAGE_ROOT: string = [new URL('../', import.meta.url), new URL('../../', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((dir) => existsSync(`${dir}package.json`) && existsSync(`${dir}src`)) as string;

/** tsvirt's version, from its package.json. */
export const VERSION: string = (
  JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')) as { version: string }
).version;
