/** Opening the socket of a remote URI: unix, TCP, or TLS with libvirt's certificate files. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { homedir } from 'node:os';
import { connect as tlsConnect } from 'node:tls';
import { TsvirtError } from '../errors.js';
import { locateClientPki, type PkiFiles } from './pki.js';
import type { RemoteTarget } from './uri.js';

/** Opens a socket to the target, failing after timeoutMs; over TLS, once the server has accepted us. */
export async function dial(target: RemoteTarget, uri: string, timeoutMs: number): Promise<Socket> {
  if (target.transport === 'tls') return dialTls(target, uri, timeoutMs);
  const where = target.transport === 'tcp' ? `${target.host}:${target.port}` : target.socketPath;
  const socket =
    target.transport === 'tcp'
      ? netConnect({ host: target.host, port: target.port })
      : netConnect({ path: target.socketPath });
  await settle(socket, 'connect', uri, where, timeoutMs);
  socket.setNoDelay(true);
  return socket;
}

/**
 * TLS as libvirt's client does it: our certificate and key, the server's checked against the CA and
 * the host name of the URI (unless `no_verify=1`), then one byte from the server, 1, saying that it
 * accepted our certificate. Only after that byte does the RPC traffic start.
 */
async function dialTls(
  target: Extract<RemoteTarget, { transport: 'tls' }>,
  uri: string,
  timeoutMs: number,
): Promise<Socket> {
  const files = locateClientPki(target.pkipath, {
    uid: process.getuid?.() ?? 0,
    home: homedir(),
    exists: existsSync,
  });
  // In turn, so that the error names the first missing file, as libvirt does.
  const ca = await readPkiFile(files, 'caFile', uri);
  const cert = await readPkiFile(files, 'certFile', uri);
  const key = await readPkiFile(files, 'keyFile', uri);
  const where = `${target.host}:${target.port}`;
  const socket = tlsConnect({
    host: target.host,
    port: target.port,
    ca,
    cert,
    key,
    minVersion: 'TLSv1.2',
    rejectUnauthorized: target.verify,
    ...(isIP(target.host) ? {} : { servername: target.host }),
  });
  await settle(socket, 'secureConnect', uri, where, timeoutMs);
  socket.setNoDelay(true);
  await readAcceptByte(socket, uri, where, timeoutMs);
  return socket;
}

const PKI_ROLE: Record<keyof PkiFiles, string> = {
  caFile: 'CA certificate',
  certFile: 'client certificate',
  keyFile: 'client private key',
};

async function readPkiFile(files: PkiFiles, which: keyof PkiFiles, uri: string): Promise<Buffer> {
  const path = files[which];
  try {
    return await readFile(path);
  } catch (cause) {
    throw new TsvirtError(
      'ERR_IO',
      `${uri}: cannot read the ${PKI_ROLE[which]} ${path} (${(cause as NodeJS.ErrnoException).code ?? String(cause)}); put it there, or name a folder with cacert.pem, clientcert.pem and clientkey.pem as ?pkipath=DIR`,
      { uri, path, file: which },
      { cause },
    );
  }
}

/** Waits for `event` (connected), or fails on error or after timeoutMs with an error naming `where`. */
function settle(socket: Socket, event: string, uri: string, where: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new TsvirtError('ERR_RPC_TIMEOUT', `${uri}: ${where} did not accept within ${timeoutMs} ms`, { uri }),
      );
    }, timeoutMs);
    const onError = (cause: NodeJS.ErrnoException): void => {
      clearTimeout(timer);
      reject(
        new TsvirtError(
          'ERR_CONNECTION_CLOSED',
          `${uri}: cannot connect to ${where} (${cause.code ?? cause.message}${cause.code && cause.message && !cause.message.includes(cause.code) ? `: ${cause.message}` : ''}); check that libvirtd or tsvirtd listens there${event === 'secureConnect' ? ' and that the certificates match' : ''}`,
          { uri, errno: cause.code },
          { cause },
        ),
      );
    };
    socket.once('error', onError);
    socket.once(event, () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve();
    });
  });
}

/** The server's 1 after the handshake; anything else, or a close, means it refused our certificate. */
function readAcceptByte(socket: Socket, uri: string, where: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const refused = (detail: string, cause?: Error): void => {
      cleanup();
      socket.destroy();
      reject(
        new TsvirtError(
          'ERR_AUTH_FAILED',
          `${uri}: ${where} refused our certificate or address (${detail}); check that the server trusts the CA that signed our client certificate`,
          { uri },
          ...(cause ? [{ cause }] : []),
        ),
      );
    };
    const onData = (chunk: Buffer): void => {
      cleanup();
      if (chunk[0] !== 1) {
        refused(`it answered ${chunk[0]} instead of 1`);
        return;
      }
      // Paused until the RPC session reads it (it resumes the stream), so no bytes are lost between.
      socket.pause();
      if (chunk.length > 1) socket.unshift(chunk.subarray(1));
      resolve();
    };
    const onError = (err: Error): void => refused(err.message, err);
    const onEnd = (): void => refused('it closed the connection');
    const timer = setTimeout(() => refused(`no answer within ${timeoutMs} ms`), timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
    };
    socket.once('data', onData);
    socket.once('error', onError);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
  });
}
