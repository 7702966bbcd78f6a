/** The host's uuid, as capabilities and migration cookies name it: /etc/machine-id in uuid form. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';

/** /etc/machine-id in uuid form, else a hash of the hostname. */
export async function readHostUuid(): Promise<string> {
  const id = await readFile('/etc/machine-id', 'utf8').then(
    (t) => t.trim(),
    () => createHash('sha256').update(hostname()).digest('hex').slice(0, 32),
  );
  return `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`;
}
