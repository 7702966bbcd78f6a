/**
 * Daemons side by side, each in a network namespace of its own (`ip netns add`, loopback up), for the
 * network benchmarks: their bridges, dnsmasq and firewall rules stay in those namespaces and never touch
 * the host's network. libvirtd also keeps its private mount namespace (confined-libvirtd.ts). Clients
 * reach both through their unix sockets. The clean-up stops the daemons, kills whatever still runs in a
 * namespace (and says so), deletes the namespaces and checks that no pid of this run is left.
 */
import { run } from '../../src/exec/index.js';
import { isAlive, killAndWait } from '../../scripts/loopback-daemon.js';
import { startLibvirtd } from './confined-libvirtd.js';
import type { BenchDaemon } from './daemon.js';
import { findGuestPids } from './proc.js';
import { hasLibvirtPython } from './python.js';
import { startTsvirtd, tsvirtdReady } from './tsvirtd.js';

/** One daemon in its namespace, with the domain-name stem of its guests. */
export interface NetnsSide {
  daemon: BenchDaemon;
  netns: string;
  /** Names of this side's guests are STEM0, STEM1, ... */
  stem: string;
}

/** Pids inside network namespace `name` (`ip netns pids`). */
async function listNetnsPids(name: string): Promise<number[]> {
  const r = await run(['ip', 'netns', 'pids', name], { timeoutMs: 10_000, okExitCodes: [0, 1] });
  return r.stdout
    .split('\n')
    .filter((l) => /^\d+$/.test(l.trim()))
    .map(Number);
}

async function createNetns(name: string): Promise<void> {
  await run(['ip', 'netns', 'add', name], { timeoutMs: 10_000 });
  await run(['ip', '-n', name, 'link', 'set', 'lo', 'up'], { timeoutMs: 10_000 });
}

/** Kill what is left in the namespace, then delete it; returns a problem to report, if any. */
async function removeNetns(name: string): Promise<string | undefined> {
  // A zombie (a dnsmasq whose parent was stopped, waiting for pid 1 to reap it) runs nothing.
  const left = (await listNetnsPids(name)).filter(isAlive);
  for (const pid of left) await killAndWait(pid, 2_000).catch(() => undefined);
  await run(['ip', 'netns', 'del', name], { timeoutMs: 10_000 });
  return left.length > 0 ? `netns ${name}: killed processes left inside: ${left.join(' ')}` : undefined;
}

async function startSide(which: string, prefix: string): Promise<NetnsSide> {
  const netns = `tsvb-net-${prefix.slice(4, -1)}-${which[0]!}`;
  await createNetns(netns);
  try {
    const daemon =
      which === 'tsvirtd' ? await startTsvirtd({ netns }) : await startLibvirtd({ netns, iptables: true });
    return { daemon, netns, stem: `${prefix}${which[0]!}` };
  } catch (err) {
    await removeNetns(netns).catch(() => undefined);
    throw err;
  }
}

/** Stop every side; throws naming whatever had to be killed or survived. */
export async function stopSides(prefix: string, sides: readonly NetnsSide[]): Promise<void> {
  const problems: string[] = [];
  for (const pid of findGuestPids(prefix)) {
    await killAndWait(pid, 3_000).catch((e: unknown) => problems.push(String(e)));
  }
  for (const s of sides) {
    await s.daemon.stop().catch((e: unknown) => problems.push(String(e)));
    const p = await removeNetns(s.netns).catch((e: unknown) => String(e));
    if (p) problems.push(p);
  }
  const left = [...findGuestPids(prefix), ...sides.map((s) => s.daemon.pid).filter(isAlive)];
  if (left.length > 0) problems.push(`pids still running after the benchmark: ${left.join(' ')}`);
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

/** Start tsvirtd (when built) and libvirtd, each in its own network namespace. */
export async function startNetnsSides(prefix: string): Promise<NetnsSide[]> {
  if (!(await hasLibvirtPython()))
    throw new Error('libvirt-python is missing: apt-get install python3-libvirt');
  const sides: NetnsSide[] = [];
  try {
    if (await tsvirtdReady()) sides.push(await startSide('tsvirtd', prefix));
    else console.warn('tsvirtd: dist/src/cli/tsvirtd.js is not built (npm run build); its side is skipped');
    sides.push(await startSide('libvirtd', prefix));
  } catch (err) {
    await stopSides(prefix, sides).catch(() => undefined);
    throw err;
  }
  return sides;
}
