/**
 * Hermetic (tsvirtd inside a network namespace the test makes): two Linux guests on a NAT network run
 * busybox udhcpc at boot (tsvirt.dhcp=1), get leases from the network's dnsmasq, ping each other and
 * the gateway, and resolve each other's names through dnsmasq; virsh net-dhcp-leases lists both, and
 * virsh domifaddr shows each guest's address from the leases and from tsvirtd's neighbour table.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCmdline } from '../../src/driver/proc.js';
import { run } from '../../src/exec/index.js';
import { connectRemote } from '../../src/remote/index.js';
import type { Connection } from '../../src/connection.js';
import type { DaemonProcess } from '../daemon/daemon-harness.js';
import { GuestShell } from '../remote/server/guest-shell.js';
import { createNetns, type TestNetns } from './netns.js';
import {
  buildNetnsUri,
  makeNetnsRoot,
  probeNetnsDaemonProblem,
  startDhcpGuest,
  startNetnsDaemon,
  stopNetnsDaemon,
  waitForBoundAddress,
  waitForGuestPrompt,
} from './netns-daemon.js';

const problem = await probeNetnsDaemonProblem();
if (problem) console.warn(`skipping the guest DHCP tests: ${problem}`);

const NET_XML = `<network><name>dhlab</name><forward mode='nat'/><bridge name='tsvbr7'/><domain name='lab.test'/>
<ip address='10.77.0.1' prefix='24'><dhcp><range start='10.77.0.50' end='10.77.0.99'/></dhcp></ip></network>`;
const GUESTS = [
  { name: 'ga', mac: '52:54:00:77:00:0a' },
  { name: 'gb', mac: '52:54:00:77:00:0b' },
] as const;

/** Pids of processes whose argv mentions `text`. */
async function pidsMentioning(text: string): Promise<number[]> {
  return (await readdir('/proc'))
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((pid) => (readCmdline(pid) ?? []).some((a) => a.includes(text)));
}

describe.skipIf(problem !== undefined)('two guests on a NAT network get leases and reach each other', () => {
  let ns: TestNetns;
  let root: string;
  let daemon: DaemonProcess;
  let client: Connection;
  const shells = new Map<string, GuestShell>();
  const addresses = new Map<string, string>();
  const uri = (): string => buildNetnsUri(root);
  const virsh = async (...args: string[]): Promise<string> =>
    (await run(['virsh', '-c', uri(), ...args], { timeoutMs: 60_000 })).stdout;

  beforeAll(async () => {
    ns = await createNetns();
    root = await makeNetnsRoot('tsvirt-dhcp-');
    daemon = await startNetnsDaemon(ns, root);
    await writeFile(join(root, 'net.xml'), NET_XML);
    await virsh('net-define', join(root, 'net.xml'));
    await virsh('net-start', 'dhlab');
    for (const g of GUESTS) await startDhcpGuest(root, g.name, g.mac, 'dhlab');
    client = await connectRemote(uri());
    for (const g of GUESTS) {
      const serialLog = await waitForGuestPrompt(root, g.name, 90_000);
      addresses.set(g.name, await waitForBoundAddress(serialLog, 90_000));
      shells.set(g.name, await GuestShell.open(client, await client.lookupDomainByName(g.name)));
    }
  }, 300_000);

  afterAll(async () => {
    for (const s of shells.values()) s.close();
    await client?.close();
    await stopNetnsDaemon({ ns, root, daemon, domains: GUESTS.map((g) => g.name), networks: ['dhlab'] });
    // Zombies count too: every process the guests and networks had is gone and reaped.
    if (root) expect(await pidsMentioning(root)).toEqual([]);
  }, 30_000);

  it('each guest holds a lease from the range, with the gateway as default route and DNS server', async () => {
    const a = addresses.get('ga')!;
    const b = addresses.get('gb')!;
    for (const ip of [a, b]) expect(ip).toMatch(/^10\.77\.0\.(5\d|[6-9]\d)$/);
    expect(a).not.toBe(b);
    const route = await shells.get('ga')!.run('ip route show default');
    expect(route).toContain('default via 10.77.0.1 dev eth0');
    const resolv = await shells.get('gb')!.run('cat /etc/resolv.conf');
    expect(resolv).toContain('nameserver 10.77.0.1');
    expect(resolv).toContain('search lab.test');
  }, 60_000);

  it('the guests ping each other and the gateway', async () => {
    const a = addresses.get('ga')!;
    const b = addresses.get('gb')!;
    for (const [shell, target] of [
      ['ga', b],
      ['gb', a],
      ['ga', '10.77.0.1'],
    ] as const) {
      const out = await shells.get(shell)!.run(`ping -c 2 -W 3 ${target}; echo rc=$?`, 30_000);
      expect(out, `${shell} -> ${target}`).toContain('2 packets transmitted, 2 packets received');
      expect(out).toContain('rc=0');
    }
  }, 120_000);

  it("each guest resolves the other's name through dnsmasq", async () => {
    const out = await shells.get('ga')!.run('nslookup gb 10.77.0.1', 20_000);
    expect(out).toMatch(new RegExp(`Address:\\s+${addresses.get('gb')!.replace(/\./g, '\\.')}`));
    const fq = await shells.get('gb')!.run('nslookup ga.lab.test', 20_000);
    expect(fq).toMatch(new RegExp(`Address:\\s+${addresses.get('ga')!.replace(/\./g, '\\.')}`));
  }, 60_000);

  it('virsh net-dhcp-leases lists both guests with their MAC, address and hostname', async () => {
    const out = await virsh('net-dhcp-leases', 'dhlab');
    for (const g of GUESTS) {
      const ip = addresses.get(g.name)!.replace(/\./g, '\\.');
      expect(out).toMatch(new RegExp(`${g.mac}\\s+ipv4\\s+${ip}/24\\s+${g.name}\\s`));
    }
  }, 30_000);

  it('virsh domifaddr shows the lease address by default and with --source lease', async () => {
    const live = await virsh('dumpxml', 'ga');
    const tap = /<target dev='(vnet\d+)'\/>/.exec(live)![1]!;
    const want = new RegExp(
      `^ Name +MAC address +Protocol +Address\n-+\n ${tap} +52:54:00:77:00:0a +ipv4 +${addresses.get('ga')!.replace(/\./g, '\\.')}/24\n\n$`,
    );
    expect(await virsh('domifaddr', 'ga')).toMatch(want);
    expect(await virsh('domifaddr', 'ga', '--source', 'lease')).toMatch(want);
  }, 30_000);

  it('virsh domifaddr --source arp shows the address from the neighbour table', async () => {
    // The gateway has talked to gb (DHCP, DNS); one more ping makes sure its entry is fresh.
    await shells.get('gb')!.run('ping -c 1 -W 3 10.77.0.1', 15_000);
    const live = await virsh('dumpxml', 'gb');
    const tap = /<target dev='(vnet\d+)'\/>/.exec(live)![1]!;
    expect(await virsh('domifaddr', 'gb', '--source', 'arp')).toMatch(
      new RegExp(
        `^ Name +MAC address +Protocol +Address\n-+\n ${tap} +52:54:00:77:00:0b +ipv4 +${addresses.get('gb')!.replace(/\./g, '\\.')}/0\n\n$`,
      ),
    );
  }, 30_000);

  it('virsh domifaddr --source agent is refused, naming the sources that work', async () => {
    const r = await run(['virsh', '-c', uri(), 'domifaddr', 'ga', '--source', 'agent'], {
      timeoutMs: 30_000,
      okExitCodes: [1],
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('guest agent are not supported; use --source lease or --source arp');
  }, 30_000);
});
