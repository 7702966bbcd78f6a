import { ElementReader, invalid, notSupported } from './element-reader.js';
import { isAbsolutePath } from './parse-disk.js';
import type { GraphicsConfig, GraphicsListen, SpiceGraphicsConfig, VncGraphicsConfig } from './types.js';

/** The default of qemu.conf's vnc_listen and spice_listen: the loopback, as libvirt's. */
export const GRAPHICS_LISTEN_ADDRESS = '127.0.0.1';

/** The first VNC and SPICE TCP port (VNC display :0). */
export const GRAPHICS_BASE_PORT = 5900;

/** Addresses a graphics server may listen on without a password: only the loopback. */
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

const IMAGE_COMPRESSIONS = ['auto_glz', 'auto_lz', 'quic', 'glz', 'lz', 'off'] as const;

/** What <graphics> and its <listen> children say about where to listen. */
interface ListenRead {
  type?: 'address' | 'socket' | 'none';
  address?: string;
  socket?: string;
}

/**
 * Read one <graphics>: VNC (an address with a fixed port or autoport, a unix socket, or none) or SPICE
 * (an address or none, no TLS). Without passwd= only the loopback is accepted, since anyone who reaches
 * the port gets the console.
 */
export function parseGraphics(r: ElementReader): GraphicsConfig {
  const type = r.enumAttr('type', ['vnc', 'spice']);
  if (type === undefined)
    throw invalid(r.el, "attribute 'type' is missing", { attribute: 'type', expected: 'vnc or spice' });
  const passwd = r.attr('passwd');
  const listen = readListen(r, type);
  const port = r.attr('port');
  const autoport = r.boolAttr('autoport');
  const out = type === 'vnc' ? readVnc(r, listen, port, autoport) : readSpice(r, listen, port, autoport);
  if (passwd !== undefined) out.passwd = passwd;
  r.finish();
  checkExposure(r, out);
  return out;
}

function readListen(r: ElementReader, type: 'vnc' | 'spice'): ListenRead {
  const attrAddress = r.attr('listen');
  const socketAttr = type === 'vnc' ? r.attr('socket') : undefined;
  const els = r.children('listen');
  if (els.length > 1) {
    throw notSupported(r.el, {
      attribute: 'listen',
      value: `${els.length} <listen> elements`,
      expected: ['one <listen>'],
    });
  }
  const el = els[0];
  const kinds = type === 'vnc' ? (['address', 'socket', 'none'] as const) : (['address', 'none'] as const);
  const listenType = el?.enumAttr('type', kinds);
  const address = el?.attr('address');
  const socket = type === 'vnc' ? el?.attr('socket') : undefined;
  el?.finish();
  if (address !== undefined && attrAddress !== undefined && address !== attrAddress) {
    throw invalid(r.el, `listen='${attrAddress}' and <listen address='${address}'/> differ`, {
      attribute: 'listen',
      value: attrAddress,
      expected: 'the same address in both',
    });
  }
  if (socketAttr !== undefined) return { type: 'socket', socket: socketAttr };
  const out: ListenRead = {};
  if (listenType !== undefined) out.type = listenType;
  const addr = address ?? attrAddress;
  if (addr !== undefined) out.address = addr;
  if (socket !== undefined) out.socket = socket;
  return out;
}

