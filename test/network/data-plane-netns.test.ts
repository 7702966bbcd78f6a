/**
 * The network driver with the host backend inside a namespace of the test's own: bridge, dnsmasq and
 * nftables made at net-start, a client (a veth in a second namespace, busybox udhcpc) gets a lease and
 * resolves names, net-update's DHCP host reaches dnsmasq live, and net-destroy leaves nothing behind.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NetworkUpdateCommand as C,
  NetworkUpdateFlags as F,
  NetworkUpdateSection as S,
} from '../../src/api/network-enums.js';
import { isProcessAlive, readCmdline } from '../../src/driver/proc.js';
import { findProcessesUnder, waitUntil } from '../driver/helpers.js';
import { run } from '../../src/exec/index.js';
import { HostBackend, NetworkDriver } from '../../src/network/index.js';
import { createNetns, holdUdpPort, probeNetnsProblem, type TestNetns } from './netns.js';

const problem = (await probeNetnsProblem()) ?? (await probeTools());
if (problem) console.warn(`skipping the data plane tests: ${problem}`);

async function probeTools(): Promise<string | undefined> {
  for (const tool of ['dnsmasq', 'nft', 'busybox']) {
    const found = await run(['sh', '-c', `command -v ${tool}`]).catch(() => undefined);
    if (!found) return `${tool} is not installed (scripts/setup.sh installs it)`;
  }
  return undefined;
}

const XML = `<network><name>lab</name><forward mode='nat'/><bridge name='tsvbr1'/><domain name='lab'/>
<dns><host ip='10.71.0.50'><hostname>db</hostname></host></dns>
<ip address='10.71.0.1' prefix='24'><dhcp><range start='10.71.0.100' end='10.71.0.149'/></dhcp></ip></network>`;
const CLIENT_MAC = '52:54:00:71:00:01';

/** Waits until the bridge port passed STP's listening and learning states (libvirt's bridges run STP). */
async function waitForwarding(netns: string, port: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { stdout } = await run(['bridge', '-n', netns, '-j', 'link', 'show', 'dev', port]);
    if ((JSON.parse(stdout) as Array<{ state?: string }>)[0]?.state === 'forwarding') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`bridge port ${port} did not reach the forwarding state in 10 s`);
}

