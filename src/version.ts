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
