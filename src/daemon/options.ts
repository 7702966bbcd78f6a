/** tsvirtd's command line, as libvirtd's: -f, -l, -p, -d, -t, -v, -V, -h, plus --root. Pure. */
import { TsvirtError } from '../errors.js';

/** What the command line asked for. */
export interface DaemonOptions {
  configFile?: string;
  listen: boolean;
  root?: string;
  pidFile?: string;
  daemon: boolean;
  /** -t: exit after this many seconds with no clients and no running guests. */
  timeoutS?: number;
  verbose: boolean;
  help: boolean;
  version: boolean;
}

/** tsvirtd --help. */
export const DAEMON_HELP = `Usage: tsvirtd [options]

The tsvirt daemon: serves the libvirt remote protocol for KVM guests run by qemu.

Options:
  -h | --help            Display program help
  -v | --verbose         Verbose messages (log_level 2)
  -d | --daemon          Run as a daemon & write PID file
  -l | --listen          Listen for TCP/IP connections (when listen_tcp = 1)
  -t | --timeout <secs>  Exit after that many idle seconds (no clients, no running guests)
  -f | --config <file>   Configuration file (libvirtd.conf syntax)
  -V | --version         Display version information
  -p | --pid-file <file> Change name of PID file
       --root <dir>      State folder (default /var/lib/tsvirt when run as root)

Default paths:
  Configuration file (unless overridden by -f): none; the defaults below apply
  qemu.conf (user, group, dynamic_ownership, seccomp_sandbox, clear_emulator_capabilities):
    beside the -f file, else ROOT/etc/qemu.conf; absent: qemu runs as tsvirt-qemu:kvm, sandboxed
  Sockets: ROOT/run/libvirt-sock, ROOT/run/libvirt-sock-ro (unix_sock_dir moves them)
  PID file (unless overridden by -p): ROOT/run/tsvirtd.pid
  TLS (with --listen, unless listen_tls = 0): /etc/pki/libvirt/private/serverkey.pem,
    /etc/pki/libvirt/servercert.pem, /etc/pki/CA/cacert.pem (key_file, cert_file, ca_file)

Config keys: listen_tls listen_tcp tcp_port tls_port listen_addr unix_sock_dir unix_sock_group
  unix_sock_ro_perms unix_sock_rw_perms unix_sock_admin_perms auth_unix_ro auth_unix_rw auth_tcp
  auth_tls key_file cert_file ca_file tls_no_verify_certificate tls_allowed_dn_list max_clients
  max_anonymous_clients max_client_requests keepalive_interval keepalive_count log_level root
  ws_port ws_listen_addr ws_auth_token_file ws_page anonymous_open_timeout anonymous_packet_timeout

Before its CONNECT_OPEN succeeds a client may send packets of at most 64 KiB, must open within
  anonymous_open_timeout seconds (30) and finish each packet within anonymous_packet_timeout (10);
  at most max_anonymous_clients (20) such clients are served at once.
`;

const VALUE_OPTIONS: Record<string, 'configFile' | 'root' | 'pidFile' | 'timeout'> = {
  '-f': 'configFile',
  '--config': 'configFile',
  '--root': 'root',
  '-p': 'pidFile',
  '--pid-file': 'pidFile',
  '-t': 'timeout',
  '--timeout': 'timeout',
};

const FLAG_OPTIONS: Record<string, 'listen' | 'daemon' | 'verbose' | 'help' | 'version'> = {
  '-l': 'listen',
  '--listen': 'listen',
  '-d': 'daemon',
  '--daemon': 'daemon',
  '-v': 'verbose',
  '--verbose': 'verbose',
  '-h': 'help',
  '--help': 'help',
  '-V': 'version',
  '--version': 'version',
};

function usageError(message: string, fields: Record<string, unknown>): TsvirtError {
  return new TsvirtError('ERR_INVALID_ARG', `tsvirtd: ${message}; see tsvirtd --help`, fields);
}

/** Parses tsvirtd's arguments (`--opt=value` and `--opt value` both). */
export function parseDaemonArgs(argv: readonly string[]): DaemonOptions {
  const opts: DaemonOptions = { listen: false, daemon: false, verbose: false, help: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const flag = FLAG_OPTIONS[name];
    if (flag && eq < 0) {
      opts[flag] = true;
      continue;
    }
    const target = VALUE_OPTIONS[name];
    if (!target) throw usageError(`unknown option '${arg}'`, { field: 'argv', value: arg });
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') {
      throw usageError(`option '${name}' needs a value`, { field: name });
    }
    if (target === 'timeout') opts.timeoutS = parseTimeout(value);
    else opts[target] = value;
  }
  return opts;
}

function parseTimeout(value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) < 1) {
    throw usageError(`--timeout needs a whole number of seconds, not '${value}'`, {
      field: 'timeout',
      value,
      expected: 'a positive integer',
    });
  }
  return Number(value);
}

/** The argv of the detached copy that -d starts: the same options without -d/--daemon. */
export function buildForegroundArgs(argv: readonly string[]): string[] {
  return argv.filter((a) => a !== '-d' && a !== '--daemon');
}
