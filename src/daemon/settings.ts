/**
 * The daemon's settings: the command line over the config file over libvirtd's defaults, with the
 * refusals of what tsvirt does not implement (sasl, polkit). Pure: the caller gives uid and cwd.
 */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { TsvirtError } from '../errors.js';
import type { AuthScheme, DaemonConf } from './conf-keys.js';
import type { LoadedConf } from './conf.js';
import type { DaemonOptions } from './options.js';
import { DEFAULT_CA_FILE, DEFAULT_SERVER_CERT_FILE, DEFAULT_SERVER_KEY_FILE } from '../remote/pki.js';

/** The root folder used when the daemon runs as root with no --root and no `root` key. */
export const SYSTEM_ROOT = '/var/lib/tsvirt';

/** A unix socket path holds at most this many bytes (sun_path is 108 with its NUL). */
const MAX_SOCKET_PATH_BYTES = 107;

/** The limits and keepalive of the RPC server, libvirtd's defaults unless the file sets them. */
export interface ServerLimits {
  maxClients: number;
  /** max_anonymous_clients: clients connected whose CONNECT_OPEN has not succeeded yet. */
  maxAnonymousClients: number;
  maxClientRequests: number;
  keepaliveIntervalS: number;
  keepaliveCount: number;
  /** anonymous_open_timeout: seconds from connecting to a successful CONNECT_OPEN. */
  anonymousOpenTimeoutS: number;
  /** anonymous_packet_timeout: seconds a client that has not opened gets to finish a packet. */
  anonymousPacketTimeoutS: number;
}

/** Everything the daemon needs to start, resolved to absolute paths. */
export interface DaemonSettings {
  root: string;
  sockDir: string;
  rwSocket: string;
  roSocket: string;
  /** Group that owns both sockets (unix_sock_group); undefined keeps the daemon's own group. */
  sockGroup?: string;
  rwPerms: number;
  roPerms: number;
  pidFile: string;
  /** qemu.conf: whom qemu runs as, and how it is confined. */
  qemuConfFile: string;
  /** Set when TCP listens: listen_tcp = 1 and -l. An undefined host means every address. */
  tcp?: { host?: string; port: number };
  /** Set when TLS listens: listen_tls = 1 (libvirtd's default) and -l. */
  tls?: TlsSettings;
  /** libvirt's levels: 1 debug, 2 info, 3 warning, 4 error. */
  logLevel: number;
  limits: ServerLimits;
  timeoutS?: number;
  /** The WebSocket front end's keys (issue 7), checked now; undefined when ws_port is unset. */
  ws?: { port: number; host: string; tokenFile?: string; page: boolean };
}

/** The TLS listener: where, the server's certificate files, and whether clients must show a valid one. */
export interface TlsSettings {
  host?: string;
  port: number;
  keyFile: string;
  certFile: string;
  caFile: string;
  /** tls_no_verify_certificate = 0 (the default): a client needs a certificate signed by the CA. */
  verifyClient: boolean;
  /** tls_allowed_dn_list: glob patterns (* and ?) one of which a client certificate's DN must match. */
  allowedDnList?: string[];
}

/** Where the daemon runs: its uid and working folder. */
export interface DaemonEnv {
  uid: number;
  cwd: string;
}

/** Combines the command line and the config file into settings, or throws ERR_CONFIG_FILE/ERR_NOT_SUPPORTED. */
export function resolveSettings(opts: DaemonOptions, loaded: LoadedConf, env: DaemonEnv): DaemonSettings {
  const { conf } = loaded;
  const confDir = loaded.file ? dirname(resolve(env.cwd, loaded.file)) : env.cwd;
  checkAuth(loaded);
  const root = resolveRoot(opts, conf, confDir, env);
  const sockDir = conf.unix_sock_dir ? resolve(confDir, conf.unix_sock_dir) : join(root, 'run');
  const rwSocket = checkSocketPath(join(sockDir, 'libvirt-sock'), loaded);
  const roSocket = checkSocketPath(join(sockDir, 'libvirt-sock-ro'), loaded);
  const tcp = opts.listen && conf.listen_tcp ? resolveTcp(loaded) : undefined;
  // libvirtd's default is listen_tls = 1, so -l alone listens with TLS.
  const tls = opts.listen && conf.listen_tls !== false ? resolveTls(loaded, confDir) : undefined;
  const logLevel = Math.min(conf.log_level ?? 3, opts.verbose ? 2 : 4);
  return {
    root,
    sockDir,
    rwSocket,
    roSocket,
    ...(conf.unix_sock_group === undefined ? {} : { sockGroup: conf.unix_sock_group }),
    rwPerms: conf.unix_sock_rw_perms ?? 0o700,
    roPerms: conf.unix_sock_ro_perms ?? 0o777,
    pidFile: opts.pidFile ? resolve(env.cwd, opts.pidFile) : join(root, 'run', 'tsvirtd.pid'),
    // qemu.conf beside tsvirtd.conf, as libvirt keeps them side by side; else the root's own.
    qemuConfFile: loaded.file ? join(confDir, 'qemu.conf') : join(root, 'etc', 'qemu.conf'),
    ...(tcp ? { tcp } : {}),
    ...(tls ? { tls } : {}),
    logLevel,
    limits: resolveLimits(loaded),
    ...(opts.timeoutS === undefined ? {} : { timeoutS: opts.timeoutS }),
    ...resolveWs(loaded, confDir),
  };
}

