/**
 * The byte-stream endpoints: /console/NAME (the serial console through Connection.domainOpenConsole,
 * one user at a time, `?force=1` takes it over) and /vnc/NAME (the domain's VNC server, found in its live
 * XML, for noVNC: RFB bytes in binary frames, as websockify carries them).
 */
import { ConsoleFlags } from '../api/domain-enums.js';
import { createConnection, type Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Connection } from '../connection.js';
import { TsvirtError } from '../errors.js';
import { checkAccess } from './access.js';
import { bridgeStream, closeForError } from './byte-bridge.js';

/** Serve /console/NAME on an upgraded socket. */
export async function serveConsole(
  ws: WebSocket,
  conn: Connection,
  name: string,
  opts: { force: boolean; readOnly: boolean },
): Promise<void> {
  try {
    checkAccess('domainOpenConsole', opts.readOnly, `/console/${name}`);
    const dom = await conn.lookupDomainByName(name);
    const stream = await conn.domainOpenConsole(dom, undefined, opts.force ? ConsoleFlags.FORCE : 0);
    if (ws.readyState !== ws.OPEN) {
      stream.destroy();
      return;
    }
    bridgeStream(ws, stream, 'console');
  } catch (err) {
    closeForError(ws, err);
  }
}

/** Serve /vnc/NAME on an upgraded socket. */
export async function serveVnc(
  ws: WebSocket,
  conn: Connection,
  name: string,
  opts: { readOnly: boolean },
): Promise<void> {
  try {
    // libvirt's virDomainOpenGraphics is denied on a read-only connection, as the console is.
    checkAccess('domainOpenConsole', opts.readOnly, `/vnc/${name}`);
    const dom = await conn.lookupDomainByName(name);
    const target = findVncTarget(name, await conn.domainGetXMLDesc(dom));
    const socket = await connectTo(target);
    if (ws.readyState !== ws.OPEN) {
      socket.destroy();
      return;
    }
    bridgeStream(ws, socket, 'vnc');
  } catch (err) {
    closeForError(ws, err);
  }
}

/** Where a domain's VNC server listens: a unix socket, or a TCP port on an address. */
export type VncTarget = { path: string } | { host: string; port: number };

/** The VNC server of `<graphics type='vnc' port=.. listen=..>` or `socket=..` in live domain XML. */
export function findVncTarget(name: string, xml: string): VncTarget {
  const tag = /<graphics\b[^>]*>/g;
  for (const m of xml.matchAll(tag)) {
    const attrs = readAttributes(m[0]);
    if (attrs.type !== 'vnc') continue;
    if (attrs.socket) return { path: attrs.socket };
    const port = Number(attrs.port);
    if (Number.isInteger(port) && port > 0) {
      const listen = attrs.listen ?? '127.0.0.1';
      return { host: listen === '0.0.0.0' || listen === '::' ? '127.0.0.1' : listen, port };
    }
    throw new TsvirtError(
      'ERR_OPERATION_INVALID',
      `domain '${name}': its VNC server has no port yet; start it`,
      {
        domain: name,
        port: attrs.port,
      },
    );
  }
  throw new TsvirtError(
    'ERR_INVALID_ARG',
    `domain '${name}' has no VNC graphics; add <graphics type='vnc' autoport='yes' listen='127.0.0.1'/>`,
    { domain: name, field: 'graphics', expected: 'vnc' },
  );
}

function readAttributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([A-Za-z_:][\w:.-]*)\s*=\s*(?:'([^']*)'|"([^"]*)")/g)) {
    out[m[1] as string] = decodeEntities(m[2] ?? m[3] ?? '');
  }
  return out;
}

function decodeEntities(text: string): string {
  const map: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return text.replace(/&(amp|lt|gt|quot|apos);/g, (_m, e: string) => map[e] as string);
}

function connectTo(target: VncTarget): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket =
      'path' in target ? createConnection(target.path) : createConnection(target.port, target.host);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
    const onError = (err: Error): void =>
      reject(
        new TsvirtError(
          'ERR_OPERATION_FAILED',
          `vnc: cannot connect to the domain's VNC server (${err.message})`,
          {
            target,
          },
        ),
      );
    socket.once('error', onError);
  });
}
