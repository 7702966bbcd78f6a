import { describe, expect, it } from 'vitest';
import { buildDaemonConf, parseConf } from '../../src/daemon/conf.js';
import { isTsvirtError } from '../../src/errors.js';

/** The libvirtd.conf of ../shared/WALKTHROUGH.md section 1, as the tutorial writes it. */
const WALKTHROUGH_CONF = `listen_tls = 0
listen_tcp = 1
unix_sock_group = "libvirtd"
unix_sock_ro_perms = "0777"
unix_sock_rw_perms = "0770"
auth_unix_ro = "none"
auth_unix_rw = "none"
auth_tcp = "none"
`;

function confError(text: string): { message: string; fields: Record<string, unknown> } {
  try {
    buildDaemonConf(text, 'tsvirtd.conf');
  } catch (err) {
    if (isTsvirtError(err, 'ERR_CONFIG_FILE')) return { message: err.message, fields: err.fields };
    throw err;
  }
  throw new Error('expected a config error');
}

describe('config syntax', () => {
  it('loads the walk-through example as is', () => {
    const { conf } = buildDaemonConf(WALKTHROUGH_CONF, 'tsvirtd.conf');
    expect(conf).toEqual({
      listen_tls: false,
      listen_tcp: true,
      unix_sock_group: 'libvirtd',
      unix_sock_ro_perms: 0o777,
      unix_sock_rw_perms: 0o770,
      auth_unix_ro: 'none',
      auth_unix_rw: 'none',
      auth_tcp: 'none',
    });
  });

  it('reads comments, blank lines, both quotes, semicolons and lists over several lines', () => {
    const entries = parseConf(
      `# a comment\n\n  a = 1   # trailing\nb = 'x y' ;\nc = [ "p",\n  # inside\n  'q', 3, ]\nd = -1\ne = ""\n`,
      'f',
    );
    expect(entries).toEqual([
      { key: 'a', value: 1, line: 3 },
      { key: 'b', value: 'x y', line: 4 },
      { key: 'c', value: ['p', 'q', 3], line: 5 },
      { key: 'd', value: -1, line: 8 },
      { key: 'e', value: '', line: 9 },
    ]);
  });

  it('reads a file without a final newline, and an empty file', () => {
    expect(parseConf('a = 2', 'f')).toEqual([{ key: 'a', value: 2, line: 1 }]);
    expect(parseConf('', 'f')).toEqual([]);
    expect(parseConf('# only\n', 'f')).toEqual([]);
  });

  it('names the line of an unterminated string', () => {
    const e = confError('listen_tls = 0\nunix_sock_group = "libvirtd\nlisten_tcp = 1\n');
    expect(e.message).toBe(
      `tsvirtd.conf:2: unterminated string in the value of 'unix_sock_group'; close it with "`,
    );
    expect(e.fields).toMatchObject({ line: 2, field: 'unix_sock_group' });
  });

  it('names the line of a bad list: a missing comma, and a missing bracket', () => {
    expect(confError('x = 1\ny = [ "a" "b" ]\n').message).toBe(
      `tsvirtd.conf:2: expected ',' or ']' in the list of 'y', found '"'`,
    );
    expect(confError('x = 1\ny = [ "a",\n "b"\n').message).toMatch(
      /^tsvirtd\.conf:2: unterminated list in the value of 'y'/,
    );
  });

  it('names the line of a missing =, a missing value, junk after a value, and a bad number', () => {
    expect(confError('\nlisten_tcp 1\n').message).toBe(`tsvirtd.conf:2: expected '=' after 'listen_tcp'`);
    expect(confError('listen_tcp =\n').message).toMatch(/^tsvirtd\.conf:1: 'listen_tcp' needs a value/);
    expect(confError('listen_tcp = 1 2\n').message).toBe(
      `tsvirtd.conf:1: unexpected '2' after the value of 'listen_tcp'`,
    );
    expect(confError('max_clients = 12abc\n').message).toMatch(
      /^tsvirtd\.conf:1: 'max_clients' has a bad number/,
    );
    expect(confError('= 1\n').message).toMatch(/^tsvirtd\.conf:1: expected a key name/);
  });
});

