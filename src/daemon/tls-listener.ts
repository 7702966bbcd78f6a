/**
 * The TLS listener, in its own module so that node:tls and the certificate checks load only when
 * listen_tls is on (daemon.ts imports it on demand).
 */
import { readFile } from 'node:fs/promises';
import type { Server, Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { TsvirtError } from '../errors.js';
import { listenOn, peerOf, type AcceptSocket } from './listeners.js';
import type { TlsSettings } from './settings.js';
import { formatSubjectDn, isDnAllowed } from './tls-dn.js';

/**
 * Listens with TLS as libvirtd does: the server's key and certificate, client certificates asked for
 * and (unless tls_no_verify_certificate) checked against the CA and tls_allowed_dn_list, then one
 * byte, 1, to a client that passed, before any RPC traffic. A client that fails the handshake goes to `onRefused`.
 */
export async function listenTls(
  tls: TlsSettings,
  accept: AcceptSocket,
  onRefused: (peer: string, reason: string) => void,
): Promise<Server> {
  // In turn, so that the error names the first missing file.
  const key = await readTlsFile(tls.keyFile, 'key_file');
  const cert = await readTlsFile(tls.certFile, 'cert_file');
  const ca = await readTlsFile(tls.caFile, 'ca_file');
  let server: Server;
  try {
    server = createTlsServer(
      { key, cert, ca, requestCert: true, rejectUnauthorized: tls.verifyClient, minVersion: 'TLSv1.2' },
      (socket) => {
        const refusal = checkClientDn(socket, tls);
        if (refusal !== undefined) {
          onRefused(peerOf(socket), refusal);
          socket.destroy();
          return;
        }
        socket.write(Buffer.from([1]));
        accept(socket);
      },
    );
  } catch (cause) {
    throw new TsvirtError(
      'ERR_CONFIG_FILE',
      `key_file ${tls.keyFile}, cert_file ${tls.certFile}, ca_file ${tls.caFile}: not a usable key, certificate and CA (${(cause as Error).message})`,
      { field: 'key_file', keyFile: tls.keyFile, certFile: tls.certFile, caFile: tls.caFile },
      { cause },
    );
  }
  server.on('tlsClientError', (err: Error, socket: Socket) => onRefused(peerOf(socket), err.message));
  const where = `${tls.host ?? '*'}:${tls.port}`;
  const { host, port } = tls;
  await listenOn(server, host === undefined ? { port } : { host, port }, where, 'tls_port');
  return server;
}

/** Why a verified client is refused by tls_allowed_dn_list, or undefined when it may in. */
function checkClientDn(socket: TLSSocket, tls: TlsSettings): string | undefined {
  // As libvirtd, the list is part of the certificate checks that tls_no_verify_certificate turns off.
  if (tls.allowedDnList === undefined || !tls.verifyClient) return undefined;
  const cert = socket.getPeerX509Certificate();
  const dn = cert === undefined ? '' : formatSubjectDn(cert.subject);
  if (isDnAllowed(dn, tls.allowedDnList)) return undefined;
  return `its certificate's DN '${dn}' is not on tls_allowed_dn_list`;
}

async function readTlsFile(path: string, key: 'key_file' | 'cert_file' | 'ca_file'): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    const errno = (cause as NodeJS.ErrnoException).code;
    throw new TsvirtError(
      'ERR_CONFIG_FILE',
      `${key} ${path}: cannot read it (${errno ?? String(cause)}); TLS listens by default with --listen, so set ${key} in the config file, or listen_tls = 0`,
      { field: key, path, errno },
      { cause },
    );
  }
}