/** libvirtd's defaults: max_clients 5000, max_anonymous_clients 20, and tsvirt's 30 s and 10 s deadlines. */
function resolveLimits(loaded: LoadedConf): ServerLimits {
  const { conf } = loaded;
  const limits = {
    maxClients: conf.max_clients ?? 5000,
    maxAnonymousClients: conf.max_anonymous_clients ?? 20,
    maxClientRequests: conf.max_client_requests ?? 5,
    keepaliveIntervalS: conf.keepalive_interval ?? 5,
    keepaliveCount: conf.keepalive_count ?? 5,
    anonymousOpenTimeoutS: conf.anonymous_open_timeout ?? 30,
    anonymousPacketTimeoutS: conf.anonymous_packet_timeout ?? 10,
  };
  if (limits.maxAnonymousClients > limits.maxClients) {
    // As libvirtd: the clients waiting to open are a part of all clients.
    throw configError(
      loaded,
      'max_anonymous_clients',
      `max_anonymous_clients = ${limits.maxAnonymousClients} is over max_clients = ${limits.maxClients}; lower it or raise max_clients`,
    );
  }
  return limits;
}

function where(loaded: LoadedConf, key: keyof DaemonConf): string {
  const line = loaded.lines[key];
  return loaded.file && line !== undefined ? `${loaded.file}:${line}: ` : '';
}

function configError(loaded: LoadedConf, key: keyof DaemonConf, message: string): TsvirtError {
  return new TsvirtError('ERR_CONFIG_FILE', `${where(loaded, key)}${message}`, {
    file: loaded.file,
    line: loaded.lines[key],
    field: key,
    value: loaded.conf[key],
  });
}

const AUTH_KEYS = ['auth_unix_ro', 'auth_unix_rw', 'auth_tcp', 'auth_tls'] as const;

/** Only "none" is served; a scheme we lack is refused, never quietly replaced by "none". */
function checkAuth(loaded: LoadedConf): void {
  for (const key of AUTH_KEYS) {
    const scheme: AuthScheme | undefined = loaded.conf[key];
    if (scheme === undefined || scheme === 'none') continue;
    const err = configError(loaded, key, `${key} = "${scheme}" is not supported yet; use "none"`);
    throw new TsvirtError('ERR_NOT_SUPPORTED', err.message, err.fields);
  }
}

/** tls_port (16514), listen_addr, and the certificate files, relative ones against the config's folder. */
function resolveTls(loaded: LoadedConf, confDir: string): TlsSettings {
  const { conf } = loaded;
  const file = (value: string | undefined, fallback: string): string =>
    value === undefined ? fallback : resolve(confDir, value);
  return {
    ...(conf.listen_addr === undefined ? {} : { host: conf.listen_addr }),
    port: conf.tls_port ?? 16514,
    keyFile: file(conf.key_file, DEFAULT_SERVER_KEY_FILE),
    certFile: file(conf.cert_file, DEFAULT_SERVER_CERT_FILE),
    caFile: file(conf.ca_file, DEFAULT_CA_FILE),
    verifyClient: conf.tls_no_verify_certificate !== true,
    ...(conf.tls_allowed_dn_list === undefined ? {} : { allowedDnList: conf.tls_allowed_dn_list }),
  };
}

function resolveRoot(opts: DaemonOptions, conf: DaemonConf, confDir: string, env: DaemonEnv): string {
  if (opts.root) return resolve(env.cwd, opts.root);
  if (conf.root) return resolve(confDir, conf.root);
  if (env.uid === 0) return SYSTEM_ROOT;
  throw new TsvirtError(
    'ERR_INVALID_ARG',
    `tsvirtd: no state folder; ${SYSTEM_ROOT} is the default only for root, so give --root DIR or set root in the config file`,
    { field: 'root' },
  );
}

function resolveTcp(loaded: LoadedConf): { host?: string; port: number } {
  if (loaded.conf.auth_tcp === undefined) {
    // libvirtd's default auth_tcp is "sasl": listening unauthenticated must be asked for by name.
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `${loaded.file ?? 'tsvirtd'}: listen_tcp = 1 with auth_tcp unset means libvirtd's default "sasl", which is not supported yet; set auth_tcp = "none"`,
      { file: loaded.file, field: 'auth_tcp' },
    );
  }
  const port = loaded.conf.tcp_port ?? 16509;
  return loaded.conf.listen_addr === undefined ? { port } : { host: loaded.conf.listen_addr, port };
}

function checkSocketPath(path: string, loaded: LoadedConf): string {
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw configError(
      loaded,
      'unix_sock_dir',
      `${path}: too long for a unix socket (${bytes} bytes, at most ${MAX_SOCKET_PATH_BYTES}); use a shorter unix_sock_dir or --root`,
    );
  }
  return path;
}

/** Whether an address is loopback only (the WebSocket API needs no token there). */
export function isLoopbackAddress(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function resolveWs(loaded: LoadedConf, confDir: string): Pick<DaemonSettings, 'ws'> {
  const { conf } = loaded;
  if (conf.ws_port === undefined) return {};
  const host = conf.ws_listen_addr ?? '127.0.0.1';
  const tokenFile = conf.ws_auth_token_file;
  if (!tokenFile && !isLoopbackAddress(host)) {
    throw configError(
      loaded,
      'ws_listen_addr',
      `ws_listen_addr = "${host}" is not loopback, so the WebSocket API needs a token; set ws_auth_token_file`,
    );
  }
  const ws = { port: conf.ws_port, host, page: conf.ws_page ?? false };
  return {
    ws: tokenFile
      ? { ...ws, tokenFile: isAbsolute(tokenFile) ? tokenFile : resolve(confDir, tokenFile) }
      : ws,
  };
}
