/** Who this host is in a migration cookie: its name and its uuid (the one capabilities report). */
import { hostname } from 'node:os';
import { readHostUuid } from '../../kvm/host-uuid.js';

/** The `<hostname>` and `<hostuuid>` of the cookies this host sends. */
export async function readCookieHost(): Promise<{ hostname: string; hostUuid: string }> {
  return { hostname: hostname(), hostUuid: await readHostUuid() };
}
