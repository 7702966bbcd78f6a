/**
 * Hermetic (tsvirtd inside a namespace the test makes, joined by a veth pair to a second "far"
 * namespace with a TCP server): one Linux guest with a NIC on each of a NAT, an isolated and a routed
 * network sends to the far server through each network's gateway in turn. Through the NAT network the
 * server sees the host's address (masquerade); through the routed one it sees the guest's own address;
 * through the isolated one nothing gets there. The far side in turn reaches the guest on the routed
 * network only.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, spawnDetached, type DetachedChild } from '../../src/exec/index.js';
import { connectRemote } from '../../src/remote/index.js';
import type { Connection } from '../../src/connection.js';
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

const problem = await probeNetnsDaemonProblem(['virsh', 'dnsmasq', 'nft', 'busybox', 'qemu-system-x86_64']);
if (problem) console.warn(`skipping the forward mode tests: ${problem}`);

/** The veth between the host namespace (HOST_END) and the far one (FAR_END). */
const HOST_END = '10.90.0.1';
const FAR_END = '10.90.0.2';
const FAR_PORT = 7000;

/** One network per forward mode, and the guest's address and MAC on each. */
const NETS = [
  { name: 'fwnat', forward: "<forward mode='nat'/>", bridge: 'tsvbr81', subnet: 81 },
  { name: 'fwiso', forward: '', bridge: 'tsvbr82', subnet: 82 },
  { name: 'fwroute', forward: "<forward mode='route'/>", bridge: 'tsvbr83', subnet: 83 },
] as const;
const gatewayOf = (n: (typeof NETS)[number]): string => `10.${n.subnet}.0.1`;
const guestIpOn = (n: (typeof NETS)[number]): string => `10.${n.subnet}.0.10`;
const macOn = (n: (typeof NETS)[number]): string => `52:54:00:${n.subnet}:00:0a`;

/** A TCP server that answers each connection with the address it came from, and logs it, one a line. */
const FAR_SERVER_JS = `
const net = require('node:net');
const fs = require('node:fs');
const [host, port, log] = process.argv.slice(2);
net.createServer((s) => {
  fs.appendFileSync(log, s.remoteAddress + '\\n');
  s.end('peer=' + s.remoteAddress + '\\n');
}).listen(Number(port), host, () => fs.appendFileSync(log, 'listening\\n'));
`;

/** Shell lines that give each of the guest's NICs, found by MAC, its static address. */
function buildGuestAddressing(): string {
  const cases = NETS.map((n) => `${macOn(n)}) ip addr add ${guestIpOn(n)}/24 dev $n ;;`).join(' ');
  return `for d in /sys/class/net/eth*; do n=\${d##*/}; case $(cat $d/address) in ${cases} esac; ip link set $n up; done`;
}

