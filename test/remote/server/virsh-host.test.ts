/** Real virsh against the server over TCP and the unix socket: host commands, answered exactly. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server-fixture.js';
import { VIRSH, virsh } from './virsh-harness.js';

if (!VIRSH) console.warn('skipping virsh host tests: virsh (libvirt-clients) is not installed');

/** x.y.z from libvirt's major * 1e6 + minor * 1e3 + micro. */
function version(v: bigint): string {
  const n = Number(v);
  return `${Math.floor(n / 1e6)}.${Math.floor(n / 1e3) % 1000}.${n % 1000}`;
}

describe.skipIf(!VIRSH)('virsh host commands', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => {
    expect(await srv.stop()).toEqual([]);
  });

  for (const transport of ['tcp', 'unix'] as const) {
    const uri = (): string => (transport === 'tcp' ? srv.tcpUri : srv.unixUri);

    it(`prints version and version --daemon over ${transport}`, async () => {
      const hv = version(await srv.conn.getVersion());
      const lib = version(await srv.conn.getLibVersion());
      const base = `Compiled against library: libvirt 9.0.0\nUsing library: libvirt 9.0.0\nUsing API: QEMU 9.0.0\nRunning hypervisor: QEMU ${hv}\n`;
      expect(await virsh(uri(), ['version'])).toEqual({ code: 0, stdout: `${base}\n`, stderr: '' });
      expect(await virsh(uri(), ['version', '--daemon'])).toEqual({
        code: 0,
        stdout: `${base}Running against daemon: ${lib}\n\n`,
        stderr: '',
      });
    });

    it(`prints hostname, nodeinfo and capabilities over ${transport}`, async () => {
      expect(await virsh(uri(), ['hostname'])).toEqual({
        code: 0,
        stdout: `${await srv.conn.getHostname()}\n\n`,
        stderr: '',
      });
      const n = await srv.conn.getNodeInfo();
      const nodeinfo = [
        `CPU model:           ${n.model}`,
        `CPU(s):              ${n.cpus}`,
        `CPU frequency:       ${n.mhz} MHz`,
        `CPU socket(s):       ${n.sockets}`,
        `Core(s) per socket:  ${n.cores}`,
        `Thread(s) per core:  ${n.threads}`,
        `NUMA cell(s):        ${n.nodes}`,
        `Memory size:         ${n.memoryKiB} KiB`,
      ].join('\n');
      expect(await virsh(uri(), ['nodeinfo'])).toEqual({ code: 0, stdout: `${nodeinfo}\n\n`, stderr: '' });
      const caps = await virsh(uri(), ['capabilities']);
      expect(caps.code).toBe(0);
      expect(caps.stdout.trim()).toBe((await srv.conn.getCapabilities()).trim());
      // Only what works is advertised: live migration over tcp.
      expect(caps.stdout).toContain('<host>');
      expect(caps.stdout).toMatch(
        /<migration_features>\s*<live\/>\s*<uri_transports>\s*<uri_transport>tcp<\/uri_transport>\s*<\/uri_transports>\s*<\/migration_features>/,
      );
    });
  }
});
