/**
 * WebSocket API latency: the round trip of domain.getInfo over the WebSocket JSON-RPC API (WsConnection)
 * and over the libvirt protocol (RemoteConnection to an RpcServer on a unix socket), both in front of
 * one EmbeddedConnection with one running boot-sector guest, in alternating batches; then the time for
 * one lifecycle event to reach 100 WebSocket subscribers (raw `ws` clients in this process).
 * Run after the build from the checkout root: `node dist/bench/ws-latency.js [iterations]`.
 * Writes bench/results/ws-latency.json. A benchmark, not a test: nothing here fails for being slow.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { Connection, DomainRef } from '../src/connection.js';
import { EmbeddedConnection } from '../src/embedded/embedded-connection.js';
import { connectRemote } from '../src/remote/index.js';
import { RpcServer } from '../src/remote/server/index.js';
import { WsConnection, startWsServer } from '../src/ws/index.js';
import { ensureGuests } from '../scripts/guests/paths.js';
import { writeResult } from './libvirtd/report.js';
import { summarize, type LatencySummary } from './stats.js';

const ITERATIONS = Number(process.argv[2] ?? 2000);
const BATCH = 100;
const WARMUP = 200;
const SUBSCRIBERS = 100;
const EVENTS = 40;
const TARGET_RATIO = 1.5;

const GUEST_XML = (image: string): string => `<domain type='qemu'>
  <name>bench-ws</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${image}'/><target dev='hda' bus='ide'/></disk>
  </devices>
</domain>`;

/** Microseconds of each of `n` sequential getInfo calls. */
async function timeGetInfo(conn: Connection, dom: DomainRef, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await conn.domainGetInfo(dom);
    out.push((performance.now() - t0) * 1000);
  }
  return out;
}

/** Alternating batches of getInfo over both front ends. */
async function measureRoundTrips(
  sides: Record<string, Connection>,
  dom: DomainRef,
): Promise<Record<string, number[]>> {
  const samples: Record<string, number[]> = {};
  for (const [name, conn] of Object.entries(sides)) {
    await timeGetInfo(conn, dom, WARMUP);
    samples[name] = [];
  }
  for (let done = 0; done < ITERATIONS; done += BATCH) {
    for (const [name, conn] of Object.entries(sides))
      samples[name]!.push(...(await timeGetInfo(conn, dom, BATCH)));
  }
  return samples;
}

/** Per event: µs from the connection's emit until the first and the last of the subscribers has it. */
async function measureFanOut(
  conn: EmbeddedConnection,
  port: number,
  dom: DomainRef,
): Promise<{ first: number[]; all: number[] }> {
  let emitted = 0;
  // Registered before the subscribers, so it runs just before the hub's listener hands the event out.
  const sub = await conn.onDomainLifecycle(() => (emitted = performance.now()));
  const clients = await Promise.all(
    Array.from({ length: SUBSCRIBERS }, async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api`);
      await new Promise((resolve) => ws.once('open', resolve));
      ws.send(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'subscribe',
          params: { events: ['domain.lifecycle'] },
        }),
      );
      await new Promise((resolve) => ws.once('message', resolve));
      return ws;
    }),
  );
  const first: number[] = [];
  const all: number[] = [];
  for (let i = 0; i < EVENTS; i++) {
    let got = 0;
    let firstAt = 0;
    const done = new Promise<number>((resolve) => {
      for (const ws of clients) {
        ws.once('message', () => {
          const now = performance.now();
          if (got++ === 0) firstAt = now;
          if (got === SUBSCRIBERS) resolve(now);
        });
      }
    });
    emitted = 0;
    await (i % 2 === 0 ? conn.domainSuspend(dom) : conn.domainResume(dom));
    const lastAt = await done;
    const start = emitted;
    first.push((firstAt - start) * 1000);
    all.push((lastAt - start) * 1000);
  }
  sub.unsubscribe();
  for (const ws of clients) ws.terminate();
  return { first, all };
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'tsvirt-bench-ws-'));
  const guests = await ensureGuests();
  const image = join(root, 'boot.img');
  await copyFile(guests.bootSectorImage, image);
  const conn = await EmbeddedConnection.open({ root });
  const ws = await startWsServer(conn, { port: 0 });
  const rpc = new RpcServer(conn);
  const sockPath = join(root, 'libvirt-sock');
  const unix = net.createServer((socket) => rpc.handleSocket(socket, { readOnly: false, transport: 'unix' }));
  await new Promise<void>((resolve) => unix.listen(sockPath, resolve));
  const wsConn = await WsConnection.connect(`ws://127.0.0.1:${ws.port}/api`);
  const remote = await connectRemote(`qemu+unix:///system?socket=${sockPath}`, { readOnly: false });
  const dom = await conn.domainDefineXML(GUEST_XML(image));
  try {
    await conn.domainCreate(dom);
    const live = await conn.lookupDomainByName('bench-ws');
    const samples = await measureRoundTrips({ websocket: wsConn, libvirt: remote, embedded: conn }, live);
    const fanOut = await measureFanOut(conn, ws.port, live);
    await report(samples, fanOut);
  } finally {
    await conn.domainDestroy(dom).catch(() => undefined);
    await wsConn.close();
    await remote.close();
    await ws.close();
    unix.close();
    await conn.close();
    await rm(root, { recursive: true, force: true });
  }
}

function round(s: LatencySummary): LatencySummary {
  const r = (x: number): number => Math.round(x * 10) / 10;
  return { n: s.n, p50: r(s.p50), p90: r(s.p90), p99: r(s.p99), max: r(s.max), mean: r(s.mean) };
}

async function report(
  samples: Record<string, number[]>,
  fanOut: { first: number[]; all: number[] },
): Promise<void> {
  const getInfo = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, round(summarize(v))]));
  const ratio = (getInfo.websocket as LatencySummary).p50 / (getInfo.libvirt as LatencySummary).p50;
  const events = { first: round(summarize(fanOut.first)), all: round(summarize(fanOut.all)) };
  console.log('domain.getInfo round trip (µs)      p50      p90      max');
  for (const [name, s] of Object.entries(getInfo)) {
    console.log(`  ${name.padEnd(30)} ${fmt(s.p50)} ${fmt(s.p90)} ${fmt(s.max)}`);
  }
  console.log(`  websocket p50 / libvirt p50 = ${ratio.toFixed(2)} (target <= ${TARGET_RATIO})`);
  console.log(
    `one lifecycle event to ${SUBSCRIBERS} subscribers (µs): first p50 ${fmt(events.first.p50)}, all p50 ${fmt(events.all.p50)} p90 ${fmt(events.all.p90)} max ${fmt(events.all.max)}`,
  );
  const path = await writeResult('ws-latency', {
    iterations: ITERATIONS,
    unit: 'µs',
    getInfo,
    ratioP50: Math.round(ratio * 100) / 100,
    targetRatio: TARGET_RATIO,
    meetsTarget: ratio <= TARGET_RATIO,
    events: { subscribers: SUBSCRIBERS, count: EVENTS, ...events },
    note:
      'getInfo: sequential calls from one client in this process, alternating batches of ' +
      `${BATCH}; embedded = the direct call, the floor of both. events: from the emit on the connection (or the ` +
      'listener registered before the hub) until the first / the last of the raw ws clients in this ' +
      'process has the notification; clients share the event loop with the server.',
  });
  console.log(`wrote ${path}`);
}

function fmt(x: number): string {
  return x.toFixed(0).padStart(8);
}

await main();