describe.skipIf(problem !== undefined)('a guest reaches a server beyond the host by forward mode', () => {
  let ns: TestNetns;
  let far: TestNetns;
  let root: string;
  let daemon: DaemonProcess;
  let client: Connection;
  let server: DetachedChild;
  let shell: GuestShell;
  const uri = (): string => buildNetnsUri(root);
  const virsh = async (...args: string[]): Promise<string> =>
    (await run(['virsh', '-c', uri(), ...args], { timeoutMs: 60_000 })).stdout;
  const serverLog = (): Promise<string> => readFile(join(root, 'far.log'), 'utf8').catch(() => '');
  /** Routes the far subnet through `net`'s gateway in the guest and connects to the server. */
  const routeVia = (net: (typeof NETS)[number]): Promise<string> =>
    shell.run(`ip route replace ${HOST_END.replace(/\.1$/, '.0')}/24 via ${gatewayOf(net)}`);
  const connectVia = async (net: (typeof NETS)[number]): Promise<string> => {
    await routeVia(net);
    return shell.run(`echo x | nc -w 5 ${FAR_END} ${FAR_PORT}; echo rc=$?`, 30_000);
  };

  beforeAll(async () => {
    const guests = await ensureGuests();
    ns = await createNetns();
    far = await createNetns();
    root = await makeNetnsRoot('tsvirt-fwd-');
    // The far namespace: one veth end, and routes back to every guest subnet through the host, so that
    // only the host's firewall and NAT decide what the server sees.
    await run([
      'ip',
      '-n',
      ns.name,
      'link',
      'add',
      'vfh',
      'type',
      'veth',
      'peer',
      'name',
      'vff',
      'netns',
      far.name,
    ]);
    await ns.ip(['addr', 'add', `${HOST_END}/24`, 'dev', 'vfh']);
    await ns.ip(['link', 'set', 'vfh', 'up']);
    await far.ip(['addr', 'add', `${FAR_END}/24`, 'dev', 'vff']);
    await far.ip(['link', 'set', 'vff', 'up']);
    await far.ip(['link', 'set', 'lo', 'up']);
    for (const n of NETS) await far.ip(['route', 'add', `10.${n.subnet}.0.0/24`, 'via', HOST_END]);
    await writeFile(join(root, 'far-server.cjs'), FAR_SERVER_JS);
    server = await spawnDetached(
      [
        'ip',
        'netns',
        'exec',
        far.name,
        process.execPath,
        join(root, 'far-server.cjs'),
        FAR_END,
        String(FAR_PORT),
        join(root, 'far.log'),
      ],
      { logFile: join(root, 'far-server.out') },
    );
    await waitUntil(async () => (await serverLog()).includes('listening'), 20_000, 'the far server');

    daemon = await startNetnsDaemon(ns, root);
    for (const n of NETS) {
      const xml = `<network><name>${n.name}</name>${n.forward}<bridge name='${n.bridge}'/><ip address='${gatewayOf(n)}' prefix='24'/></network>`;
      await writeFile(join(root, `${n.name}.xml`), xml);
      await virsh('net-define', join(root, `${n.name}.xml`));
      await virsh('net-start', n.name);
    }
    const nics = NETS.map(
      (n) =>
        `<interface type='network'><mac address='${macOn(n)}'/><source network='${n.name}'/><model type='virtio'/><rom enabled='no'/></interface>`,
    ).join('');
    await writeFile(
      join(root, 'gw.xml'),
      buildLinuxXml('gw', guests, { append: 'tsvirt.shell=1', devices: nics }),
    );
    await virsh('define', join(root, 'gw.xml'));
    await virsh('start', 'gw');
    client = await connectRemote(uri());
    await waitForGuestPrompt(root, 'gw', 120_000);
    shell = await GuestShell.open(client, await client.lookupDomainByName('gw'));
    await shell.run(buildGuestAddressing());
    // Each bridge port forwards once STP has let it through; the gateways answer then.
    for (const n of NETS)
      await shell.waitFor(`ping -c 1 -W 2 ${gatewayOf(n)}`, (o) => o.includes('1 packets received'), 60_000);
  }, 400_000);

  afterAll(async () => {
    shell?.close();
    await client?.close();
    // The far server's argv names the root: it goes first.
    if (server) {
      process.kill(server.pid, 'SIGTERM');
      await server.exited;
    }
    await far?.remove();
    await stopNetnsDaemon({ ns, root, daemon, domains: ['gw'], networks: NETS.map((n) => n.name) });
  }, 60_000);

  it('through the NAT network the server sees the host address, not the guest', async () => {
    const out = await connectVia(NETS[0]);
    expect(out).toContain(`peer=${HOST_END}`);
    expect(out).toContain('rc=0');
    expect((await serverLog()).split('\n')).not.toContain(guestIpOn(NETS[0]));
  }, 60_000);

  it('through the routed network the server sees the guest own address', async () => {
    const out = await connectVia(NETS[2]);
    expect(out).toContain(`peer=${guestIpOn(NETS[2])}`);
    expect(out).toContain('rc=0');
  }, 60_000);

  it('through the isolated network neither TCP nor ping gets to the server', async () => {
    const before = await serverLog();
    const out = await connectVia(NETS[1]);
    expect(out).not.toContain('peer=');
    expect(out).not.toContain('rc=0');
    const ping = await shell.run(`ping -c 2 -W 2 ${FAR_END}; echo rc=$?`, 30_000);
    expect(ping).toContain('0 packets received');
    expect(await serverLog()).toBe(before);
    // The same guest still reaches the isolated network's own gateway.
    const gw = await shell.run(`ping -c 1 -W 2 ${gatewayOf(NETS[1])}; echo rc=$?`, 30_000);
    expect(gw).toContain('rc=0');
  }, 90_000);

  it('the far side reaches the guest on the routed network, but not on the NAT or isolated one', async () => {
    /** busybox's ping, from the far namespace, after the guest's route back goes through `net`. */
    const pingFromFar = async (net: (typeof NETS)[number]): Promise<string> => {
      // The guest answers through the same network, so that only the way in decides.
      await routeVia(net);
      const argv = ['ip', 'netns', 'exec', far.name, 'busybox', 'ping', '-c', '2', '-W', '2', guestIpOn(net)];
      const r = await run(argv, { timeoutMs: 30_000, okExitCodes: [1] });
      return r.stdout + r.stderr;
    };
    expect(await pingFromFar(NETS[2])).toContain('2 packets transmitted, 2 packets received');
    expect(await pingFromFar(NETS[0])).toContain('2 packets transmitted, 0 packets received');
    expect(await pingFromFar(NETS[1])).toContain('2 packets transmitted, 0 packets received');
  }, 90_000);
});
