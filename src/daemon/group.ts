/** Group names to gids, from /etc/group (no libc: the file is the source getgrnam reads on this host). */
import { readFile } from 'node:fs/promises';
import { TsvirtError } from '../errors.js';

/** The gid of `name` in /etc/group text, or undefined. Pure. */
export function findGroupId(groupFile: string, name: string): number | undefined {
  for (const line of groupFile.split('\n')) {
    // name:password:gid:members
    const [entry, , gid] = line.split(':');
    if (entry === name && gid !== undefined && /^[0-9]+$/.test(gid)) return Number(gid);
  }
  return undefined;
}

/** Looks a group up by name (a number is taken as a gid); a missing group is an error naming it. */
export async function lookupGroupId(name: string, groupFilePath = '/etc/group'): Promise<number> {
  if (/^[0-9]+$/.test(name)) return Number(name);
  const text = await readFile(groupFilePath, 'utf8').catch(() => '');
  const gid = findGroupId(text, name);
  if (gid === undefined) {
    throw new TsvirtError(
      'ERR_CONFIG_FILE',
      `unix_sock_group = "${name}": no such group in ${groupFilePath}; create it (groupadd ${name}) or change unix_sock_group`,
      { field: 'unix_sock_group', value: name },
    );
  }
  return gid;
}
