/** tsvirtd.conf: the parsed file checked against the key table, with `FILE:LINE:` in every error. */
import { readFile } from 'node:fs/promises';
import { TsvirtError } from '../errors.js';
import { CONF_KEYS, type DaemonConf } from './conf-keys.js';
import { parseConf } from './conf-syntax.js';

export { CONF_KEYS } from './conf-keys.js';
export type { AuthScheme, DaemonConf } from './conf-keys.js';
export { parseConf } from './conf-syntax.js';
export type { ConfEntry, ConfValue } from './conf-syntax.js';

/** A checked config file: its values, the line each key was set on, and the file's name. */
export interface LoadedConf {
  conf: DaemonConf;
  lines: Partial<Record<keyof DaemonConf, number>>;
  /** The file as named on the command line; undefined when no file was read. */
  file?: string;
}

/** Parses and checks config text; `file` names it in errors (`tsvirtd.conf:3: unknown key 'listen_tpc'`). */
export function buildDaemonConf(text: string, file: string): LoadedConf {
  const conf: Record<string, unknown> = {};
  const lines: Record<string, number> = {};
  for (const entry of parseConf(text, file)) {
    const where = `${file}:${entry.line}`;
    const fields = { file, line: entry.line, field: entry.key, value: entry.value };
    if (!Object.hasOwn(CONF_KEYS, entry.key)) {
      throw new TsvirtError(
        'ERR_CONFIG_FILE',
        `${where}: unknown key '${entry.key}'; see tsvirtd --help for the keys tsvirtd takes`,
        fields,
      );
    }
    const check = CONF_KEYS[entry.key as keyof DaemonConf];
    const verdict = check(entry.value);
    if ('expected' in verdict) {
      throw new TsvirtError('ERR_CONFIG_FILE', `${where}: '${entry.key}' must be ${verdict.expected}`, {
        ...fields,
        expected: verdict.expected,
      });
    }
    // A later line wins, as in libvirt.
    conf[entry.key] = verdict.ok;
    lines[entry.key] = entry.line;
  }
  return { conf: conf as DaemonConf, lines, file };
}

/** Reads and checks a config file; errors name it as given, with the line. */
export async function loadDaemonConf(path: string): Promise<LoadedConf> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const errno = (cause as NodeJS.ErrnoException).code;
    throw new TsvirtError(
      'ERR_CONFIG_FILE',
      `${path}: cannot read the config file (${errno ?? (cause as Error).message}); check the -f path`,
      { file: path, errno },
      { cause },
    );
  }
  return buildDaemonConf(text, path);
}
