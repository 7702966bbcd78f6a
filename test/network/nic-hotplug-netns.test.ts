/**
 * Hermetic (tsvirtd inside a network namespace the test makes): NICs on a virtual network and on a host
 * bridge plugged into a running Linux guest with virsh attach-interface --live. tsvirtd makes the tap,
 * hands it to the unprivileged qemu over the monitor, the tap joins the bridge and the live XML names it;
 * the guest sees eth0 come and go (also on a bridge-mode network over the host bridge); detach-interface removes the netdev and the tap; device events name
 * the NIC's alias.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/exec/index.js';
import { connectRemote } from '../../src/remote/index.js';
import type { Connection, DomainDeviceEvent } from '../../src/connection.js';
import { ensureGuests } from '../../scripts/guests/paths.js';
import type { DaemonProcess } from '../daemon/daemon-harness.js';
import { buildLinuxXml, waitUntil } from '../driver/helpers.js';
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
if (problem) console.warn(`skipping the NIC hotplug tests: ${problem}`);

const NET_XML = `<network><name>hot</name><forward mode='nat'/><bridge name='tsvbr5'/>
<ip address='10.75.0.1' prefix='24'/></network>`;
const HOSTBR_XML = `<network><name>hostbr</name><forward mode='bridge'/><bridge name='tsvbrx'/></network>`;

describe.skipIf(problem !== undefined)(
  'NICs hot-plugged into a running guest, tsvirtd in a namespace',
  () => {
    let ns: TestNetns;
    let root: string;
    let daemon: DaemonProcess;
    let client: Connection;
    let shell: GuestShell;
    const added: DomainDeviceEvent[] = [];
    const removed: DomainDeviceEvent[] = [];
    const uri = (): string => buildNetnsUri(root);
    const virsh = (...args: string[]) => run(['virsh', '-c', uri(), ...args], { timeoutMs: 60_000 });
    /** The ns's links as `ip -j` gives them. */
    const links = async (): Promise<Array<{ ifname: string; master?: string; address: string }>> =>
      JSON.parse(await ns.ip(['-j', 'link', 'show'])) as Array<{
        ifname: string;
        master?: string;
        address: string;
      }>;

    beforeAll(async () => {
      const guests = await ensureGuests();
      ns = await createNetns();
      root = await makeNetnsRoot('tsvirt-nichp-');
      daemon = await startNetnsDaemon(ns, root);
      await writeFile(join(root, 'net.xml'), NET_XML);
      await virsh('net-define', join(root, 'net.xml'));
      await virsh('net-start', 'hot');
      await ns.ip(['link', 'add', 'tsvbrx', 'type', 'bridge']);
      // A bridge-mode network: libvirt's way to name a host bridge; tsvirt makes nothing for it but taps.
      await writeFile(join(root, 'hostbr.xml'), HOSTBR_XML);
      await virsh('net-define', join(root, 'hostbr.xml'));
      await virsh('net-start', 'hostbr');
      await writeFile(join(root, 'g.xml'), buildLinuxXml('g', guests, { append: 'tsvirt.shell=1' }));
      await virsh('define', join(root, 'g.xml'));
      await virsh('start', 'g');
      await waitForGuestPrompt(root, 'g', 60_000);
      client = await connectRemote(uri());
      await client.onDomainEvent('device-added', (ev) => added.push(ev));
      await client.onDomainEvent('device-removed', (ev) => removed.push(ev));
      shell = await GuestShell.open(client, await client.lookupDomainByName('g'));
    }, 150_000);

    afterAll(async () => {
      shell?.close();
      await client?.close();
      await stopNetnsDaemon({ ns, root, daemon, domains: ['g'], networks: ['hot', 'hostbr'] });
    }, 30_000);

    it.each([
      ['network', 'hot', 'tsvbr5', '52:54:00:75:00:01'],
      ['bridge', 'tsvbrx', 'tsvbrx', '52:54:00:75:00:02'],
      ['network', 'hostbr', 'tsvbrx', '52:54:00:75:00:03'],
    ])(
      'attach-interface %s %s --live: a tap on %s, eth0 in the guest; detach-interface removes both',
      async (type, source, bridge, mac) => {
        const a = await virsh(
          'attach-interface',
          'g',
          type,
          source,
          '--mac',
          mac,
          '--model',
          'virtio',
          '--live',
        );
        expect([a.stderr, a.stdout]).toEqual(['', 'Interface attached successfully\n\n']);
        const live = (await virsh('dumpxml', 'g')).stdout;
        const nic = new RegExp(
          `<interface type='${type}'>\\s*<mac address='${mac}'/>\\s*<source ${type}='${source}'/>\\s*<target dev='(vnet\\d+)'/>`,
        ).exec(live);
        expect(nic, live).not.toBeNull();
        const tap = nic![1]!;
        expect((await links()).find((l) => l.ifname === tap)).toMatchObject({
          master: bridge,
          address: `fe${mac.slice(2)}`,
        });
        await waitUntil(() => added.some((e) => e.devAlias === 'net0'), 5_000, 'device-added net0');
        const address = await shell.waitFor('cat /sys/class/net/eth0/address', (o) => o.includes(mac));
        expect(address.trim()).toBe(mac);
        expect((await virsh('dumpxml', '--inactive', 'g')).stdout).not.toContain(mac);

        const d = await virsh('detach-interface', 'g', type, '--mac', mac, '--live');
        expect([d.stderr, d.stdout]).toEqual(['', 'Interface detached successfully\n\n']);
        await waitUntil(() => removed.some((e) => e.devAlias === 'net0'), 20_000, 'device-removed net0');
        removed.length = 0;
        added.length = 0;
        await shell.waitFor('ls /sys/class/net', (out) => !/\beth0\b/.test(out));
        await waitUntil(
          async () => !(await links()).some((l) => l.ifname === tap),
          5_000,
          `the tap ${tap} to go`,
        );
        expect((await virsh('dumpxml', 'g')).stdout).not.toContain(mac);
      },
      90_000,
    );

    it('refuses a NIC on a network that is not running, and leaves no tap behind', async () => {
      await virsh('net-destroy', 'hot');
      const r = await virsh('attach-interface', 'g', 'network', 'hot', '--live').catch((e: unknown) => e);
      expect(String((r as { stderr?: string }).stderr ?? r)).toContain("network 'hot' is not active");
      expect((await links()).filter((l) => l.ifname.startsWith('vnet'))).toEqual([]);
      await virsh('net-start', 'hot');
    }, 60_000);
  },
);
