import { TsvirtError } from '../errors.js';
import { GRAPHICS_BASE_PORT, GRAPHICS_LISTEN_ADDRESS } from './parse-graphics.js';
import type { DomainConfig, SpiceGraphicsConfig, VncGraphicsConfig } from './types.js';

/** The last VNC display qemu may pick for autoport: ports 5900-5999. */
const VNC_AUTOPORT_LAST_DISPLAY = 99;

/** What the display arguments need from the driver at start. */
export interface DisplayRuntime {
  /** The VNC socket when <listen type='socket'/> names no path. */
  vncSocket?: string;
  /** The SPICE port the driver picked for autoport (qemu's -spice cannot pick one itself). */
  spicePort?: number;
}

function escapeOpt(value: string): string {
  return value.replaceAll(',', ',,');
}

/** An address as qemu's host:port syntax wants it: IPv6 in brackets. */
function formatHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/**
 * The display arguments of a domain: -vnc or -spice for its <graphics>, else -display none. A password
 * is never on the command line: the server starts with ticketing on and the driver sets the password
 * over QMP (set_password) before the guest runs. Throws ERR_INVALID_ARG when a socket path or the
 * SPICE autoport is missing.
 */
export function buildDisplayArgs(config: DomainConfig, runtime: DisplayRuntime): string[] {
  const g = config.devices.graphics[0];
  if (!g) return ['-display', 'none'];
  return g.type === 'vnc'
    ? ['-vnc', buildVncOpt(config, g, runtime)]
    : ['-spice', buildSpiceOpt(config, g, runtime)];
}

function buildVncOpt(config: DomainConfig, g: VncGraphicsConfig, runtime: DisplayRuntime): string {
  const password = g.passwd === undefined ? '' : ',password=on';
  if (g.listen.kind === 'none') return `none${password}`;
  if (g.listen.kind === 'socket') {
    const socket = g.listen.socket ?? runtime.vncSocket;
    if (socket === undefined)
      throw missing(config, 'VNC listens on a socket but no path was given', 'vncSocket');
    return `unix:${escapeOpt(socket)}${password}`;
  }
  // autoport: qemu itself takes the first free display in 0..99; the driver reads the port with query-vnc.
  const display = g.autoport
    ? `0,to=${VNC_AUTOPORT_LAST_DISPLAY}`
    : String((g.port ?? GRAPHICS_BASE_PORT) - GRAPHICS_BASE_PORT);
  return `${formatHost(g.listen.address ?? GRAPHICS_LISTEN_ADDRESS)}:${display}${password}`;
}

function buildSpiceOpt(config: DomainConfig, g: SpiceGraphicsConfig, runtime: DisplayRuntime): string {
  const parts: string[] = [];
  if (g.listen.kind === 'none') {
    parts.push('port=0');
  } else {
    const port = g.autoport ? runtime.spicePort : g.port;
    if (port === undefined) throw missing(config, 'SPICE has autoport but no port was picked', 'spicePort');
    parts.push(`port=${port}`, `addr=${g.listen.address ?? GRAPHICS_LISTEN_ADDRESS}`);
  }
  if (g.passwd === undefined) parts.push('disable-ticketing=on');
  if (g.imageCompression !== undefined) parts.push(`image-compression=${g.imageCompression}`);
  parts.push('seamless-migration=on');
  return parts.join(',');
}

function missing(config: DomainConfig, problem: string, field: string): TsvirtError {
  return new TsvirtError('ERR_INVALID_ARG', `domain '${config.name}': ${problem}; pass ${field}`, {
    field,
    expected: field === 'spicePort' ? 'a free TCP port' : 'a socket path',
  });
}
