/**
 * Virtual networks, tsvirtd's network driver against libvirtd 9.0's (Debian's, with dnsmasq) side by side
 * in one run, each daemon in a network namespace of its own (libvirtd also in its private mount
 * namespace, with iptables overlaid there for its firewall rules): the same NAT network XML and the same
 * Linux test guests (TCG) on both, driven through libvirt-python from inside each namespace.
 *   1. net-start until dnsmasq answers a DNS query sent to the bridge address, and net-destroy;
 *   2. guest power-on (the create call) until net-dhcp-leases lists the guest's lease;
 *   3. ping round trip from one guest to the other through the bridge, run on the first guest's console.
 * Run as root after the build: `node dist/bench/network.js [cycles] [lease-runs] [pings]`.
 * Writes bench/results/network.json. A benchmark, not a test: nothing here fails for being slow.
 */
import { guestPaths, ensureGuests } from '../scripts/guests/paths.js';
import { buildLinuxXml } from '../scripts/guests/domain-xml.js';
import { runPrefix } from './libvirtd/guest.js';
import { startNetnsSides, stopSides, type NetnsSide } from './libvirtd/netns-sides.js';
import { runFixture } from './libvirtd/python.js';
import { figure, formatTable, withRatios, writeResult, type Row } from './libvirtd/report.js';

const CYCLES = Number(process.argv[2] ?? 9);
const LEASE_RUNS = Number(process.argv[3] ?? 4);
const PINGS = Number(process.argv[4] ?? 20);
/** The ratio to libvirtd's median that issue 15 asks of net-start-to-answer and net-destroy. */
const TARGET_RATIO = 0.5;

const NET = 'benchnet';
const GATEWAY = '10.91.0.1';
/** Both daemons get this XML; each runs it in its own namespace, so names and subnets do not clash. */
const NET_XML = `<network><name>${NET}</name><forward mode='nat'/><bridge name='tsvbnbr0'/>
<domain name='bench.test' localOnly='yes'/>
<ip address='${GATEWAY}' prefix='24'><dhcp><range start='10.91.0.50' end='10.91.0.99'/></dhcp></ip></network>`;
const MACS = ['52:54:00:91:00:0a', '52:54:00:91:00:0b'] as const;

/** The Linux guest with a shell on its console and udhcpc at boot, one virtio NIC on the network. */
function buildGuestXml(name: string, mac: string): string {
  const nic = `<interface type='network'><mac address='${mac}'/><source network='${NET}'/><model type='virtio'/><rom enabled='no'/></interface>`;
  return buildLinuxXml(name, guestPaths(), {
    append: `tsvirt.shell=1 tsvirt.dhcp=1 tsvirt.hostname=${name}`,
    devices: nic,
  });
}

interface Samples {
  start_ms: number[];
  answer_ms: number[];
  destroy_ms: number[];
  /** The first boot of a MAC that dnsmasq has not seen (it pings the address before offering it). */
  first_lease_ms: number[];
  /** Later boots of the same MAC: dnsmasq offers the address it holds for it at once. */
  lease_ms: number[];
  rtt_ms: number[];
  first_rtt_ms: number[];
  ping_received: number[];
}

function fixture<T>(side: NetnsSide, args: Array<string | number>, input?: unknown): Promise<T> {
  return runFixture<T>('network.py', [side.daemon.uri, ...args], {
    netns: side.netns,
    timeoutMs: 300_000,
    ...(input === undefined ? {} : { input }),
  });
}

/** Each step runs on every side in turn, the order rotating per run, so drift hits both alike. */
function inTurn(sides: readonly NetnsSide[], run: number): NetnsSide[] {
  return sides.map((_, k) => sides[(run + k) % sides.length]!);
}

async function measure(sides: readonly NetnsSide[], all: Map<string, Samples>): Promise<void> {
  for (const side of sides) {
    const names = [0, 1].map((i) => `${side.stem}${i}`);
    await fixture(side, ['define'], {
      network: NET_XML,
      domains: names.map((n, i) => buildGuestXml(n, MACS[i]!)),
    });
    await fixture(side, ['cycle', NET, GATEWAY, 1]); // warm-up, not counted: first use of the tools
  }
  for (let run = 0; run < CYCLES; run++) {
    for (const side of inTurn(sides, run)) {
      const r = await fixture<Pick<Samples, 'start_ms' | 'answer_ms' | 'destroy_ms'>>(side, [
        'cycle',
        NET,
        GATEWAY,
        1,
      ]);
      const s = all.get(side.daemon.name)!;
      s.start_ms.push(...r.start_ms);
      s.answer_ms.push(...r.answer_ms);
      s.destroy_ms.push(...r.destroy_ms);
    }
  }
  // Run 0 is each side's first boot of the MAC; runs 1..LEASE_RUNS boot it again.
  for (let run = 0; run <= LEASE_RUNS; run++) {
    for (const side of inTurn(sides, run)) {
      const r = await fixture<{ lease_ms: number; known: boolean }>(side, [
        'lease',
        NET,
        `${side.stem}0`,
        MACS[0],
      ]);
      const s = all.get(side.daemon.name)!;
      (r.known ? s.lease_ms : s.first_lease_ms).push(r.lease_ms);
    }
  }
  for (const side of sides) {
    const r = await fixture<{ received: number; rtt_ms: number[] }>(side, [
      'ping',
      NET,
      `${side.stem}0`,
      MACS[0],
      `${side.stem}1`,
      MACS[1],
      PINGS,
    ]);
    const s = all.get(side.daemon.name)!;
    // The first echo also waits for ARP; it is reported on its own.
    s.first_rtt_ms.push(...r.rtt_ms.slice(0, 1));
    s.rtt_ms.push(...r.rtt_ms.slice(1));
    s.ping_received.push(r.received);
  }
}

