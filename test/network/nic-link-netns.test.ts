/**
 * Hermetic (tsvirtd inside a network namespace the test makes): a NIC hot-plugged into a running Linux
 * guest on a virtual network. virsh domifstat reads the counters of that NIC's own tap; virsh
 * domif-setlink takes its link down and up (the guest sees its carrier go and come back, the live XML
 * keeps `<link state>`), --config changes the definition only, a start applies a link that is down, and
 * update-device refuses any other change of the NIC, naming it.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/exec/index.js';
import { connectRemote } from '../../src/remote/index.js';
import type { Connection } from '../../src/connection.js';
import { ensureGuests } from '../../scripts/guests/paths.js';
import type { DaemonProcess } from '../daemon/daemon-harness.js';
import { buildLinuxXml } from '../driver/helpers.js';
import { GuestShell } from '../remote/server/guest-shell.js';
import { createNetns, type TestNetns } from './netns.js';
import {
  buildNetnsUri,
  makeNetnsRoot,
  probeNetnsDaemonProblem,
  startNetnsDaemon,
  stopNetnsDaemon,
  waitForGuestPrompt,
} from './netns-daemon.js';

const problem = await probeNetnsDaemonProblem();
if (problem) console.warn(`skipping the NIC link and interface stats tests: ${problem}`);

const NET_XML = `<network><name>lk</name><bridge name='tsvbr6'/><ip address='10.76.0.1' prefix='24'/></network>`;
const MAC = '52:54:00:76:00:01';

describe.skipIf(problem !== undefined)('the link and the counters of a hot-plugged NIC', () => {
  let ns: TestNetns;
  let root: string;
  let daemon: DaemonProcess;
  let client: Connection;
  let shell: GuestShell;
  let tap = '';
  const uri = (): string => buildNetnsUri(root);
  const virsh = async (...args: string[]) => {
    const r = await run(['virsh', '-c', uri(), ...args], { timeoutMs: 60_000, okExitCodes: [1] });
    return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  };
  const serialLog = (): string => join(root, 'log', 'qemu', 'g.serial.log');
  /** Starts the guest and opens its shell once it prompts. */
  const boot = async (): Promise<void> => {
    expect((await virsh('start', 'g')).code).toBe(0);
    await waitForGuestPrompt(root, 'g', 90_000);
    shell = await GuestShell.open(client, await client.lookupDomainByName('g'));
  };
  /** The tap's own counters (the host's view) as `ip -s -j link` gives them. */
  const tapCounters = async (): Promise<{ rx: number; tx: number }> => {
    const [link] = JSON.parse(await ns.ip(['-s', '-j', 'link', 'show', 'dev', tap])) as Array<{
      stats64: { rx: { packets: number }; tx: { packets: number } };
    }>;
    return { rx: link!.stats64.rx.packets, tx: link!.stats64.tx.packets };
  };

  beforeAll(async () => {
    const guests = await ensureGuests();
    ns = await createNetns();
    root = await makeNetnsRoot('tsvirt-niclk-');
    daemon = await startNetnsDaemon(ns, root);
    await writeFile(join(root, 'net.xml'), NET_XML);
    await virsh('net-define', join(root, 'net.xml'));
    await virsh('net-start', 'lk');
    await writeFile(join(root, 'g.xml'), buildLinuxXml('g', guests, { append: 'tsvirt.shell=1' }));
    await virsh('define', join(root, 'g.xml'));
    client = await connectRemote(uri());
    await boot();
  }, 180_000);

  afterAll(async () => {
    shell?.close();
    await client?.close();
    await stopNetnsDaemon({ ns, root, daemon, domains: ['g'], networks: ['lk'] });
  }, 30_000);

  it("domifstat of a NIC plugged live gives its own tap's counters, by tap name and by MAC", async () => {
    const a = await virsh(
      'attach-interface',
      'g',
      'network',
      'lk',
      '--mac',
      MAC,
      '--model',
      'virtio',
      '--live',
      '--config',
    );
    expect([a.stderr, a.stdout]).toEqual(['', 'Interface attached successfully\n\n']);
    tap = /<target dev='(vnet\d+)'\/>/.exec((await virsh('dumpxml', 'g')).stdout)?.[1] ?? '';
    expect(tap).toMatch(/^vnet\d+$/);
    await shell.waitFor('ls /sys/class/net', (o) => /\beth0\b/.test(o));
    await shell.run('ip link set eth0 up; ip addr add 10.76.0.5/24 dev eth0');
    // The new bridge port may take a moment to forward: wait for one answer, then count three more.
    await shell.waitFor('ping -c 1 -W 2 10.76.0.1; echo rc=$?', (o) => o.includes('rc=0'), 30_000);
    const ping = await shell.run('ping -c 3 -W 3 10.76.0.1; echo rc=$?', 30_000);
    expect(ping).toContain('rc=0');
    const before = await tapCounters();
    const byTap = (await virsh('domifstat', 'g', tap)).stdout;
    const after = await tapCounters();
    const field = (out: string, name: string): number =>
      Number(new RegExp(`^${tap} ${name} (\\d+)$`, 'm').exec(out)?.[1] ?? NaN);
    // The guest's transmit is the tap's receive: at least the three pings went out.
    expect(field(byTap, 'tx_packets')).toBeGreaterThanOrEqual(Math.max(3, before.rx));
    expect(field(byTap, 'tx_packets')).toBeLessThanOrEqual(after.rx);
    expect(field(byTap, 'rx_packets')).toBeGreaterThanOrEqual(Math.max(3, before.tx));
    expect(field(byTap, 'rx_packets')).toBeLessThanOrEqual(after.tx);
    const byMac = (await virsh('domifstat', 'g', MAC)).stdout;
    expect(field(byMac.replaceAll(MAC, tap), 'tx_packets')).toBeGreaterThanOrEqual(
      field(byTap, 'tx_packets'),
    );
  }, 120_000);

  it('domif-setlink down takes the carrier away from the guest, and up gives it back', async () => {
    expect(await virsh('domif-getlink', 'g', tap)).toMatchObject({ code: 0, stdout: `${tap} up\n` });
    expect(await virsh('domif-setlink', 'g', tap, 'down')).toMatchObject({
      code: 0,
      stdout: 'Device updated successfully\n\n',
    });
    expect(
      (await shell.waitFor('cat /sys/class/net/eth0/carrier', (o) => /^0\s*$/.test(o.trim()))).trim(),
    ).toBe('0');
    expect((await virsh('dumpxml', 'g')).stdout).toMatch(
      new RegExp(`<mac address='${MAC}'/>[\\s\\S]*?<link state='down'/>[\\s\\S]*?</interface>`),
    );
    expect((await virsh('domif-getlink', 'g', MAC)).stdout).toBe(`${MAC} down\n`);
    expect((await virsh('dumpxml', '--inactive', 'g')).stdout).not.toContain('<link');
    expect((await virsh('domif-setlink', 'g', MAC, 'up')).code).toBe(0);
    expect((await shell.waitFor('cat /sys/class/net/eth0/carrier', (o) => o.trim() === '1')).trim()).toBe(
      '1',
    );
    expect((await virsh('domif-getlink', 'g', tap)).stdout).toBe(`${tap} up\n`);
  }, 60_000);

  it('update-device refuses any other change of the NIC, naming the field', async () => {
    const live = (await virsh('dumpxml', 'g')).stdout;
    const nic = new RegExp(
      `<interface type='network'>\\s*<mac address='${MAC}'/>[\\s\\S]*?</interface>`,
    ).exec(live)![0];
    await writeFile(join(root, 'nic.xml'), nic.replace("<model type='virtio'/>", "<model type='e1000'/>"));
    const r = await virsh('update-device', 'g', join(root, 'nic.xml'), '--live');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `cannot change the model of interface ${MAC} from 'virtio' to 'e1000'; update-device changes only a NIC's link state`,
    );
    expect((await shell.run('cat /sys/class/net/eth0/carrier')).trim()).toBe('1');
  }, 60_000);

  it('domif-setlink --config keeps the link down in the definition only, and the next start applies it', async () => {
    expect((await virsh('domif-setlink', 'g', MAC, 'down', '--config')).code).toBe(0);
    expect((await virsh('dumpxml', '--inactive', 'g')).stdout).toContain("<link state='down'/>");
    expect((await virsh('domif-getlink', 'g', tap)).stdout).toBe(`${tap} up\n`);
    expect((await shell.run('cat /sys/class/net/eth0/carrier')).trim()).toBe('1');
    shell.close();
    expect((await virsh('destroy', 'g')).code).toBe(0);
    await rm(serialLog(), { force: true });
    await boot();
    await shell.waitFor('ls /sys/class/net', (o) => /\beth0\b/.test(o));
    await shell.run('ip link set eth0 up');
    // A link that is down from the start: the interface is up, its carrier never came.
    expect((await shell.waitFor('cat /sys/class/net/eth0/carrier', (o) => o.trim() === '0')).trim()).toBe(
      '0',
    );
    expect((await virsh('domif-getlink', 'g', MAC)).stdout).toBe(`${MAC} down\n`);
    expect((await virsh('domif-setlink', 'g', MAC, 'up')).code).toBe(0);
    expect((await shell.waitFor('cat /sys/class/net/eth0/carrier', (o) => o.trim() === '1')).trim()).toBe(
      '1',
    );
  }, 180_000);
});
