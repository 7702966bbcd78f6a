/**
 * Real virsh against the server: network definition, listing, info, XML, autostart, lookups, events
 * and a transient network, output checked against what virsh prints against libvirtd 9.0. Networks
 * that start get their bridge inside a network namespace of the test's own, never on the host.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostBackend } from '../../../src/network/index.js';
import { createNetns, probeNetnsProblem, type TestNetns } from '../../network/netns.js';
import { startTestServer, type TestServer } from './server-fixture.js';
import { VIRSH, virsh, type VirshResult } from './virsh-harness.js';

const netnsProblem = await probeNetnsProblem();
if (!VIRSH) console.warn('skipping virsh network tests: virsh (libvirt-clients) is not installed');
if (netnsProblem) console.warn(`skipping virsh network tests: no network namespace (${netnsProblem})`);

const ok = (stdout: string): VirshResult => ({ code: 0, stdout, stderr: '' });

const T1 = `<network>
  <name>t1</name>
  <bridge name='virbr5'/>
  <forward/>
  <ip address='192.168.150.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.150.2' end='192.168.150.254'/>
    </dhcp>
  </ip>
</network>
`;

describe.skipIf(!VIRSH || netnsProblem !== undefined)('virsh network commands', () => {
  let srv: TestServer;
  let ns: TestNetns;
  const v = (...args: string[]): Promise<VirshResult> => virsh(srv.tcpUri, args);

  beforeAll(async () => {
    ns = await createNetns();
    srv = await startTestServer({}, { networkBackend: new HostBackend({ netns: ns.name }) });
  });
  afterAll(async () => {
    expect(await srv.stop()).toEqual([]);
    await ns.remove();
  });

  it('defines a network with libvirt defaults filled and prints it as libvirtd does', async () => {
    const file = join(srv.root, 't1.xml');
    await writeFile(file, T1);
    expect(await v('net-define', file)).toEqual(ok(`Network t1 defined from ${file}\n\n`));
    const { uuid } = await srv.conn.lookupNetworkByName('t1');
    const dumped = await v('net-dumpxml', 't1');
    expect(dumped.stdout).toMatch(
      new RegExp(
        `^<network>\n  <name>t1</name>\n  <uuid>${uuid}</uuid>\n  <forward mode='nat'/>\n  <bridge name='virbr5' stp='on' delay='0'/>\n  <mac address='52:54:00(:[0-9a-f]{2}){3}'/>\n  <ip address='192.168.150.1' netmask='255.255.255.0'>\n    <dhcp>\n      <range start='192.168.150.2' end='192.168.150.254'/>\n    </dhcp>\n  </ip>\n</network>\n\n$`,
      ),
    );
    expect(await v('net-info', 't1')).toEqual(
      ok(
        `Name:           t1\nUUID:           ${uuid}\nActive:         no\nPersistent:     yes\nAutostart:      no\nBridge:         virbr5\n\n`,
      ),
    );
    expect(await v('net-uuid', 't1')).toEqual(ok(`${uuid}\n\n`));
    expect(await v('net-name', uuid)).toEqual(ok('t1\n\n'));
    // virsh swaps command and section on the wire for a server without feature 16, as tsvirtd is.
    const host = "<host mac='52:54:00:00:00:07' name='g1' ip='192.168.150.7'/>";
    expect(await v('net-update', 't1', 'add', 'ip-dhcp-host', host, '--config')).toEqual(
      ok('Updated network t1 persistent config\n'),
    );
    expect((await v('net-dumpxml', 't1')).stdout).toContain(`      ${host}\n    </dhcp>`);
  });

  it('lists networks with the filters of net-list', async () => {
    const header =
      ' Name      State      Autostart   Persistent\n----------------------------------------------\n';
    expect(await v('net-list', '--all')).toEqual(
      ok(`${header} default   inactive   no          yes\n t1        inactive   no          yes\n\n`),
    );
    expect(await v('net-list')).toEqual(
      ok(' Name   State   Autostart   Persistent\n----------------------------------------\n\n'),
    );
    expect(await v('net-autostart', 't1')).toEqual(ok('Network t1 marked as autostarted\n\n'));
    // Without --all virsh asks for active networks only, as against libvirtd.
    expect(await v('net-list', '--autostart', '--name')).toEqual(ok('\n'));
    expect(await v('net-list', '--all', '--autostart', '--name')).toEqual(ok('t1\n\n'));
    expect(await v('net-list', '--inactive', '--name')).toEqual(ok('default\nt1\n\n'));
    expect(await v('net-list', '--all', '--persistent', '--name')).toEqual(ok('default\nt1\n\n'));
    expect(await v('net-autostart', 't1', '--disable')).toEqual(ok('Network t1 unmarked as autostarted\n\n'));
    expect(await v('net-list', '--all', '--autostart', '--name')).toEqual(ok('\n'));
  });

  it('reports a missing network and bad XML as libvirt does, naming the fault', async () => {
    expect(await v('net-info', 'nope')).toEqual({
      code: 1,
      stdout: '\n',
      stderr:
        "error: failed to get network 'nope'\nerror: Network not found: no network with matching name 'nope'\n",
    });
    const file = join(srv.root, 'bad.xml');
    await writeFile(
      file,
      "<network><name>brg</name><ip address='10.12.0.1' prefix='24'><dhcp><range start='10.13.0.2' end='10.13.0.9'/></dhcp></ip></network>",
    );
    const res = await v('net-define', file);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      `error: Failed to define network from ${file}\nerror: network/ip/dhcp/range: range 10.13.0.2 - 10.13.0.9 is not entirely within network 10.12.0.0/24; expected addresses inside 10.12.0.0/24\n`,
    );
  });

  it('creates a transient network whose bridge lives in the namespace, and destroys it', async () => {
    const file = join(srv.root, 'tr.xml');
    await writeFile(file, "<network><name>tr</name><ip address='10.66.0.1' prefix='24'/></network>");
    expect(await v('net-create', file)).toEqual(ok(`Network tr created from ${file}\n\n`));
    const link = JSON.parse(await ns.ip(['-j', 'addr', 'show', 'dev', 'virbr1'])) as Array<{
      operstate: string;
      addr_info: Array<{ local: string; prefixlen: number }>;
    }>;
    expect(link[0]?.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toEqual(['10.66.0.1/24']);
    expect((await v('net-list', '--transient', '--name')).stdout).toBe('tr\n\n');
    expect((await v('net-info', 'tr')).stdout).toContain('Active:         yes\nPersistent:     no\n');
    expect(await v('net-destroy', 'tr')).toEqual(ok('Network tr destroyed\n\n'));
    expect(await ns.ip(['-o', 'link', 'show'])).not.toContain('virbr1');
    expect((await v('net-list', '--all', '--name')).stdout).toBe('default\nt1\n\n');
  });

  it('delivers lifecycle events to net-event', async () => {
    const watching = virsh(srv.tcpUri, ['net-event', '--event', 'lifecycle', '--loop', '--timeout', '3'], {
      timeoutMs: 15_000,
    });
    // virsh registers with procedure 313 once connected; events before that would be lost.
    await waitUntil(() => srv.logs.some((l) => l.includes('network event 0 registered')), 5_000);
    expect(await v('net-undefine', 't1')).toEqual(ok('Network t1 has been undefined\n\n'));
    expect(await watching).toEqual(
      ok("event 'lifecycle' for network t1: Undefined\nevent loop timed out\nevents received: 1\n\n"),
    );
  });
});

async function waitUntil(test: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}
