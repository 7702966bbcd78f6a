/**
 * qemu faults under a running tsvirtd: kill -9 of one qemu (shutoff/crashed, STOPPED/FAILED to
 * subscribers), and SIGSTOP of one qemu (its QMP calls time out within the table's bound while every
 * other call stays fast; after SIGCONT it answers again).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DomainState, type DomainLifecycleEvent } from '../../src/connection.js';
import { EventType, ShutoffReason, StoppedDetail } from '../../src/driver/index.js';
import { QMP_TIMEOUTS_MS } from '../../src/qmp/timeouts.js';
import type { RemoteConnection } from '../../src/remote/index.js';
import { isAlive, waitUntil } from '../driver/helpers.js';
import { DaemonRig, elapsedMs, whyNoDaemonRig } from './harness.js';

const why = whyNoDaemonRig();
if (why) console.warn(`reliability qemu faults: skipped: ${why}`);

/** Slack over a QMP bound for the RPC round trip and timer granularity. */
const MARGIN_MS = 1_500;
/** What "fast" means for a call that needs no QMP of the hung guest. */
const FAST_MS = 500;

let rig: DaemonRig | undefined;
const stopped = new Set<number>();

afterAll(async () => {
  for (const pid of stopped) if (isAlive(pid)) process.kill(pid, 'SIGCONT');
  if (rig) expect(await rig.destroy()).toEqual([]);
});

async function startGuests(r: DaemonRig, conn: RemoteConnection, names: string[]): Promise<void> {
  for (const name of names) await conn.domainCreate(await conn.domainDefineXML(await r.guestXml(name)));
}

/** Runs `fn`, asserting it takes under FAST_MS; returns its result. */
async function fast<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await fn();
  expect(elapsedMs(t0), what).toBeLessThan(FAST_MS);
  return out;
}

/** Settles `p` and returns [elapsed ms, rejection or undefined]. */
async function timed(p: Promise<unknown>): Promise<[number, Error | undefined]> {
  const t0 = performance.now();
  const err = await p.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  return [elapsedMs(t0), err];
}

