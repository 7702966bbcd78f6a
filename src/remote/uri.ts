/**
 * libvirt connection URIs for the remote driver: `DRIVER+TRANSPORT://[HOST[:PORT]]/PATH[?socket=...]`.
 * Pure: it only parses.
 */
import { TsvirtError } from '../errors.js';

/** libvirtd's TCP port. */
export const DEFAULT_TCP_PORT = 16509;
/** libvirtd's TLS port. */
export const DEFAULT_TLS_PORT = 16514;
/** libvirtd's read-write unix socket. */
export const DEFAULT_UNIX_SOCKET = '/var/run/libvirt/libvirt-sock';
/** libvirtd's read-only unix socket. */
export const DEFAULT_UNIX_SOCKET_RO = '/var/run/libvirt/libvirt-sock-ro';

/** Query parameters that steer the transport and are not sent to the server. */
const TRANSPORT_PARAMS = ['socket', 'name', 'no_verify', 'no_tty', 'pkipath', 'keyfile', 'mode', 'proxy'];

/** Where to connect and what to ask the server to open. */
export type RemoteTarget =
  | { transport: 'tcp'; host: string; port: number; name: string }
  | {
      transport: 'tls';
      host: string;
      port: number;
      name: string;
      /** `?pkipath=DIR`: the folder of cacert.pem, clientcert.pem and clientkey.pem. */
      pkipath?: string;
      /** False with `?no_verify=1`: the server's certificate is not checked. */
      verify: boolean;
    }
  | { transport: 'unix'; socketPath: string; name: string };

function invalid(uri: string, why: string): TsvirtError {
  return new TsvirtError('ERR_INVALID_ARG', `connection URI '${uri}' ${why}`, { field: 'uri', value: uri });
}

/** Parses a remote URI; `readOnly` picks the read-only default socket for unix. */
export function parseRemoteUri(uri: string, readOnly = false): RemoteTarget {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw invalid(uri, 'is not a URI; use e.g. qemu+tcp://HOST/system or qemu+unix:///system');
  }
  const scheme = url.protocol.replace(/:$/, '');
  const [driver, transport, ...extra] = scheme.split('+');
  if (!driver || extra.length > 0) throw invalid(uri, `has a bad scheme '${scheme}'`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const kind = transport ?? (host === '' ? 'unix' : 'tls');
  const name = buildOpenName(driver, url);
  if (kind === 'tcp') {
    if (host === '') throw invalid(uri, 'needs a host for the tcp transport, as in qemu+tcp://HOST/system');
    const port = url.port === '' ? DEFAULT_TCP_PORT : Number(url.port);
    return { transport: 'tcp', host, port, name };
  }
  if (kind === 'unix') {
    if (host !== '') throw invalid(uri, 'names a host, but the unix transport is local; drop the host');
    const socket = url.searchParams.get('socket');
    const socketPath = socket ?? (readOnly ? DEFAULT_UNIX_SOCKET_RO : DEFAULT_UNIX_SOCKET);
    return { transport: 'unix', socketPath, name };
  }
  if (kind === 'tls') {
    if (host === '') throw invalid(uri, 'needs a host for the tls transport, as in qemu+tls://HOST/system');
    const port = url.port === '' ? DEFAULT_TLS_PORT : Number(url.port);
    const pkipath = url.searchParams.get('pkipath');
    const noVerify = url.searchParams.get('no_verify');
    if (noVerify !== null && noVerify !== '0' && noVerify !== '1')
      throw invalid(uri, `has no_verify=${noVerify}; use 0 or 1`);
    return {
      transport: 'tls',
      host,
      port,
      name,
      ...(pkipath ? { pkipath } : {}),
      verify: noVerify !== '1',
    };
  }
  throw new TsvirtError(
    'ERR_NOT_SUPPORTED',
    `connection URI '${uri}' uses transport '${kind}'; use +tls, +tcp or +unix`,
    {
      field: 'uri',
      value: uri,
      transport: kind,
    },
  );
}

/**
 * The name sent in CONNECT_OPEN: the URI without transport, host and port, e.g. `qemu:///system`,
 * keeping query parameters meant for the server; `?name=` overrides it as in libvirt.
 */
export function buildOpenName(driver: string, url: URL): string {
  const explicit = url.searchParams.get('name');
  if (explicit !== null) return explicit;
  const params = new URLSearchParams();
  for (const [k, v] of url.searchParams) if (!TRANSPORT_PARAMS.includes(k)) params.append(k, v);
  const query = params.toString();
  return `${driver}://${url.pathname || '/'}${query ? `?${query}` : ''}`;
}
