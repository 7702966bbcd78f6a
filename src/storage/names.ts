import { realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { TsvirtError } from '../errors.js';

/**
 * Longest names in UTF-8 bytes: a volume is a file (NAME_MAX 255); a pool name also becomes the
 * etc/storage/NAME.xml file and its temp file `.NAME.xml.PID.N.tmp`, as domain names do.
 */
const MAX_NAME_BYTES = { pool: 200, volume: 255, network: 200 } as const;

/**
 * Refuse a pool or volume name that could leave its folder or confuse the tools: empty, `.`, `..`,
 * containing `/`, a control character, or too long for a file name. libvirt refuses the same at its
 * own points: a pool name with '/' when the pool XML is parsed, a pool or domain name holding a newline
 * at define, and a volume name with '/' when a file pool creates it. tsvirt takes every control
 * character (NUL, tab, newline, ESC, DEL, ...) as out, since each one breaks a file listing, a log line
 * or an LVM name, and checks a volume name at every volume XML, not only a file pool's.
 */
export function validateName(kind: 'pool' | 'volume' | 'network', name: string): void {
  const problem = findNameProblem(kind, name);
  if (problem === undefined) return;
  throw new TsvirtError(
    'ERR_INVALID_ARG',
    `${kind} name ${JSON.stringify(name)} ${problem}; choose a plain file name`,
    {
      field: `${kind}.name`,
      value: name,
      expected: `a non-empty name of at most ${MAX_NAME_BYTES[kind]} bytes without '/' or control characters, not '.' or '..'`,
    },
  );
}

function findNameProblem(kind: 'pool' | 'volume' | 'network', name: string): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'is empty';
  if (name === '.' || name === '..') return `may not be '${name}'`;
  if (name.includes('/')) return "may not contain '/'";
  // eslint-disable-next-line no-control-regex
  const control = /[\x00-\x1f\x7f]/.exec(name);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return `may not contain the control character U+${code}`;
  }
  if (Buffer.byteLength(name) > MAX_NAME_BYTES[kind]) return `is longer than ${MAX_NAME_BYTES[kind]} bytes`;
  return undefined;
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
