import { describe, expect, it } from 'vitest';
import { buildDaemonConf } from '../../src/daemon/conf.js';
import { parseDaemonArgs } from '../../src/daemon/options.js';
import { resolveSettings, type DaemonSettings } from '../../src/daemon/settings.js';
import { isTsvirtError, type TsvirtError } from '../../src/errors.js';

const asRoot = { uid: 0, cwd: '/work' };
const asUser = { uid: 1000, cwd: '/home/u' };

function settle(args: string[], text: string, env = asRoot): DaemonSettings {
  return resolveSettings(parseDaemonArgs(args), buildDaemonConf(text, 'tsvirtd.conf'), env);
}

function failure(args: string[], text: string, env = asRoot): TsvirtError {
  try {
    settle(args, text, env);
  } catch (err) {
    if (isTsvirtError(err)) return err;
    throw err;
  }
  throw new Error('expected the settings to be refused');
}

describe('daemon settings', () => {
  it('uses libvirtd defaults under /var/lib/tsvirt when root gives no --root', () => {
    const s = settle([], '');
    expect(s).toMatchObject({
      root: '/var/lib/tsvirt',
      rwSocket: '/var/lib/tsvirt/run/libvirt-sock',
      roSocket: '/var/lib/tsvirt/run/libvirt-sock-ro',
      pidFile: '/var/lib/tsvirt/run/tsvirtd.pid',
      rwPerms: 0o700,
      roPerms: 0o777,
      logLevel: 3,
      limits: {
        maxClients: 5000,
        maxAnonymousClients: 20,
        maxClientRequests: 5,
        keepaliveIntervalS: 5,
        keepaliveCount: 5,
        anonymousOpenTimeoutS: 30,
        anonymousPacketTimeoutS: 10,
      },
    });
    expect(s.tcp).toBeUndefined();
    expect(s.sockGroup).toBeUndefined();
  });

  it('takes max_anonymous_clients and the pre-open deadlines, and refuses more anonymous than all clients', () => {
    const s = settle(
      [],
      'max_clients = 50\nmax_anonymous_clients = 8\nanonymous_open_timeout = 5\nanonymous_packet_timeout = 2\n',
    );
    expect(s.limits).toMatchObject({
      maxClients: 50,
      maxAnonymousClients: 8,
      anonymousOpenTimeoutS: 5,
      anonymousPacketTimeoutS: 2,
    });
    const e = failure([], 'max_clients = 10\nmax_anonymous_clients = 20\n');
    expect(e.message).toBe(
      'tsvirtd.conf:2: max_anonymous_clients = 20 is over max_clients = 10; lower it or raise max_clients',
    );
    expect(e.fields).toMatchObject({ field: 'max_anonymous_clients', line: 2 });
  });

  it('asks a non-root user for --root instead of guessing', () => {
    expect(failure([], '', asUser).message).toMatch(/no state folder.*give --root DIR/);
    expect(settle(['--root', 'var'], '', asUser).root).toBe('/home/u/var');
  });

  it('puts --root over the root key, and -p and unix_sock_dir over the root-relative defaults', () => {
    const s = settle(['--root=/a', '-p', 'd.pid'], 'root = "/b"\nunix_sock_dir = "/s"\n');
    expect(s).toMatchObject({
      root: '/a',
      pidFile: '/work/d.pid',
      rwSocket: '/s/libvirt-sock',
      roSocket: '/s/libvirt-sock-ro',
    });
    expect(settle([], 'root = "/b"\n').root).toBe('/b');
  });

  it('listens on TCP only when listen_tcp = 1 and -l are both given', () => {
    const conf =
      'listen_tls = 0\nlisten_tcp = 1\nauth_tcp = "none"\nlisten_addr = "127.0.0.1"\ntcp_port = "16600"\n';
    expect(settle([], conf).tcp).toBeUndefined();
    expect(settle(['-l'], conf).tcp).toEqual({ host: '127.0.0.1', port: 16600 });
    expect(settle(['--listen'], 'listen_tls = 0\n').tcp).toBeUndefined();
  });

  it('loads the walk-through config with -l: TCP on every address at 16509, group and modes set', () => {
    const walkthrough = `listen_tls = 0\nlisten_tcp = 1\nunix_sock_group = "libvirtd"\nunix_sock_ro_perms = "0777"\nunix_sock_rw_perms = "0770"\nauth_unix_ro = "none"\nauth_unix_rw = "none"\nauth_tcp = "none"\n`;
    const s = settle(['-d', '-l'], walkthrough);
    expect(s).toMatchObject({ tcp: { port: 16509 }, sockGroup: 'libvirtd', roPerms: 0o777, rwPerms: 0o770 });
    expect(s.tcp?.host).toBeUndefined();
  });

  it('refuses sasl and polkit with the line and a remedy, never falling back to none', () => {
    const e = failure([], 'listen_tls = 0\nauth_tcp = "sasl"\n');
    expect(e.code).toBe('ERR_NOT_SUPPORTED');
    expect(e.message).toBe('tsvirtd.conf:2: auth_tcp = "sasl" is not supported yet; use "none"');
    expect(failure([], 'auth_unix_rw = "polkit"\n').message).toBe(
      'tsvirtd.conf:1: auth_unix_rw = "polkit" is not supported yet; use "none"',
    );
    expect(failure([], 'auth_tls = "sasl"\n').fields).toMatchObject({ field: 'auth_tls', line: 1 });
  });

  it('refuses TCP with auth_tcp unset, since libvirtd would require sasl there', () => {
    expect(failure(['-l'], 'listen_tls = 0\nlisten_tcp = 1\n').message).toMatch(
      /auth_tcp unset.*set auth_tcp = "none"/,
    );
  });

  it("listens with TLS on -l unless listen_tls = 0: port 16514 and libvirtd's certificate paths by default", () => {
    expect(settle([], '').tls).toBeUndefined();
    expect(settle(['-l'], 'listen_tls = 0\n').tls).toBeUndefined();
    expect(settle(['-l'], '').tls).toEqual({
      port: 16514,
      keyFile: '/etc/pki/libvirt/private/serverkey.pem',
      certFile: '/etc/pki/libvirt/servercert.pem',
      caFile: '/etc/pki/CA/cacert.pem',
      verifyClient: true,
    });
    const conf = [
      'listen_addr = "127.0.0.1"',
      'tls_port = "16614"',
      'key_file = "pki/serverkey.pem"',
      'cert_file = "/srv/pki/servercert.pem"',
      'ca_file = "cacert.pem"',
      'tls_no_verify_certificate = 1',
    ].join('\n');
    // Relative files are taken from the config file's folder, as the other paths are.
    expect(settle(['-l'], `${conf}\n`).tls).toEqual({
      host: '127.0.0.1',
      port: 16614,
      keyFile: '/work/pki/serverkey.pem',
      certFile: '/srv/pki/servercert.pem',
      caFile: '/work/cacert.pem',
      verifyClient: false,
    });
    expect(failure(['-l'], 'tls_no_verify_certificate = 2\n').message).toMatch(/^tsvirtd\.conf:1: /);
    expect(
      settle(['-l'], 'tls_allowed_dn_list = ["CN=client*", "O=Example,CN=?"]\n').tls?.allowedDnList,
    ).toEqual(['CN=client*', 'O=Example,CN=?']);
    expect(failure(['-l'], 'tls_allowed_dn_list = "CN=client"\n').message).toMatch(
      /^tsvirtd\.conf:1: .*a list of quoted strings/,
    );
    expect(failure(['-l'], 'tls_allowed_dn_list = ["CN=a", 3]\n').message).toMatch(/the integer 3/);
  });

  it('refuses a socket path too long for sun_path', () => {
    expect(failure([], `unix_sock_dir = "/${'x'.repeat(120)}"\n`).message).toMatch(
      /too long for a unix socket/,
    );
  });

  it('checks the WebSocket keys: loopback by default, a token when not loopback', () => {
    expect(settle([], 'ws_port = 8080\n').ws).toEqual({ port: 8080, host: '127.0.0.1', page: false });
    expect(failure([], 'ws_port = 8080\nws_listen_addr = "0.0.0.0"\n').message).toMatch(
      /^tsvirtd\.conf:2: ws_listen_addr = "0.0.0.0" is not loopback.*ws_auth_token_file/,
    );
    expect(
      settle([], 'ws_port = 1\nws_listen_addr = "0.0.0.0"\nws_auth_token_file = "t"\nws_page = 1\n').ws,
    ).toEqual({
      port: 1,
      host: '0.0.0.0',
      tokenFile: '/work/t',
      page: true,
    });
  });

  it('lowers the log level to info with -v', () => {
    expect(settle(['-v'], 'log_level = 4\n').logLevel).toBe(2);
    expect(settle(['-v'], 'log_level = 1\n').logLevel).toBe(1);
  });
});

describe('daemon arguments', () => {
  it('reads libvirtd options in short, long and --opt=value forms', () => {
    expect(parseDaemonArgs(['-f', 'c', '-l', '-p', 'x.pid', '-d', '-t', '30', '--root', 'r'])).toEqual({
      configFile: 'c',
      listen: true,
      pidFile: 'x.pid',
      daemon: true,
      timeoutS: 30,
      root: 'r',
      verbose: false,
      help: false,
      version: false,
    });
    expect(parseDaemonArgs(['--config=c', '--pid-file=p', '--timeout=5', '-V', '-h'])).toMatchObject({
      configFile: 'c',
      pidFile: 'p',
      timeoutS: 5,
      version: true,
      help: true,
    });
  });

  it('refuses unknown options, missing values and bad timeouts', () => {
    expect(() => parseDaemonArgs(['--lisen'])).toThrow(
      "tsvirtd: unknown option '--lisen'; see tsvirtd --help",
    );
    expect(() => parseDaemonArgs(['-f'])).toThrow("option '-f' needs a value");
    expect(() => parseDaemonArgs(['-t', 'soon'])).toThrow(/--timeout needs a whole number of seconds/);
  });
});