describe('config keys', () => {
  it('takes every key with a value of its type', () => {
    const { conf, lines } = buildDaemonConf(
      [
        'listen_tls = 0',
        'listen_tcp = 1',
        'tcp_port = "16600"',
        'tls_port = 16614',
        'listen_addr = "127.0.0.1"',
        'unix_sock_dir = "/run/tsvirt"',
        'unix_sock_group = "kvm"',
        'unix_sock_ro_perms = "0777"',
        'unix_sock_rw_perms = "770"',
        'unix_sock_admin_perms = "0700"',
        'auth_unix_ro = "none"',
        'auth_unix_rw = "none"',
        'auth_tcp = "none"',
        'auth_tls = "none"',
        'key_file = "/k.pem"',
        'cert_file = "/c.pem"',
        'ca_file = "/ca.pem"',
        'max_clients = 20',
        'max_client_requests = 10',
        'keepalive_interval = -1',
        'keepalive_count = 0',
        'log_level = 1',
        'root = "/srv/tsvirt"',
        'ws_port = 8080',
        'ws_listen_addr = "127.0.0.1"',
        'ws_auth_token_file = "/etc/tsvirt/token"',
        'ws_page = 1',
      ].join('\n'),
      'tsvirtd.conf',
    );
    expect(conf).toEqual({
      listen_tls: false,
      listen_tcp: true,
      tcp_port: 16600,
      tls_port: 16614,
      listen_addr: '127.0.0.1',
      unix_sock_dir: '/run/tsvirt',
      unix_sock_group: 'kvm',
      unix_sock_ro_perms: 0o777,
      unix_sock_rw_perms: 0o770,
      unix_sock_admin_perms: 0o700,
      auth_unix_ro: 'none',
      auth_unix_rw: 'none',
      auth_tcp: 'none',
      auth_tls: 'none',
      key_file: '/k.pem',
      cert_file: '/c.pem',
      ca_file: '/ca.pem',
      max_clients: 20,
      max_client_requests: 10,
      keepalive_interval: -1,
      keepalive_count: 0,
      log_level: 1,
      root: '/srv/tsvirt',
      ws_port: 8080,
      ws_listen_addr: '127.0.0.1',
      ws_auth_token_file: '/etc/tsvirt/token',
      ws_page: true,
    });
    expect(lines.tcp_port).toBe(3);
    expect(lines.ws_page).toBe(27);
  });

  it('refuses an unknown key, naming the file, the line and the key', () => {
    const e = confError('listen_tls = 0\n\nlisten_tpc = 1\n');
    expect(e.message).toMatch(/^tsvirtd\.conf:3: unknown key 'listen_tpc'/);
    expect(e.fields).toMatchObject({ file: 'tsvirtd.conf', line: 3, field: 'listen_tpc' });
  });

  it('refuses a string where an integer is expected, and an integer where a string is', () => {
    expect(confError('max_clients = "20"\n').message).toBe(
      `tsvirtd.conf:1: 'max_clients' must be an integer from 1 to 1000000, not the string "20"`,
    );
    expect(confError('unix_sock_group = 100\n').message).toBe(
      `tsvirtd.conf:1: 'unix_sock_group' must be a quoted string, not the integer 100`,
    );
    expect(confError('listen_addr = [ "a" ]\n').message).toBe(
      `tsvirtd.conf:1: 'listen_addr' must be a quoted string, not a list`,
    );
  });

  it('refuses permissions that are not octal, and ones given as integers', () => {
    expect(confError('unix_sock_rw_perms = "0780"\n').message).toBe(
      `tsvirtd.conf:1: 'unix_sock_rw_perms' must be an octal mode such as "0770", not "0780"`,
    );
    expect(confError('log_level = 1\nunix_sock_ro_perms = 777\n').message).toMatch(
      /^tsvirtd\.conf:2: 'unix_sock_ro_perms' must be an octal mode in quotes/,
    );
    expect(confError('unix_sock_ro_perms = "rwx"\n').fields).toMatchObject({
      field: 'unix_sock_ro_perms',
      value: 'rwx',
    });
  });

  it('refuses ports out of range, booleans other than 0 and 1, and out-of-range levels', () => {
    expect(confError('tcp_port = "70000"\n').message).toBe(
      `tsvirtd.conf:1: 'tcp_port' must be a port number from 1 to 65535, not 70000`,
    );
    expect(confError('tcp_port = 0\n').message).toMatch(/not 0$/);
    expect(confError('ws_port = "http"\n').message).toMatch(/'ws_port' must be a port number/);
    expect(confError('listen_tcp = 2\n').message).toBe(
      `tsvirtd.conf:1: 'listen_tcp' must be 0 or 1, not the integer 2`,
    );
    expect(confError('listen_tcp = "1"\n').message).toMatch(/must be 0 or 1, not the string "1"/);
    expect(confError('log_level = 5\n').message).toMatch(/'log_level' must be an integer from 1 to 4, not 5/);
  });

  it('refuses an auth scheme libvirtd does not know', () => {
    expect(confError('auth_tcp = "kerberos"\n').message).toMatch(
      /'auth_tcp' must be "none", "sasl" or "polkit"/,
    );
  });

  it('lets a later line override an earlier one, and records that line', () => {
    const { conf, lines } = buildDaemonConf('tcp_port = 1\ntcp_port = 2\n', 'f');
    expect(conf.tcp_port).toBe(2);
    expect(lines.tcp_port).toBe(2);
  });
});
