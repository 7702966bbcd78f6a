/**
 * virDomainOpenConsole for the QEMU driver. A pty serial is a qemu pty: the console opens its /dev/pts
 * path, as libvirt does (a qemu started by an older tsvirt serves it on a socket instead); a unix serial
 * is a qemu chardev socket server, and the console a connection to it. libvirt allows one console user per domain; since the embedded
 * driver lives in short CLI processes, the holder of a console also serves a small "take-over" socket
 * (run/qemu/NAME.console-holder), which other processes find and, with FORCE, use to make the
 * holder close its console.
 */
import { ConsoleFlags } from '../api/domain-enums.js';
import { unlink } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { findConsoleSerialIndex } from '../domain/console-serial.js';
import { openPty } from './pty-open.js';
import { TsvirtError } from '../errors.js';
import type { DomainObject } from './domain-object.js';
import { checkAction } from './state-machine.js';

/** The byte a take-over client sends to make the holder let go. */
const TAKE_OVER = 0x6b; // 'k'
/** How long a take-over waits for the holder to let go. */
const TAKE_OVER_TIMEOUT_MS = 2_000;

/** Open the console of a running domain, one user at a time (FORCE takes it over). */
export async function openConsole(
  dom: DomainObject,
  devName: string | undefined,
  flags: number,
): Promise<Duplex> {
  if ((flags & ~(ConsoleFlags.FORCE | ConsoleFlags.SAFE)) !== 0) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `console flags 0x${flags.toString(16)} are not supported; give FORCE (1) or SAFE (2)`,
      {
        field: 'flags',
        value: flags,
        expected: 'FORCE|SAFE',
      },
    );
  }
  checkAction('live-query', dom.subject);
  const { path, isPty } = resolveConsolePath(dom, devName);
  const holderPath = dom.paths.consoleHolder;
  await claimConsole(dom.name, holderPath, (flags & ConsoleFlags.FORCE) !== 0);
  const socket = await (isPty ? openPty(path) : connectUnix(path)).catch((err: unknown) => {
    throw new TsvirtError(
      'ERR_OPERATION_FAILED',
      `domain '${dom.name}': cannot connect to its console at ${path} (${(err as Error).message}); check that qemu still runs`,
      { domain: dom.name, path },
      { cause: err },
    );
  });
  const holder = await serveHolder(holderPath, socket);
  socket.once('close', () => {
    holder.close();
    void unlink(holderPath).catch(() => undefined);
  });
  return socket;
}

/**
 * Where the console of `devName` (libvirt's aliases: console0, serialN), or the domain's console, is
 * reached: the pty of a pty serial, or the socket of a unix one.
 */
function resolveConsolePath(
  dom: DomainObject,
  devName: string | undefined,
): { path: string; isPty: boolean } {
  const def = dom.def;
  let index = findConsoleSerialIndex(def);
  if (devName !== undefined && devName !== 'console0') {
    const m = /^serial(\d+)$/.exec(devName);
    index = m ? Number(m[1]) : undefined;
    if (index === undefined || !def.devices.serials[index]) {
      throw new TsvirtError(
        'ERR_INVALID_ARG',
        `cannot find character device ${devName}; give serialN or console0`,
        {
          field: 'devName',
          value: devName,
          expected: 'serialN or console0',
        },
      );
    }
  }
  const serial = index === undefined ? undefined : def.devices.serials[index];
  if (serial?.type === 'unix' && serial.path !== undefined) return { path: serial.path, isPty: false };
  if (serial?.type === 'pty') {
    const pty = dom.run?.serialPtys[index as number];
    // No pty known: the qemu of an older tsvirt, which served its pty serial on the console socket.
    return pty === undefined ? { path: dom.paths.consoleSocket, isPty: false } : { path: pty, isPty: true };
  }
  throw new TsvirtError(
    'ERR_OPERATION_FAILED',
    `domain '${dom.name}': character device ${devName ?? 'console0'} is not using a PTY; give the domain a <serial type='pty'/>`,
    { domain: dom.name, devName },
  );
}

/** Fail if another user holds the console; with `force`, make that user let go first. */
async function claimConsole(domain: string, holderPath: string, force: boolean): Promise<void> {
  const peer = await connectUnix(holderPath).catch(() => undefined);
  if (!peer) {
    await unlink(holderPath).catch(() => undefined); // a holder that died left its socket behind
    return;
  }
  if (!force) {
    peer.destroy();
    throw new TsvirtError(
      'ERR_OPERATION_FAILED',
      'operation failed: Active console session exists for this domain',
      {
        domain,
      },
    );
  }
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => peer.destroy(), TAKE_OVER_TIMEOUT_MS);
    peer.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    peer.on('error', () => undefined);
    peer.resume();
    peer.end(Buffer.from([TAKE_OVER]));
  });
  await unlink(holderPath).catch(() => undefined);
}

/** Serve the take-over socket: a client that sends TAKE_OVER closes `console`, then hears the close. */
async function serveHolder(path: string, console: Socket): Promise<Server> {
  const server = createServer((client) => {
    client.on('error', () => undefined);
    client.on('data', (chunk: Buffer) => {
      if (!chunk.includes(TAKE_OVER)) return;
      console.destroy();
      server.close();
      client.end();
    });
  });
  server.unref(); // the console itself keeps a process alive, not its take-over socket
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  }).catch((err: unknown) => {
    console.destroy();
    throw new TsvirtError(
      'ERR_IO',
      `${path}: cannot serve the console take-over socket (${(err as Error).message})`,
      {
        path,
      },
      { cause: err },
    );
  });
  return server;
}

/** Connect to a unix socket; rejects with the socket error. */
function connectUnix(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
