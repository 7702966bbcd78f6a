/**
 * Hermetic (tsvirtd inside a namespace the test makes): tsvirtd is killed with SIGKILL while two
 * networks run and two guests are up on one of them. The restarted daemon re-adopts both networks with
 * the same dnsmasq, the guests still ping each other and their leases are listed; a network whose bridge
 * was deleted while tsvirtd was down comes back inactive with its dnsmasq and table gone, and starts
 * again. A network whose dnsmasq cannot start again (the test holds its DNS port on the bridge address)
 * comes back inactive with its table and bridge gone, while its guests run on, each NIC reported in the
 * log and still in the live XML. At the end no bridge, tap, table or dnsmasq is left.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive, readCmdline } from '../../src/driver/proc.js';
import { run, type DetachedChild } from '../../src/exec/index.js';
import { connectRemote } from '../../src/remote/index.js';
import type { Connection } from '../../src/connection.js';
import type { DaemonProcess } from '../daemon/daemon-harness.js';
import { findProcessesUnder, waitUntil } from '../driver/helpers.js';
import { GuestShell } from '../remote/server/guest-shell.js';
import { createNetns, holdUdpPort, type TestNetns } from './netns.js';
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
if (problem) console.warn(`skipping the daemon restart network tests: ${problem}`);

/** `rsa` carries the guests; `rsb` runs empty and loses its bridge while tsvirtd is down. */
const NETS = [
  { name: 'rsa', bridge: 'tsvbr91', subnet: 91 },
  { name: 'rsb', bridge: 'tsvbr92', subnet: 92 },
] as const;
const GUESTS = [
  { name: 'ra', mac: '52:54:00:91:00:0a' },
  { name: 'rb', mac: '52:54:00:91:00:0b' },
] as const;

function buildNetXml(n: (typeof NETS)[number]): string {
  return `<network><name>${n.name}</name><forward mode='nat'/><bridge name='${n.bridge}'/>
<ip address='10.${n.subnet}.0.1' prefix='24'><dhcp><range start='10.${n.subnet}.0.50' end='10.${n.subnet}.0.99'/></dhcp></ip></network>`;
}

