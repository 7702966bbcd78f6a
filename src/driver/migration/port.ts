/**
 * The TCP port an incoming migration listens on: the first free one of libvirt's range
 * (migration_port_min 49152 to migration_port_max 49215), tried by binding it on the listen address.
 */
import { createServer } from 'node:net';
import { TsvirtError } from '../../errors.js';

/** libvirt's qemu.conf defaults for the incoming migration ports. */
export const MIGRATION_PORT_MIN = 49152;
export const MIGRATION_PORT_MAX = 49215;

/** Ports given to incoming migrations of this process that have not been released yet. */
const reserved = new Set<number>();

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A free port of the range for `host`, held until `release()` (qemu binds it right after). */
export async function reserveMigrationPort(host: string): Promise<{ port: number; release: () => void }> {
  for (let port = MIGRATION_PORT_MIN; port <= MIGRATION_PORT_MAX; port++) {
    if (reserved.has(port) || !(await canBind(host, port))) continue;
    reserved.add(port);
    return { port, release: () => reserved.delete(port) };
  }
  throw new TsvirtError(
    'ERR_OPERATION_FAILED',
    `no free migration port on ${host} in ${MIGRATION_PORT_MIN}-${MIGRATION_PORT_MAX}; wait for other migrations to end`,
    { host, min: MIGRATION_PORT_MIN, max: MIGRATION_PORT_MAX },
  );
}