function readVnc(
  r: ElementReader,
  listen: ListenRead,
  port: string | undefined,
  autoport: boolean | undefined,
): VncGraphicsConfig {
  if (listen.type === 'socket' || listen.type === 'none') {
    if (port !== undefined || autoport !== undefined) {
      throw invalid(r.el, `port or autoport is given with a ${listen.type} listen`, {
        attribute: 'port',
        expected: `no port with a ${listen.type} listen`,
      });
    }
    if (listen.type === 'none') return { type: 'vnc', listen: { kind: 'none' }, autoport: false };
    const socket = listen.socket;
    if (socket !== undefined && !isAbsolutePath(socket)) {
      throw invalid(r.el, `'${socket}' is not an absolute path`, {
        attribute: 'socket',
        value: socket,
        expected: 'an absolute path',
      });
    }
    const vncListen: GraphicsListen = socket === undefined ? { kind: 'socket' } : { kind: 'socket', socket };
    return { type: 'vnc', listen: vncListen, autoport: false };
  }
  // Without an address the start fills in qemu.conf's vnc_listen (the live XML shows it), as libvirt does.
  const vncListen: GraphicsListen =
    listen.address === undefined ? { kind: 'address' } : { kind: 'address', address: listen.address };
  return { type: 'vnc', listen: vncListen, ...readPort(r, port, autoport) };
}

function readSpice(
  r: ElementReader,
  listen: ListenRead,
  port: string | undefined,
  autoport: boolean | undefined,
): SpiceGraphicsConfig {
  readTlsPort(r);
  const compression = r.child('image');
  const imageCompression = compression?.enumAttr('compression', IMAGE_COMPRESSIONS);
  compression?.finish();
  let out: SpiceGraphicsConfig;
  if (listen.type === 'none') {
    if (port !== undefined && port !== '-1') {
      throw invalid(r.el, 'a port is given with a none listen', {
        attribute: 'port',
        value: port,
        expected: "no port with <listen type='none'/>",
      });
    }
    out = { type: 'spice', listen: { kind: 'none' }, autoport: false };
  } else {
    const spiceListen: SpiceGraphicsConfig['listen'] =
      listen.address === undefined ? { kind: 'address' } : { kind: 'address', address: listen.address };
    out = { type: 'spice', listen: spiceListen, ...readPort(r, port, autoport) };
  }
  if (imageCompression !== undefined) out.imageCompression = imageCompression;
  return out;
}

function readTlsPort(r: ElementReader): void {
  // tsvirt serves SPICE without TLS: tlsPort='-1' (libvirt's "pick one if TLS is on") is accepted and dropped.
  const tlsPort = r.attr('tlsPort');
  if (tlsPort === undefined || tlsPort === '-1') return;
  throw notSupported(r.el, {
    attribute: 'tlsPort',
    value: tlsPort,
    expected: ['-1', 'no tlsPort (tsvirt has no SPICE TLS)'],
  });
}

function readPort(
  r: ElementReader,
  port: string | undefined,
  autoport: boolean | undefined,
): { autoport: boolean; port?: number } {
  // libvirt: autoport='yes' or port -1/absent picks a free port; a live port next to autoport='yes' is ignored.
  if (autoport === true || (autoport === undefined && (port === undefined || port === '-1')))
    return { autoport: true };
  if (
    port === undefined ||
    !/^\d+$/.test(port) ||
    Number(port) < GRAPHICS_BASE_PORT ||
    Number(port) > 65535
  ) {
    throw invalid(r.el, `port '${port ?? ''}' is not a graphics port`, {
      attribute: 'port',
      value: port ?? '',
      expected: `${GRAPHICS_BASE_PORT}-65535, or autoport='yes'`,
    });
  }
  return { autoport: false, port: Number(port) };
}

function checkExposure(r: ElementReader, g: GraphicsConfig): void {
  if (g.listen.kind !== 'address' || g.listen.address === undefined) return;
  const address = g.listen.address;
  if (LOOPBACK.has(address) || g.passwd !== undefined) {
    if (/^[0-9A-Za-z.:-]+$/.test(address)) return;
    throw invalid(r.el, `'${address}' is not a listen address`, {
      attribute: 'listen',
      value: address,
      expected: 'an IPv4 or IPv6 address',
    });
  }
  throw notSupported(r.el, {
    attribute: 'listen',
    value: address,
    expected: [GRAPHICS_LISTEN_ADDRESS, `another address only with passwd= set`],
  });
}