describe.skipIf(why !== undefined)('qemu faults under tsvirtd', () => {
  it('reports a killed qemu as shutoff/crashed with STOPPED/FAILED while the others run on', async () => {
    rig = await DaemonRig.create();
    const r = rig;
    await r.start();
    const conn = await r.connect();
    const names = ['fault0', 'fault1', 'fault2'];
    await startGuests(r, conn, names);
    const events: DomainLifecycleEvent[] = [];
    await conn.onDomainLifecycle((ev) => events.push(ev));
    const victim = r.qemuPid('fault0');
    process.kill(victim, 'SIGKILL');
    await waitUntil(
      () => events.some((e) => e.dom.name === 'fault0' && e.event === EventType.STOPPED),
      10_000,
      'STOPPED of fault0',
    );
    expect(events.map((e) => [e.dom.name, e.event, e.detail])).toEqual([
      ['fault0', EventType.STOPPED, StoppedDetail.FAILED],
    ]);
    const dom0 = await conn.lookupDomainByName('fault0');
    expect(await conn.domainGetState(dom0)).toEqual({
      state: DomainState.SHUTOFF,
      reason: ShutoffReason.CRASHED,
    });
    expect(isAlive(victim)).toBe(false);
    for (const name of ['fault1', 'fault2']) {
      const dom = await conn.lookupDomainByName(name);
      expect((await conn.domainGetState(dom)).state).toBe(DomainState.RUNNING);
      await conn.domainSuspend(dom);
      await conn.domainResume(dom);
      expect((await conn.domainMemoryStats(dom)).length).toBeGreaterThan(0);
    }
    await conn.close();
    console.log('reliability qemu crash: 1 qemu killed, 1 STOPPED/FAILED event, 2 guests still served');
  }, 60_000);

  it('times out calls to a SIGSTOPped qemu within the QMP bound, keeps other calls fast, and recovers on SIGCONT', async () => {
    const r = rig as DaemonRig;
    const conn = await r.connect();
    const hung = await conn.lookupDomainByName('fault1');
    const other = await conn.lookupDomainByName('fault2');
    const pid = r.qemuPid('fault1');
    process.kill(pid, 'SIGSTOP');
    stopped.add(pid);
    // dommemstat asks query-balloon; the client's vcpuinfo is GET_INFO (which waits for query-balloon,
    // then answers with the configured memory) followed by GET_VCPUS (query-cpus-fast).
    const memBound = QMP_TIMEOUTS_MS['query-balloon'];
    const cpuBound = memBound + QMP_TIMEOUTS_MS['query-cpus-fast'];
    const memCall = timed(conn.domainMemoryStats(hung));
    const cpuCall = timed(conn.domainGetVcpus(hung));
    const infoCall = timed(conn.domainGetInfo(hung));
    let fastCalls = 0;
    let settled = false;
    void Promise.all([memCall, cpuCall, infoCall]).then(() => (settled = true));
    while (!settled) {
      expect((await fast('listAllDomains', () => conn.listAllDomains())).length).toBe(3);
      expect((await fast('getState of another', () => conn.domainGetState(other))).state).toBe(
        DomainState.RUNNING,
      );
      expect((await fast('getInfo of another', () => conn.domainGetInfo(other))).state).toBe(
        DomainState.RUNNING,
      );
      expect((await fast('memstat of another', () => conn.domainMemoryStats(other))).length).toBeGreaterThan(
        0,
      );
      expect((await fast('getState of the hung one', () => conn.domainGetState(hung))).state).toBe(
        DomainState.RUNNING,
      );
      fastCalls += 5;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const [memMs, memErr] = await memCall;
    const [cpuMs, cpuErr] = await cpuCall;
    const [infoMs, infoErr] = await infoCall;
    expect(infoErr).toBeUndefined();
    expect(infoMs).toBeLessThanOrEqual(memBound + MARGIN_MS);
    expect(memErr?.message).toBe(`qmp command "query-balloon" timed out after ${memBound} ms`);
    expect(cpuErr?.message).toBe(
      `qmp command "query-cpus-fast" timed out after ${QMP_TIMEOUTS_MS['query-cpus-fast']} ms`,
    );
    // ERR_QMP_TIMEOUT travels as VIR_ERR_OPERATION_TIMEOUT (68).
    expect((memErr as { fields?: Record<string, unknown> }).fields?.['libvirtCode']).toBe(68);
    expect(memMs).toBeGreaterThanOrEqual(memBound - 50);
    expect(memMs).toBeLessThanOrEqual(memBound + MARGIN_MS);
    expect(cpuMs).toBeLessThanOrEqual(cpuBound + MARGIN_MS);
    process.kill(pid, 'SIGCONT');
    stopped.delete(pid);
    const t0 = performance.now();
    await waitUntil(
      async () =>
        await conn.domainMemoryStats(hung).then(
          () => true,
          () => false,
        ),
      10_000,
      'fault1 to answer QMP after SIGCONT',
    );
    const recoverMs = elapsedMs(t0);
    expect((await conn.domainGetVcpus(hung)).length).toBe(1);
    await conn.domainSuspend(hung);
    expect((await conn.domainGetState(hung)).state).toBe(DomainState.PAUSED);
    await conn.domainResume(hung);
    expect((await conn.domainGetState(hung)).state).toBe(DomainState.RUNNING);
    const pids = [pid, r.qemuPid('fault2')];
    for (const dom of [hung, other]) await conn.domainDestroy(dom);
    for (const p of pids) await waitUntil(() => !isAlive(p), 10_000, `qemu ${p} to exit`);
    await conn.close();
    console.log(
      `reliability qemu hang: dommemstat failed after ${memMs} ms (bound ${memBound}), vcpuinfo after ${cpuMs} ms (bound ${cpuBound}), ` +
        `dominfo answered after ${infoMs} ms; ` +
        `${fastCalls} calls meanwhile each under ${FAST_MS} ms; answered again ${recoverMs} ms after SIGCONT`,
    );
  }, 60_000);
});
