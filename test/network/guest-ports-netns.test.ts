/**
 * Hermetic: tsvirtd itself runs inside a network namespace the test makes (`ip netns exec`), so that
 * its bridge, taps, nftables table and dnsmasq never touch the host. A guest on a NAT network gets a
 * tap (vnetN, host-side MAC, enslaved to the bridge) that qemu, unprivileged, holds as fd 3; the tap goes
 * with the guest, and net-destroy leaves no bridge, table or dnsmasq behind.
 */
import { copyFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCmdline } from '../../src/driver/proc.js';
import { run } from '../../src/exec/index.js';
import { ensureGuests } from '../../scripts/guests/paths.js';
import type { DaemonProcess } from '../daemon/daemon-harness.js';
import { buildBootSectorXml, findProcessesUnder, waitUntil } from '../driver/helpers.js';
import { createNetns, type TestNetns } from './netns.js';
import {
  buildNetnsUri,
  makeNetnsRoot,
  probeNetnsDaemonProblem,
  startNetnsDaemon,
  stopNetnsDaemon,
} from './netns-daemon.js';

const problem = await probeNetnsDaemonProblem();
if (problem) console.warn(`skipping the guest port tests: ${problem}`);

const NET_XML = `<network><name>lab2</name><forward mode='nat'/><bridge name='tsvbr2'/><mtu size='1400'/>
<ip address='10.72.0.1' prefix='24'><dhcp><range start='10.72.0.100' end='10.72.0.149'/></dhcp></ip></network>`;
const NIC = `<interface type='network'><mac address='52:54:00:72:00:01'/><source network='lab2'/><model type='e1000'/><rom enabled='no'/></interface>`;

describe.skipIf(problem !== undefined)('guests on a network, with tsvirtd inside a namespace', () => {
  let ns: TestNetns;
  let root: string;
  let daemon: DaemonProcess;
  const virsh = async (...args: string[]): Promise<string> =>
    (
      await run(['virsh', '-c', buildNetnsUri(root), ...args], {
        timeoutMs: 60_000,
      })
    ).stdout;
  const nsRun = async (argv: string[]): Promise<string> =>
    (await run(['ip', 'netns', 'exec', ns.name, ...argv], { timeoutMs: 10_000 })).stdout;

  beforeAll(async () => {
    ns = await createNetns();
    root = await makeNetnsRoot('tsvirt-ports-');
    await copyFile((await ensureGuests()).bootSectorImage, join(root, 'boot.img'));
    daemon = await startNetnsDaemon(ns, root);
  }, 60_000);
  afterAll(() => stopNetnsDaemon({ ns, root, daemon, domains: ['g1'], networks: ['lab2'] }));

  it('gives a guest on the network a tap on its bridge that qemu holds as fd 3, removed with the guest', async () => {
    await writeFile(join(root, 'net.xml'), NET_XML);
    await virsh('net-define', join(root, 'net.xml'));
    await virsh('net-start', 'lab2');
    await writeFile(
      join(root, 'g1.xml'),
      buildBootSectorXml('g1', join(root, 'boot.img')).replace('</devices>', `${NIC}</devices>`),
    );
    await virsh('define', join(root, 'g1.xml'));
    expect(await virsh('dumpxml', '--inactive', 'g1')).toContain("<source network='lab2'/>");
    await virsh('start', 'g1');

    const live = await virsh('dumpxml', 'g1');
    expect(live).toMatch(
      /<interface type='network'>\s*<mac address='52:54:00:72:00:01'\/>\s*<source network='lab2'\/>\s*<target dev='vnet0'\/>/,
    );
    const [tap] = JSON.parse(await nsRun(['ip', '-j', '-d', 'link', 'show', 'dev', 'vnet0'])) as Array<{
      address: string;
      mtu: number;
      master: string;
      operstate: string;
    }>;
    expect(tap).toMatchObject({ address: 'fe:54:00:72:00:01', mtu: 1400, master: 'tsvbr2' });
    // The host's own namespace has no such tap.
    expect((await run(['ip', '-o', 'link', 'show'])).stdout).not.toContain('vnet0');

    const [qemu] = await findProcessesUnder(join(root, 'boot.img'));
    expect(qemu).toBeDefined();
    expect(readCmdline(qemu!)).toContain('{"type":"tap","id":"hostnet0","fd":"3"}');
    expect(await readlink(`/proc/${qemu}/fd/3`)).toBe('/dev/net/tun');

    await virsh('destroy', 'g1');
    await waitUntil(
      async () => !(await nsRun(['ip', '-o', 'link', 'show'])).includes('vnet0'),
      5_000,
      'the tap to go',
    );
    expect(await virsh('dumpxml', 'g1')).not.toContain("<target dev='vnet");
  }, 120_000);

  it('lists no leases for a network no guest asked, and net-destroy leaves no bridge, table or dnsmasq', async () => {
    expect(await virsh('net-dhcp-leases', 'lab2')).toMatch(
      /^ Expiry Time\s+MAC address\s+Protocol\s+IP address\s+Hostname\s+Client ID or DUID\n-+\n\n$/,
    );
    const conf = join(root, 'run', 'network', 'lab2.conf');
    const dnsmasq = await findProcessesUnder(conf);
    expect(dnsmasq).toHaveLength(1);
    expect(await nsRun(['nft', 'list', 'tables'])).toBe('table ip tsvirt-tsvbr2\n');

    await virsh('net-destroy', 'lab2');
    expect(await nsRun(['ip', '-o', 'link', 'show', 'type', 'bridge'])).toBe('');
    expect(await nsRun(['ip', '-o', 'link', 'show', 'type', 'tun'])).toBe('');
    expect(await nsRun(['nft', 'list', 'tables'])).toBe('');
    expect(await findProcessesUnder(conf)).toEqual([]);
  }, 60_000);
});
