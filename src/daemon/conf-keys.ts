/**
 * The keys tsvirtd.conf takes (libvirtd.conf's, plus tsvirt's own), each with the check of its value.
 * Pure: a checker gets the parsed value and returns the typed one, or a sentence saying what it expected.
 */
import type { ConfValue } from './conf-syntax.js';

/** A checker's verdict: the typed value, or what was expected instead. */
export type Checked<T> = { ok: T } | { expected: string };

/** Checks one value. */
export type ValueChecker<T> = (value: ConfValue) => Checked<T>;

function describe(value: ConfValue): string {
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'number' ? `the integer ${value}` : `the string "${value}"`;
}

function wrongType(value: ConfValue, want: string): { expected: string } {
  return { expected: `${want}, not ${describe(value)}` };
}

/** 0 or 1, as libvirtd's boolean keys. */
export const checkBool: ValueChecker<boolean> = (v) =>
  v === 0 || v === 1 ? { ok: v === 1 } : wrongType(v, '0 or 1');

/** An integer in [min, max]. */
export function checkInt(min: number, max: number): ValueChecker<number> {
  return (v) => {
    if (typeof v !== 'number') return wrongType(v, `an integer from ${min} to ${max}`);
    if (v < min || v > max) return { expected: `an integer from ${min} to ${max}, not ${v}` };
    return { ok: v };
  };
}

/** A quoted string (non-empty unless `allowEmpty`). */
export function checkString(allowEmpty = false): ValueChecker<string> {
  return (v) => {
    if (typeof v !== 'string') return wrongType(v, 'a quoted string');
    if (!allowEmpty && v === '') return { expected: 'a non-empty string' };
    return { ok: v };
  };
}

/** A list of non-empty quoted strings, as libvirtd's `tls_allowed_dn_list = ["...", "..."]`. */
export const checkStringList: ValueChecker<string[]> = (v) => {
  if (!Array.isArray(v)) return wrongType(v, 'a list of quoted strings, such as ["CN=client*"]');
  const bad = v.find((item) => typeof item !== 'string' || item === '');
  if (bad !== undefined)
    return { expected: `a list of non-empty quoted strings, not one holding ${describe(bad)}` };
  return { ok: v as string[] };
};

/** A TCP port: libvirtd.conf writes it as a string ("16509"); an integer is taken too. */
export const checkPort: ValueChecker<number> = (v) => {
  const text = typeof v === 'number' ? String(v) : v;
  if (typeof text !== 'string' || !/^[0-9]+$/.test(text))
    return wrongType(v, 'a port number from 1 to 65535');
  const port = Number(text);
  if (port < 1 || port > 65535) return { expected: `a port number from 1 to 65535, not ${port}` };
  return { ok: port };
};

/** Socket permissions as an octal string, as libvirtd has them ("0770"). */
export const checkPerms: ValueChecker<number> = (v) => {
  if (typeof v !== 'string') return wrongType(v, 'an octal mode in quotes, such as "0770"');
  if (!/^0?[0-7]{3,4}$/.test(v)) return { expected: `an octal mode such as "0770", not "${v}"` };
  return { ok: parseInt(v, 8) };
};

/** The auth schemes libvirtd knows; tsvirt serves only "none" so far (settings.ts refuses the others). */
export type AuthScheme = 'none' | 'sasl' | 'polkit';

/** One of libvirtd's auth scheme names. */
export const checkAuth: ValueChecker<AuthScheme> = (v) =>
  v === 'none' || v === 'sasl' || v === 'polkit' ? { ok: v } : wrongType(v, '"none", "sasl" or "polkit"');

/** The typed configuration: every key that the file set (unset keys are absent). */
export interface DaemonConf {
  listen_tls?: boolean;
  listen_tcp?: boolean;
  tcp_port?: number;
  tls_port?: number;
  listen_addr?: string;
  unix_sock_dir?: string;
  unix_sock_group?: string;
  unix_sock_ro_perms?: number;
  unix_sock_rw_perms?: number;
  unix_sock_admin_perms?: number;
  auth_unix_ro?: AuthScheme;
  auth_unix_rw?: AuthScheme;
  auth_tcp?: AuthScheme;
  auth_tls?: AuthScheme;
  key_file?: string;
  cert_file?: string;
  ca_file?: string;
  tls_no_verify_certificate?: boolean;
  tls_allowed_dn_list?: string[];
  max_clients?: number;
  max_anonymous_clients?: number;
  max_client_requests?: number;
  keepalive_interval?: number;
  keepalive_count?: number;
  log_level?: number;
  root?: string;
  ws_port?: number;
  ws_listen_addr?: string;
  ws_auth_token_file?: string;
  ws_page?: boolean;
  anonymous_open_timeout?: number;
  anonymous_packet_timeout?: number;
}

/** Every key of DaemonConf with the checker of its value. */
export const CONF_KEYS: { [K in keyof DaemonConf]-?: ValueChecker<NonNullable<DaemonConf[K]>> } = {
  listen_tls: checkBool,
  listen_tcp: checkBool,
  tcp_port: checkPort,
  tls_port: checkPort,
  listen_addr: checkString(),
  unix_sock_dir: checkString(),
  unix_sock_group: checkString(),
  unix_sock_ro_perms: checkPerms,
  unix_sock_rw_perms: checkPerms,
  unix_sock_admin_perms: checkPerms,
  auth_unix_ro: checkAuth,
  auth_unix_rw: checkAuth,
  auth_tcp: checkAuth,
  auth_tls: checkAuth,
  key_file: checkString(),
  cert_file: checkString(),
  ca_file: checkString(),
  tls_no_verify_certificate: checkBool,
  tls_allowed_dn_list: checkStringList,
  max_clients: checkInt(1, 1_000_000),
  // libvirtd: clients connected but not yet authenticated (for tsvirtd: not yet opened).
  max_anonymous_clients: checkInt(1, 1_000_000),
  max_client_requests: checkInt(1, 1_000_000),
  // libvirtd: an interval of -1 turns keepalive off.
  keepalive_interval: checkInt(-1, 86_400),
  keepalive_count: checkInt(0, 1_000_000),
  // libvirt's levels: 1 debug, 2 info, 3 warning, 4 error.
  log_level: checkInt(1, 4),
  root: checkString(),
  ws_port: checkPort,
  ws_listen_addr: checkString(),
  ws_auth_token_file: checkString(),
  ws_page: checkBool,
  // tsvirt's own: seconds a client that has not opened gets to open, and to finish a packet it began.
  anonymous_open_timeout: checkInt(1, 86_400),
  anonymous_packet_timeout: checkInt(1, 86_400),
};