function rowsOf(all: Map<string, Samples>, key: keyof Samples): Row[] {
  return withRatios(
    [...all].map(([name, s]) => ({ name, fig: figure(s[key]) })),
    'libvirtd',
  );
}

function verdict(rows: readonly Row[]): string {
  const ratio = rows.find((r) => r.name === 'tsvirtd')?.ratio;
  if (ratio === undefined) return 'no ratio (one side only)';
  return `tsvirtd/libvirtd ${ratio.toFixed(2)}x: ${ratio <= TARGET_RATIO ? 'meets' : 'MISSES'} the target of at most ${TARGET_RATIO}x`;
}

async function report(all: Map<string, Samples>): Promise<void> {
  const t = {
    start: rowsOf(all, 'start_ms'),
    answer: rowsOf(all, 'answer_ms'),
    destroy: rowsOf(all, 'destroy_ms'),
    firstLease: rowsOf(all, 'first_lease_ms'),
    lease: rowsOf(all, 'lease_ms'),
    rtt: rowsOf(all, 'rtt_ms'),
    firstRtt: rowsOf(all, 'first_rtt_ms'),
  };
  console.log(formatTable(`net-start call (NAT network), ${CYCLES} runs`, 'ms', t.start, ' to libvirtd'));
  console.log(
    formatTable('net-start until dnsmasq answers DNS on the bridge', 'ms', t.answer, ' to libvirtd'),
  );
  console.log(`  ${verdict(t.answer)}`);
  console.log(formatTable('net-destroy', 'ms', t.destroy, ' to libvirtd'));
  console.log(`  ${verdict(t.destroy)}`);
  console.log(
    formatTable('guest create() until its first DHCP lease is listed (a new MAC)', 'ms', t.firstLease),
  );
  console.log(
    formatTable(
      `guest create() until its DHCP lease is listed (the MAC again), ${LEASE_RUNS} runs`,
      'ms',
      t.lease,
      ' to libvirtd',
    ),
  );
  console.log(
    formatTable(
      `ping guest to guest through the bridge (echoes 2..${PINGS}, from the guest's console)`,
      'ms',
      t.rtt,
      ' to libvirtd',
    ),
  );
  console.log(formatTable('  the first echo (with ARP)', 'ms', t.firstRtt, ' to libvirtd'));
  for (const [name, s] of all)
    console.log(`${name}: ${s.ping_received.join(', ')} of ${PINGS} echoes answered`);
  const path = await writeResult('network', {
    unit: 'ms',
    cycles: CYCLES,
    leaseRuns: LEASE_RUNS,
    pings: PINGS,
    target: TARGET_RATIO,
    confinement:
      'each daemon in its own network namespace; libvirtd also in a private mount namespace with Debian iptables (nft variant) overlaid on /usr',
    ping: "guest to guest through the bridge, busybox ping on the first guest's serial console",
    ...t,
    raw: Object.fromEntries(all),
  });
  console.log(`wrote ${path}`);
}

await ensureGuests();
const prefix = runPrefix();
const sides = await startNetnsSides(prefix);
const onSignal = (): void => {
  void stopSides(prefix, sides).finally(() => process.exit(130));
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);
try {
  const all = new Map<string, Samples>(
    sides.map((s) => [
      s.daemon.name,
      {
        start_ms: [],
        answer_ms: [],
        destroy_ms: [],
        first_lease_ms: [],
        lease_ms: [],
        rtt_ms: [],
        first_rtt_ms: [],
        ping_received: [],
      },
    ]),
  );
  await measure(sides, all);
  await report(all);
} finally {
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  // Daemons leave networks and domains running when they stop, as libvirtd does.
  for (const side of sides) {
    await fixture(side, ['teardown', NET, prefix]).catch((e: unknown) =>
      console.warn(`${side.daemon.name}: teardown: ${(e as Error).message}`),
    );
  }
  await stopSides(prefix, sides);
}
