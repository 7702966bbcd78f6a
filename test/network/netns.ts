/**
 * Test helper: a network namespace of the test's own (`ip netns add`), so that bridges made by the
 * network driver never touch the host's network; removed at the end with everything in it.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, spawnDetached, type DetachedChild } from '../../src/exec/index.js';
import { isAlive, waitForText } from '../driver/helpers.js';

/** Why namespaces cannot be used here, or undefined when they can. */
export async function probeNetnsProblem(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root';
  const name = `tsvirt-probe-${randomBytes(3).toString('hex')}`;
  try {
    await run(['ip', 'netns', 'add', name], { timeoutMs: 10_000 });
    await run(['ip', 'netns', 'del', name], { timeoutMs: 10_000 });
    return undefined;
  } catch (err) {
    return `ip netns add fails: ${(err as Error).message}`;
  }
}

/** A named network namespace; `remove()` deletes it with the links and the processes inside. */
export interface TestNetns {
  name: string;
  /** Runs `ip ARGS` inside the namespace and returns stdout. */
  ip(args: readonly string[]): Promise<string>;
  /**
   * Kills what still runs inside (a dnsmasq or qemu that a failed test left: deleting a namespace does
   * not end its processes), then deletes it; returns the pids it had to kill.
   */
  remove(): Promise<number[]>;
}

/** Creates a fresh namespace with a unique name. */
export async function createNetns(): Promise<TestNetns> {
  const name = `tsvirt-test-${randomBytes(4).toString('hex')}`;
  await run(['ip', 'netns', 'add', name], { timeoutMs: 10_000 });
  return {
    name,
    ip: async (args) => (await run(['ip', '-n', name, ...args], { timeoutMs: 10_000 })).stdout,
    remove: async () => {
      const left = await listPids(name);
      for (const pid of left) signal(pid, 'SIGKILL');
      const deadline = Date.now() + 5_000;
      while (left.some(isAlive) && Date.now() < deadline) await sleep(50);
      await run(['ip', 'netns', 'del', name], { timeoutMs: 10_000 });
      if (left.length > 0) console.warn(`netns ${name}: killed processes left inside: ${left.join(', ')}`);
      return left;
    },
  };
}

/** Two namespaces joined by a veth pair. */
export interface VethLink {
  /** The two ends' addresses: 10.X.Y.1 in the first namespace, 10.X.Y.2 in the second (/24). */
  addresses: [string, string];
  /** The two ends' names, `PREFIXA<tag>` and `PREFIXB<tag>`. */
  veths: [string, string];
}

/**
 * Joins namespaces `a` and `b` by a veth pair whose ends are named after `prefix` (two letters, so that
 * the names stay under 16 bytes), with loopback and both ends up and a random 10.X.Y.0/24 between them.
 */
export async function joinByVeth(a: TestNetns, b: TestNetns, prefix: string): Promise<VethLink> {
  const tag = randomBytes(3).toString('hex');
  const net = `10.${100 + (parseInt(tag.slice(0, 2), 16) % 100)}.${parseInt(tag.slice(2, 4), 16)}`;
  const link: VethLink = {
    addresses: [`${net}.1`, `${net}.2`],
    veths: [`${prefix}A${tag}`, `${prefix}B${tag}`],
  };
  const [va, vb] = link.veths;
  await run(['ip', 'link', 'add', va, 'netns', a.name, 'type', 'veth', 'peer', 'name', vb, 'netns', b.name], {
    timeoutMs: 10_000,
  });
  for (const [ns, veth, address] of [
    [a, va, link.addresses[0]],
    [b, vb, link.addresses[1]],
  ] as const) {
    await ns.ip(['link', 'set', 'lo', 'up']);
    await ns.ip(['addr', 'add', `${address}/24`, 'dev', veth]);
    await ns.ip(['link', 'set', veth, 'up']);
  }
  return link;
}

/** The pids of the processes inside namespace `name` (`ip netns pids`). */
async function listPids(name: string): Promise<number[]> {
  const out = (await run(['ip', 'netns', 'pids', name], { timeoutMs: 10_000 })).stdout;
  return out
    .split('\n')
    .filter((l) => /^\d+$/.test(l.trim()))
    .map(Number);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}

/** Binds UDP ADDRESS:PORT and holds it until killed. */
const PORT_HOLDER_JS = `
const dgram = require('node:dgram');
const [address, port] = process.argv.slice(2);
dgram.createSocket('udp4').bind(Number(port), address, () => console.log('holding ' + address + ':' + port));
`;

/**
 * Holds UDP `address`:`port` inside the namespace (a process of the test's, its script and log in
 * `dir`) until killed, so that dnsmasq cannot listen there; resolves once it holds it.
 */
export async function holdUdpPort(
  ns: TestNetns,
  dir: string,
  address: string,
  port: number,
): Promise<DetachedChild> {
  const script = join(dir, 'port-holder.cjs');
  const log = join(dir, `port-holder-${port}.log`);
  await writeFile(script, PORT_HOLDER_JS, { mode: 0o644 });
  const holder = await spawnDetached(
    ['ip', 'netns', 'exec', ns.name, process.execPath, script, address, String(port)],
    {
      logFile: log,
    },
  );
  await waitForText(log, `holding ${address}:${port}`, 20_000);
  return holder;
}

/** What a command run in a namespace ended with: any exit code is an answer, not a failure. */
export interface NetnsRunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `argv` inside the namespace (`ip netns exec`) and gives its exit code and output. */
export async function runInNetns(
  ns: TestNetns,
  argv: readonly string[],
  timeoutMs = 120_000,
): Promise<NetnsRunResult> {
  const r = await run(['ip', 'netns', 'exec', ns.name, ...argv], {
    timeoutMs,
    okExitCodes: Array.from({ length: 256 }, (_, i) => i),
  });
  return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}
