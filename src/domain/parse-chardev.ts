import { ElementReader, invalid, notSupported } from './element-reader.js';
import { readAlias } from './parse-address.js';
import { isAbsolutePath } from './parse-disk.js';
import type { CharDevConfig, GraphicsConfig } from './types.js';

/** The only VNC listen address: VNC here has no authentication, so it stays on the loopback. */
export const VNC_LISTEN_ADDRESS = '127.0.0.1';

/** The first VNC TCP port (display :0). */
export const VNC_BASE_PORT = 5900;

/** Read one <serial> (console: false) or <console> (console: true). */
export function parseCharDev(r: ElementReader, console: boolean): CharDevConfig {
  const type = r.enumAttr('type', ['pty', 'file', 'unix']);
  if (type === undefined)
    throw invalid(r.el, "attribute 'type' is missing", { attribute: 'type', expected: 'pty, file or unix' });
  if (console) r.skip({ attrs: ['tty'] }); // the pty of a running domain (dumpxml output)
  const dev: CharDevConfig = { type, port: 0 };
  const source = r.child('source');
  if (type === 'pty') {
    source?.skip({ attrs: ['path'] }); // a running domain's pty path (dumpxml output)
    source?.finish();
  } else {
    if (!source)
      throw invalid(r.el, 'element <source> is missing', { expected: "<source path='/absolute/path'/>" });
    if (type === 'unix') dev.mode = source.enumAttr('mode', ['bind'], 'bind');
    dev.path = source.requireAttr('path', 'an absolute path');
    if (!isAbsolutePath(dev.path)) {
      throw invalid(source.el, `'${dev.path}' is not an absolute path`, {
        attribute: 'path',
        value: dev.path,
        expected: 'an absolute path',
      });
    }
    source.finish();
  }
  const target = r.child('target');
  if (target) {
    target.enumAttr('type', console ? ['serial'] : ['isa-serial']);
    const port = target.uintAttr('port');
    if (port !== undefined) dev.port = port;
    if (!console) readSerialModel(target);
    target.finish();
  }
  // A console shows the alias of the serial it stands for; only a serial keeps its own.
  const alias = readAlias(r);
  if (alias !== undefined && !console) dev.alias = alias;
  r.finish();
  return dev;
}

function readSerialModel(target: ElementReader): void {
  const model = target.child('model');
  if (!model) return;
  model.enumAttr('name', ['isa-serial']);
  model.finish();
}

/** Read one <graphics>: VNC on 127.0.0.1 (a fixed port or autoport) or on a unix socket. */
export function parseGraphics(r: ElementReader): GraphicsConfig {
  if (r.enumAttr('type', ['vnc']) === undefined) missingType(r);
  const socketAttr = r.attr('socket');
  const listenAttr = r.attr('listen');
  const listenEls = r.children('listen');
  if (listenEls.length > 1)
    throw notSupported(r.el, {
      attribute: 'listen',
      value: `${listenEls.length} <listen> elements`,
      expected: ['one <listen>'],
    });
  const listenEl = listenEls[0];
  const listenType = listenEl?.enumAttr('type', ['address', 'socket']);
  const elSocket = listenEl?.attr('socket');
  const elAddress = listenEl?.attr('address');
  listenEl?.finish();
  const port = r.attr('port');
  const autoportAttr = r.boolAttr('autoport');
  r.finish();
  if (socketAttr !== undefined || listenType === 'socket') {
    if (port !== undefined || autoportAttr !== undefined) {
      throw invalid(r.el, 'port or autoport is given with a socket listen', {
        attribute: 'port',
        expected: 'no port with a socket',
      });
    }
    const socket = socketAttr ?? elSocket;
    if (socket !== undefined && !isAbsolutePath(socket)) {
      throw invalid(r.el, `'${socket}' is not an absolute path`, {
        attribute: 'socket',
        value: socket,
        expected: 'an absolute path',
      });
    }
    return {
      type: 'vnc',
      listen: socket === undefined ? { kind: 'socket' } : { kind: 'socket', socket },
      autoport: false,
    };
  }
  const address = listenAttr ?? elAddress ?? VNC_LISTEN_ADDRESS;
  if (address !== VNC_LISTEN_ADDRESS || (elAddress !== undefined && elAddress !== address)) {
    throw notSupported(r.el, {
      attribute: 'listen',
      value: elAddress ?? address,
      expected: [VNC_LISTEN_ADDRESS],
    });
  }
  return { type: 'vnc', listen: { kind: 'address', address }, ...readPort(r, port, autoportAttr) };
}

function readPort(
  r: ElementReader,
  port: string | undefined,
  autoport: boolean | undefined,
): Pick<GraphicsConfig, 'autoport' | 'port'> {
  // libvirt: autoport='yes' or port -1/absent picks a free port; a live port next to autoport='yes' is ignored.
  if (autoport === true || (autoport === undefined && (port === undefined || port === '-1')))
    return { autoport: true };
  if (port === undefined || !/^\d+$/.test(port) || Number(port) < VNC_BASE_PORT || Number(port) > 65535) {
    throw invalid(r.el, `port '${port ?? ''}' is not a VNC port`, {
      attribute: 'port',
      value: port ?? '',
      expected: `${VNC_BASE_PORT}-65535, or autoport='yes'`,
    });
  }
  return { autoport: false, port: Number(port) };
}

function missingType(r: ElementReader): never {
  throw invalid(r.el, "attribute 'type' is missing", { attribute: 'type', expected: 'vnc' });
}
