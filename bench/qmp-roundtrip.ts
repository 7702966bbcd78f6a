/**
 * QMP round-trip latency: query-status through QmpClient and through a bare socket written and read by
 * hand, against one `qemu -machine none -S` with three QMP monitors, in alternating batches.
 * Run after the build from the checkout root: `node dist/bench/qmp-roundtrip.js [iterations]`.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDetached, type DetachedChild } from '../src/exec/index.js';
import { QmpClient, queryStatus } from '../src/qmp/index.js';
import { summarize, type LatencySummary } from './stats.js';

const ITERATIONS = Number(process.argv[2] ?? 2000);
const BATCH = 100;
const WARMUP = 200;
const TARGET_RATIO = 1.2;

/** The hand-written baseline: one socket, one line out, wait for one line back, nothing else. */
class BareMonitor {
  private buffered = '';
  private waiter: ((line: string) => void) | undefined;
  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffered += chunk;
      this.drain();
    });
  }

  private drain(): void {
    const nl = this.buffered.indexOf('\n');
    if (nl === -1 || !this.waiter) return;
    const line = this.buffered.slice(0, nl);
    this.buffered = this.buffered.slice(nl + 1);
    const w = this.waiter;
    this.waiter = undefined;
    w(line);
  }

  static async open(path: string): Promise<BareMonitor> {
    const socket = await waitConnect(path);
    const m = new BareMonitor(socket);
    await m.readLine(); // greeting
    await m.roundTrip('{"execute":"qmp_capabilities"}\n');
    return m;
  }

  readLine(): Promise<string> {
    return new Promise((resolve) => {
      this.waiter = resolve;
      this.drain();
    });
  }

  roundTrip(line: string): Promise<string> {
    const reply = this.readLine();
    this.socket.write(line);
    return reply;
  }

  close(): void {
    this.socket.destroy();
  }
}

async function waitConnect(path: string): Promise<net.Socket> {
  for (let i = 0; ; i++) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect(path, () => resolve(s));
        s.once('error', reject);
      });
    } catch (err) {
      if (i > 500) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

async function timeBatch(n: number, once: () => Promise<unknown>, into: number[]): Promise<void> {
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await once();
    into.push((performance.now() - t0) * 1000);
  }
}

/** One measured way of sending query-status. */
interface Series {
  name: string;
  once: () => Promise<unknown>;
  samples: number[];
}

async function measure(series: Series[]): Promise<void> {
  for (const s of series) await timeBatch(WARMUP, s.once, []);
  for (let done = 0, batch = 0; done < ITERATIONS; done += BATCH, batch++) {
    const n = Math.min(BATCH, ITERATIONS - done);
    // Rotate which series goes first, so that drift in the host's load hits all of them alike.
    for (let k = 0; k < series.length; k++) {
      const s = series[(batch + k) % series.length]!;
      await timeBatch(n, s.once, s.samples);
    }
  }
}

function formatRow(name: string, s: LatencySummary): string {
  const f = (x: number): string => x.toFixed(1).padStart(8);
  return `${name.padEnd(12)}${f(s.p50)}${f(s.p90)}${f(s.p99)}${f(s.max)}${f(s.mean)}`;
}

async function stopQemu(child: DetachedChild, client: QmpClient): Promise<void> {
  await client.execute('quit').catch(() => undefined);
  const exited = await Promise.race([
    child.exited.then(() => true),
    new Promise((r) => setTimeout(r, 3000, false)),
  ]);
  if (!exited && existsSync(`/proc/${child.pid}`)) process.kill(child.pid, 'SIGKILL');
  await child.exited;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tsvirt-bench-qmp-'));
  const socks = ['client', 'bare', 'minimal'].map((n) => join(dir, `${n}.sock`));
  const argv = ['qemu-system-x86_64', '-machine', 'none', '-S', '-nodefaults', '-display', 'none'];
  for (const sock of socks) argv.push('-qmp', `unix:${sock},server=on,wait=off`);
  const child = await spawnDetached(argv, { logFile: join(dir, 'qemu.log') });
  const client = await QmpClient.connect(socks[0]!, { connectTimeoutMs: 10_000 });
  const bare = await BareMonitor.open(socks[1]!);
  const minimal = await BareMonitor.open(socks[2]!);
  let bareId = 0;
  const series: Series[] = [
    { name: 'QmpClient', once: () => queryStatus(client), samples: [] },
    // The same bytes our client writes, so the ratio measures the client and not the wire.
    {
      name: 'bare socket',
      once: () => bare.roundTrip(`{"execute":"query-status","id":${++bareId}}\n`),
      samples: [],
    },
    // No id: fewer bytes, and QEMU 7.2 reads its monitor one byte per main-loop turn.
    { name: 'bare, no id', once: () => minimal.roundTrip('{"execute":"query-status"}\n'), samples: [] },
  ];
  try {
    await measure(series);
    await report(series, client);
  } finally {
    bare.close();
    minimal.close();
    await stopQemu(child, client);
    client.close();
    await rm(dir, { recursive: true, force: true });
  }
  if (existsSync(`/proc/${child.pid}`))
    throw new Error(`qemu pid ${child.pid} still runs after the benchmark`);
}

async function report(series: Series[], client: QmpClient): Promise<void> {
  const [ours, bare, minimal] = series.map((s) => summarize(s.samples)) as [
    LatencySummary,
    LatencySummary,
    LatencySummary,
  ];
  const ratioP50 = ours.p50 / bare.p50;
  const ratioP99 = ours.p99 / bare.p99;
  const ratioP50NoId = ours.p50 / minimal.p50;
  console.log(`qmp round trip, query-status, ${ITERATIONS} iterations each, microseconds`);
  console.log(`${''.padEnd(12)}${['p50', 'p90', 'p99', 'max', 'mean'].map((h) => h.padStart(8)).join('')}`);
  series.forEach((s, i) => console.log(formatRow(s.name, [ours, bare, minimal][i]!)));
  const verdict = ratioP50 <= TARGET_RATIO ? 'meets' : 'MISSES';
  console.log(
    `ratio p50 ${ratioP50.toFixed(3)} (${verdict} target ${TARGET_RATIO}), ratio p99 ${ratioP99.toFixed(3)}`,
  );
  console.log(`ratio p50 against the shorter line without an id: ${ratioP50NoId.toFixed(3)}`);
  await mkdir('bench/results', { recursive: true });
  const record = {
    bench: 'qmp-roundtrip',
    unit: 'us',
    iterations: ITERATIONS,
    batch: BATCH,
    client: ours,
    bare,
    bareNoId: minimal,
    ratioP50,
    ratioP99,
    ratioP50NoId,
    targetRatioP50: TARGET_RATIO,
    qemu: client.greeting.version,
    node: process.version,
    date: new Date().toISOString(),
  };
  await writeFile('bench/results/qmp-roundtrip.json', `${JSON.stringify(record, null, 2)}\n`);
}

await main();