describe.skipIf(problem !== undefined)('network data plane in a namespace', () => {
  let ns: TestNetns;
  let client: TestNetns;
  let root: string;
  let driver: NetworkDriver;
  const inClient = async (argv: string[]): Promise<string> => {
    const r = await run(['ip', 'netns', 'exec', client.name, ...argv], { timeoutMs: 60_000 });
    return r.stdout + r.stderr;
  };
  const dhcp = (): Promise<string> =>
    inClient([
      'busybox',
      'udhcpc',
      '-i',
      'vc1',
      '-n',
      '-q',
      '-t',
      '10',
      '-T',
      '1',
      '-s',
      join(root, 'udhcpc.sh'),
      '-x',
      'hostname:cli1',
    ]);

  beforeAll(async () => {
    ns = await createNetns();
    client = await createNetns();
    root = await mkdtemp(join(tmpdir(), 'tsvirt-dp-'));
    await chmod(root, 0o755);
    // udhcpc's script: puts the leased address on the interface (busybox has no default script here).
    const script =
      '#!/bin/sh\n[ "$1" = bound ] || exit 0\nip addr flush dev "$interface"\nip addr add "$ip/$mask" dev "$interface"\n';
    await writeFile(join(root, 'udhcpc.sh'), script, { mode: 0o755 });
    driver = await NetworkDriver.open({ root, backend: new HostBackend({ netns: ns.name }) });
  });
  afterAll(async () => {
    await driver?.close();
    await client?.remove();
    await ns?.remove();
    await rm(root, { recursive: true, force: true });
  });

  it('starts the bridge, dnsmasq and the nat table, and hands a client a lease it lists', async () => {
    const net = await driver.networkDefineXML(XML);
    await driver.networkCreate(net);
    expect(await ns.ip(['-o', 'link', 'show', 'tsvbr1'])).toContain('tsvbr1');
    const tables = await run(['ip', 'netns', 'exec', ns.name, 'nft', 'list', 'tables']);
    expect(tables.stdout).toBe('table ip tsvirt-tsvbr1\n');
    const fwd = await run(['ip', 'netns', 'exec', ns.name, 'sysctl', '-n', 'net.ipv4.ip_forward']);
    expect(fwd.stdout.trim()).toBe('1');
    const dnsmasqPids = await findProcessesUnder(join(root, 'run', 'network', 'lab.conf'));
    expect(dnsmasqPids).toHaveLength(1);

    await ns.ip(['link', 'add', 'vc0', 'type', 'veth', 'peer', 'name', 'vc1', 'netns', client.name]);
    await ns.ip(['link', 'set', 'vc0', 'master', 'tsvbr1', 'up']);
    await client.ip(['link', 'set', 'vc1', 'address', CLIENT_MAC, 'up']);
    await waitForwarding(ns.name, 'vc0');
    expect(await dhcp()).toMatch(/lease of 10\.71\.0\.1[0-4]\d obtained from 10\.71\.0\.1/);
    const leases = await driver.networkGetDHCPLeases(net);
    expect(leases).toHaveLength(1);
    expect(leases[0]).toMatchObject({ iface: 'tsvbr1', mac: CLIENT_MAC, prefix: 24, hostname: 'cli1' });
    expect(leases[0]?.ipaddr).toMatch(/^10\.71\.0\.1[0-4]\d$/);
    expect(await driver.networkGetDHCPLeases(net, '52:54:00:00:00:99')).toEqual([]);
  });

  it('answers DNS for its <dns> hosts and for DHCP clients in its domain', async () => {
    const db = await inClient(['busybox', 'nslookup', '-type=a', 'db', '10.71.0.1']);
    expect(db).toMatch(/Address: 10\.71\.0\.50/);
    const lease = (await driver.networkGetDHCPLeases(await driver.lookupNetworkByName('lab')))[0];
    const cli = await inClient(['busybox', 'nslookup', '-type=a', 'cli1.lab', '10.71.0.1']);
    expect(cli).toContain(`Address: ${lease?.ipaddr}`);
  });

  it('gives a DHCP host added live to the client at its next lease', async () => {
    const net = await driver.lookupNetworkByName('lab');
    const host = `<host mac='${CLIENT_MAC}' name='cli1' ip='10.71.0.7'/>`;
    await driver.networkUpdate(net, C.ADD_LAST, S.IP_DHCP_HOST, -1, host, F.AFFECT_LIVE);
    const hosts = await readFile(join(root, 'run', 'network', 'lab.hostsfile'), 'utf8');
    expect(hosts).toBe(`${CLIENT_MAC},10.71.0.7,cli1\n`);
    // A new client id, so that dnsmasq does not hold the address of the previous lease for it.
    await client.ip(['addr', 'flush', 'dev', 'vc1']);
    expect(await dhcp()).toMatch(/lease of 10\.71\.0\.7 obtained/);
  });

  it('removes the table, dnsmasq and the bridge at net-destroy', async () => {
    const net = await driver.lookupNetworkByName('lab');
    const pids = await findProcessesUnder(join(root, 'run', 'network', 'lab.conf'));
    await driver.networkDestroy(net);
    expect((await run(['ip', 'netns', 'exec', ns.name, 'nft', 'list', 'tables'])).stdout).toBe('');
    expect(await ns.ip(['-o', 'link', 'show', 'type', 'bridge'])).toBe('');
    for (const pid of pids) expect(readCmdline(pid)).toBeUndefined();
    expect(await driver.networkGetDHCPLeases(net)).toEqual([]);
  });

  it('undoes the bridge and the table started alongside a dnsmasq that cannot start, and names why', async () => {
    // dnsmasq binds the DHCP port of every address; held by another process, it exits at once.
    const holder = await holdUdpPort(ns, root, '0.0.0.0', 67);
    try {
      const net = await driver.networkDefineXML(
        XML.replace('<name>lab</name>', '<name>lab2</name>').replace("name='tsvbr1'", "name='tsvbr2'"),
      );
      await expect(driver.networkCreate(net)).rejects.toThrow(
        /dnsmasq did not start: .*Address already in use/,
      );
      expect(await driver.networkIsActive(net)).toBe(false);
      expect((await run(['ip', 'netns', 'exec', ns.name, 'nft', 'list', 'tables'])).stdout).toBe('');
      expect(await ns.ip(['-o', 'link', 'show', 'type', 'bridge'])).toBe('');
      expect(await findProcessesUnder(join(root, 'run', 'network', 'lab2.conf'))).toEqual([]);
      await driver.networkUndefine(net);
    } finally {
      process.kill(holder.pid, 'SIGKILL');
      await waitUntil(() => !isProcessAlive(holder.pid), 10_000, 'the port holder to die');
    }
  });
});
