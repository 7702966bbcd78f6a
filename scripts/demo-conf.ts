/** The tsvirtd.conf that npm start writes (scripts/demo.ts), also what bench/footprint.ts starts tsvirtd with. */

/** libvirtd.conf keys for npm start's listeners: unix sockets and TCP on loopback, no TLS, no auth. */
export function buildDemoConf(port: number): string {
  return [
    '# Written by npm start (scripts/demo.ts): libvirtd.conf keys, loopback only, no auth.',
    'listen_tls = 0',
    'listen_tcp = 1',
    'listen_addr = "127.0.0.1"',
    `tcp_port = "${port}"`,
    'auth_unix_ro = "none"',
    'auth_unix_rw = "none"',
    'auth_tcp = "none"',
    'unix_sock_rw_perms = "0700"',
    '',
  ].join('\n');
}