describe.skipIf(problem !== undefined)('networks across a SIGKILL of tsvirtd', () => {
  let ns: TestNetns;
  let root: string;
  let daemon: DaemonProcess;
  let client: Connection | undefined;
  let holder: DetachedChild | undefined;
  const addresses = new Map<string, string>();
  const uri = (): string => buildNetnsUri(root);
  const virsh = async (...args: string[]): Promise<string> =>
    (await run(['virsh', '-c', uri(), ...args], { timeoutMs: 60_000 })).stdout;
  const start = (): Promise<DaemonProcess> => startNetnsDaemon(ns, root);
  const killDaemon = async (): Promise<void> => {
    await client?.close().catch(() => undefined);
    client = undefined;
    process.kill(daemon.child.pid, 'SIGKILL');
    await waitUntil(() => daemon.exit !== undefined, 15_000, 'tsvirtd to die');
  };
  /** dnsmasq processes started for this root, by network name (from their --conf-file). */
  const dnsmasqs = async (): Promise<Map<string, number[]>> => {
    const byNet = new Map<string, number[]>();
    for (const pid of await findProcessesUnder(root)) {
      const argv = readCmdline(pid) ?? [];
      if (!argv[0]?.endsWith('dnsmasq')) continue;
      const name = /\/([^/]+)\.conf$/.exec(argv.find((a) => a.startsWith('--conf-file=')) ?? '')?.[1] ?? '?';
      byNet.set(name, [...(byNet.get(name) ?? []), pid]);
    }
    return byNet;
  };
  /** The qemu processes of this root's guests. */
  const qemuPids = async (): Promise<number[]> =>
    (await findProcessesUnder(root)).filter((pid) => readCmdline(pid)?.[0]?.includes('qemu-system')).sort();
  /** Names of the test's networks that are not running (the root's own `default` never runs here). */
  const inactiveNets = async (): Promise<string[]> =>
    (await virsh('net-list', '--inactive', '--name')).split('\n').filter((n) => n && n !== 'default');
  const links = async (): Promise<string> => ns.ip(['-o', 'link', 'show']);
  const tables = async (): Promise<string> =>
    (await run(['ip', 'netns', 'exec', ns.name, 'nft', 'list', 'tables'], { timeoutMs: 10_000 })).stdout;

  beforeAll(async () => {
    ns = await createNetns();
    root = await makeNetnsRoot('tsvirt-restart-');
    daemon = await start();
    for (const n of NETS) {
      await writeFile(join(root, `${n.name}.xml`), buildNetXml(n));
      await virsh('net-define', join(root, `${n.name}.xml`));
      await virsh('net-start', n.name);
    }
    for (const g of GUESTS) await startDhcpGuest(root, g.name, g.mac, 'rsa');
    for (const g of GUESTS) {
      const serialLog = await waitForGuestPrompt(root, g.name, 120_000);
      addresses.set(g.name, await waitForBoundAddress(serialLog, 120_000));
    }
  }, 400_000);

  afterAll(async () => {
    await client?.close().catch(() => undefined);
    if (holder && isProcessAlive(holder.pid)) process.kill(holder.pid, 'SIGKILL');
    await stopNetnsDaemon({
      ns,
      root,
      daemon: daemon && !daemon.exit ? daemon : undefined,
      domains: GUESTS.map((g) => g.name),
      networks: NETS.map((n) => n.name),
    });
  }, 60_000);

  it('re-adopts both networks after SIGKILL with the dnsmasq they had, not a second one', async () => {
    const before = await dnsmasqs();
    expect([...before.keys()].sort()).toEqual(['rsa', 'rsb']);
    for (const pids of before.values()) expect(pids).toHaveLength(1);
    const qemus = await qemuPids();
    expect(qemus).toHaveLength(GUESTS.length);
    await killDaemon();
    daemon = await start();
    expect(await qemuPids()).toEqual(qemus);
    expect(await inactiveNets()).toEqual([]);
    expect((await virsh('net-list', '--name')).split('\n').filter(Boolean).sort()).toEqual(['rsa', 'rsb']);
    expect(await dnsmasqs()).toEqual(before);
    expect(await daemon.log()).not.toMatch(/network '(rsa|rsb)'/);
  }, 120_000);

  it('keeps the guests talking to each other and lists their leases after the restart', async () => {
    client = await connectRemote(uri());
    const shell = await GuestShell.open(client, await client.lookupDomainByName('ra'));
    try {
      const out = await shell.run(`ping -c 2 -W 3 ${addresses.get('rb')!}; echo rc=$?`, 30_000);
      expect(out).toContain('2 packets transmitted, 2 packets received');
      expect(out).toContain('rc=0');
    } finally {
      shell.close();
    }
    const leases = await virsh('net-dhcp-leases', 'rsa');
    for (const g of GUESTS) {
      const ip = addresses.get(g.name)!.replace(/\./g, '\\.');
      expect(leases).toMatch(new RegExp(`${g.mac}\\s+ipv4\\s+${ip}/24\\s+${g.name}\\s`));
    }
  }, 90_000);

  it('starts again the dnsmasq and table that went while tsvirtd was down, keeping the bridge and its guests', async () => {
    const old = (await dnsmasqs()).get('rsa')![0]!;
    await killDaemon();
    process.kill(old, 'SIGKILL');
    await waitUntil(() => !isProcessAlive(old), 10_000, 'the dnsmasq of rsa to die');
    await run(['ip', 'netns', 'exec', ns.name, 'nft', 'delete', 'table', 'ip', 'tsvirt-tsvbr91']);
    const tapsBefore = (await links()).match(/vnet\d+/g)?.sort();
    daemon = await start();
    expect(await inactiveNets()).toEqual([]);
    expect(await daemon.log()).toContain("network 'rsa': its dnsmasq, nftables was gone; started again");
    const now = (await dnsmasqs()).get('rsa');
    expect(now).toHaveLength(1);
    expect(now![0]).not.toBe(old);
    expect(await tables()).toContain('tsvirt-tsvbr91');
    expect((await links()).match(/vnet\d+/g)?.sort()).toEqual(tapsBefore);
    client = await connectRemote(uri());
    const shell = await GuestShell.open(client, await client.lookupDomainByName('rb'));
    try {
      const out = await shell.run(`ping -c 2 -W 3 ${addresses.get('ra')!}; echo rc=$?`, 30_000);
      expect(out).toContain('rc=0');
      // The new dnsmasq answers DNS on the gateway, as the old one did.
      const dns = await shell.run('nslookup ra 10.91.0.1', 20_000);
      expect(dns).toMatch(new RegExp(`Address:\\s+${addresses.get('ra')!.replace(/\./g, '\\.')}`));
    } finally {
      shell.close();
    }
    expect(await virsh('net-dhcp-leases', 'rsa')).toContain(GUESTS[0].mac);
  }, 120_000);

  it('reports a network whose bridge went while tsvirtd was down as inactive, with nothing of it left', async () => {
    const rsbDnsmasq = (await dnsmasqs()).get('rsb')![0]!;
    await killDaemon();
    await ns.ip(['link', 'del', 'dev', 'tsvbr92']);
    daemon = await start();
    expect(await inactiveNets()).toEqual(['rsb']);
    expect((await virsh('net-list', '--name')).trim()).toBe('rsa');
    expect(await daemon.log()).toContain("network 'rsb' was running but its bridge is gone; marked inactive");
    expect(isProcessAlive(rsbDnsmasq)).toBe(false);
    expect([...(await dnsmasqs()).keys()]).toEqual(['rsa']);
    expect(await tables()).not.toContain('tsvirt-tsvbr92');
    expect(await tables()).toContain('tsvirt-tsvbr91');
    // It starts again from scratch: bridge, a new dnsmasq, its table.
    await virsh('net-start', 'rsb');
    expect(await links()).toContain('tsvbr92');
    expect((await dnsmasqs()).get('rsb')).toHaveLength(1);
    expect(await tables()).toContain('tsvirt-tsvbr92');
  }, 120_000);

  it('stops a network whose dnsmasq cannot start again, and reports each guest NIC left on it', async () => {
    const old = (await dnsmasqs()).get('rsa')![0]!;
    const qemus = await qemuPids();
    const taps = new Map<string, string>();
    for (const g of GUESTS) {
      const tap = /<target dev='(vnet\d+)'\/>/.exec(await virsh('dumpxml', g.name))?.[1];
      expect(tap).toBeDefined();
      taps.set(g.name, tap!);
    }
    await killDaemon();
    process.kill(old, 'SIGKILL');
    await waitUntil(() => !isProcessAlive(old), 10_000, 'the dnsmasq of rsa to die');
    holder = await holdUdpPort(ns, root, '10.91.0.1', 53);
    try {
      daemon = await start();
      expect(await inactiveNets()).toEqual(['rsa']);
      expect((await virsh('net-list', '--name')).trim()).toBe('rsb');
      const log = await daemon.log();
      // The reason is dnsmasq's own, from this start alone.
      expect(log).toContain(
        "network 'rsa': its dnsmasq was gone and did not start again: network 'rsa': dnsmasq did not start: " +
          'dnsmasq: failed to create listening socket for 10.91.0.1: Address already in use\n',
      );
      expect((await dnsmasqs()).has('rsa')).toBe(false);
      expect(await tables()).not.toContain('tsvirt-tsvbr91');
      expect(await links()).not.toContain('tsvbr91');
      // The guests run on, with the same qemu and their taps, off any bridge.
      expect(await qemuPids()).toEqual(qemus);
      for (const g of GUESTS) {
        const tap = taps.get(g.name)!;
        expect(log).toContain(
          `domain '${g.name}': interface net0 (${g.mac}, tap ${tap}) is on network 'rsa', which is not running`,
        );
        expect((await virsh('domstate', g.name)).trim()).toBe('running');
        const xml = await virsh('dumpxml', g.name);
        expect(xml).toContain(`<mac address='${g.mac}'/>`);
        expect(xml).toContain(`<source network='rsa'/>`);
        expect(xml).toContain(`<target dev='${tap}'/>`);
        expect(await ns.ip(['-o', 'link', 'show', 'dev', tap])).not.toContain('master');
      }
    } finally {
      const held = holder;
      process.kill(held.pid, 'SIGKILL');
      await waitUntil(() => !isProcessAlive(held.pid), 10_000, 'the port holder to die');
    }
  }, 120_000);

  it('leaves no bridge, tap, table or dnsmasq after the guests and both networks are destroyed', async () => {
    for (const g of GUESTS) await virsh('destroy', g.name);
    // rsa is inactive since the test before; the networks still running are destroyed.
    for (const n of (await virsh('net-list', '--name')).split('\n').filter(Boolean))
      await virsh('net-destroy', n);
    const left = await links();
    expect(left).not.toMatch(/tsvbr9[12]/);
    expect(left).not.toMatch(/vnet\d+/);
    expect(await tables()).not.toContain('tsvirt-');
    expect(await dnsmasqs()).toEqual(new Map());
  }, 120_000);
});
