import { createServer } from 'node:net';
import { TsvirtError } from '../errors.js';
import { GRAPHICS_BASE_PORT, GRAPHICS_LISTEN_ADDRESS } from '../domain/parse-graphics.js';
import type { DomainConfig } from '../domain/types.js';
import type { QmpClient } from '../qmp/index.js';

/** The last port tried for SPICE autoport (libvirt's remote_display_port_max). */
const SPICE_LAST_PORT = 65535;

/** Ports handed to a starting qemu that has not bound them yet, so that two starts never pick the same one. */
const pending = new Set<number>();

/** Whether nothing listens on host:port (a bind that succeeds and is closed at once). */
function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** qemu.conf's vnc_listen and spice_listen: where a <graphics> that names no address listens. */
export interface GraphicsListenConf {
  vncListen: string;
  spiceListen: string;
}

/** Their defaults: the loopback, as libvirt's. */
export const DEFAULT_GRAPHICS_LISTEN: GraphicsListenConf = {
  vncListen: GRAPHICS_LISTEN_ADDRESS,
  spiceListen: GRAPHICS_LISTEN_ADDRESS,
};

/** Give each address-listening <graphics> of a starting definition without an address qemu.conf's one. */
export function fillListenAddresses(def: DomainConfig, conf: GraphicsListenConf): void {
  for (const g of def.devices.graphics) {
    if (g.listen.kind !== 'address' || g.listen.address !== undefined) continue;
    g.listen = { kind: 'address', address: g.type === 'vnc' ? conf.vncListen : conf.spiceListen };
  }
}

/**
 * The port for a SPICE <graphics> with autoport: the first one from 5900 that no process listens on and
 * no other start holds, as libvirt picks it (qemu's -spice cannot pick one itself). Undefined when the
 * domain has no such graphics. `release` gives the hold back once qemu has bound it (or failed).
 */
export async function reserveSpicePort(
  config: DomainConfig,
): Promise<{ port: number | undefined; release: () => void }> {
  const g = config.devices.graphics.find((x) => x.type === 'spice');
  if (!g || g.type !== 'spice' || !g.autoport || g.listen.kind !== 'address') {
    return { port: undefined, release: () => undefined };
  }
  const host = g.listen.address ?? GRAPHICS_LISTEN_ADDRESS;
  for (let port = GRAPHICS_BASE_PORT; port <= SPICE_LAST_PORT; port++) {
    if (pending.has(port)) continue;
    pending.add(port);
    if (await isPortFree(host, port)) return { port, release: () => pending.delete(port) };
    pending.delete(port);
  }
  throw new TsvirtError(
    'ERR_OPERATION_FAILED',
    `domain '${config.name}': no free SPICE port on ${host} from ${GRAPHICS_BASE_PORT} to ${SPICE_LAST_PORT}; stop a guest or give a fixed port`,
    { domain: config.name, field: 'port', expected: 'a free TCP port' },
  );
}

/** The SPICE TCP port qemu listens on (query-spice), for a domain with SPICE on an address; else undefined. */
export async function readSpicePort(config: DomainConfig, qmp: QmpClient): Promise<number | undefined> {
  const g = config.devices.graphics.find((x) => x.type === 'spice');
  if (!g || g.listen.kind !== 'address') return undefined;
  // query-spice → SpiceInfo {enabled, migrated, host, port, tls-port, auth, ...}.
  const info = await qmp.execute<{ enabled: boolean; port?: number }>('query-spice');
  return info.enabled && info.port !== undefined && info.port > 0 ? info.port : undefined;
}

/**
 * Give qemu each graphics password of the definition (set_password), before the guest runs: the command
 * line only turns authentication on, so the password never shows in /proc.
 */
export async function applyGraphicsPasswords(config: DomainConfig, qmp: QmpClient): Promise<void> {
  for (const g of config.devices.graphics) {
    if (g.passwd === undefined) continue;
    // set_password {protocol: 'vnc' | 'spice', password}.
    await qmp.execute('set_password', { protocol: g.type, password: g.passwd });
  }
}
