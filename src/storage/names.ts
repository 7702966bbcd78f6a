import { realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { TsvirtError } from '../errors.js';

/**
 * Longest names in UTF-8 bytes: a volume is a file (NAME_MAX 255); a pool name also becomes the
 * etc/storage/NAME.xml file and its temp file `.NAME.xml.PID.N.tmp`, as domain names do.
 */
const MAX_NAME_BYTES = { pool: 200, volume: 255 } as const;

/**
 * Refuse a pool or volume name that could leave its folder or confuse the tools: empty, `.`, `..`,
 * containing `/` or NUL, or too long for a file name.
 */
export function validateName(kind: 'pool' | 'volume', name: string): void {
  let problem: string | undefined;
  if (typeof name !== 'string' || name.length === 0) problem = 'is empty';
  else if (name === '.' || name === '..') problem = `may not be '${name}'`;
  else if (name.includes('/')) problem = "may not contain '/'";
  else if (name.includes('\0')) problem = 'may not contain NUL';
  else if (Buffer.byteLength(name) > MAX_NAME_BYTES[kind])
    problem = `is longer than ${MAX_NAME_BYTES[kind]} bytes`;
  if (problem === undefined) return;
  throw new TsvirtError(
    'ERR_INVALID_ARG',
    `${kind} name ${JSON.stringify(name)} ${problem}; choose a plain file name`,
    {
      field: `${kind}.name`,
      value: name,
      expected: `a non-empty name of at most ${MAX_NAME_BYTES[kind]} bytes without '/' or NUL, not '.' or '..'`,
    },
  );
}

/**
 * The path of `name` inside `dir`, checked to stay inside `dir` once symlinks are resolved.
 * A path that does not exist yet is checked through its parent.
 */
export async function resolveInside(dir: string, name: string): Promise<string> {
  validateName('volume', name);
  const realDir = await realpath(dir);
  const candidate = join(realDir, name);
  const real = await realpath(candidate).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return candidate;
    throw err;
  });
  if (!real.startsWith(realDir + sep)) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `volume '${name}' resolves to ${real}, outside its pool ${realDir}; remove the link`,
      { field: 'volume.name', value: name, path: real, expected: `a path inside ${realDir}` },
    );
  }
  return candidate;
}
