/**
 * Open files (issue 11, item 9), against a real tsvirtd started under prlimit: it raises its soft
 * RLIMIT_NOFILE to the hard limit, so more idle clients than the old soft limit do not starve a new
 * one; and where the hard limit itself is low, it refuses clients beyond what its descriptors hold
 * instead of failing accept.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNofileLimits } from '../../src/daemon/nofile.js';
import { MessageStatus, Procedure as P } from '../../src/remote/protocol.js';
import { encodeArgs } from '../../src/remote/structs.js';
import { RawClient } from '../remote/server/raw-client.js';
import { DaemonRig, whyNoDaemonRig } from './harness.js';

const SOFT = 256;
const IDLE = 300;

const why = whyNoDaemonRig();
if (why) console.warn(`reliability fd limit: skipped: ${why}`);

const rigs: DaemonRig[] = [];
const clients: RawClient[] = [];

afterAll(async () => {
  for (const c of clients) c.close();
  for (const rig of rigs) expect(await rig.destroy()).toEqual([]);
});

async function startUnder(nofile: string): Promise<DaemonRig> {
  const rig = await DaemonRig.create();
  rigs.push(rig);
  await rig.start([], ['prlimit', `--nofile=${nofile}`, '--']);
  return rig;
}

function daemonNofile(rig: DaemonRig): { soft: number; hard: number } {
  return parseNofileLimits(readFileSync(`/proc/${rig.proc?.child.pid}/limits`, 'utf8'));
}

/** Opens `n` clients that each complete CONNECT_OPEN, ten at a time; returns how many stayed open. */
async function openIdle(rig: DaemonRig, n: number): Promise<RawClient[]> {
  const open = encodeArgs(P.CONNECT_OPEN, { name: 'qemu:///system', flags: 0 });
  const kept: RawClient[] = [];
  for (let i = 0; i < n; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, n - i) }, async () => {
        const c = await RawClient.open(rig.rwSocket);
        clients.push(c);
        const serial = c.send(P.CONNECT_OPEN, open);
        const outcome = await Promise.race([
          c.reply(serial, 10_000).then((p) => p.header.status === MessageStatus.OK),
          c.closed.then(() => false),
        ]);
        return outcome ? c : undefined;
      }),
    );
    kept.push(...batch.filter((c): c is RawClient => c !== undefined));
  }
  return kept;
}

async function expectRwClientWorks(rig: DaemonRig): Promise<void> {
  const conn = await rig.connect();
  expect(await conn.getType()).toBe('QEMU');
  expect(await conn.listAllDomains()).toEqual([]);
  await conn.close();
}

describe.skipIf(why !== undefined)('open files', () => {
  it(`raises a soft limit of ${SOFT} to the hard one and serves ${IDLE} idle clients and one more`, async () => {
    const rig = await startUnder(`${SOFT}:4096`);
    expect(daemonNofile(rig)).toEqual({ soft: 4096, hard: 4096 });
    const idle = await openIdle(rig, IDLE);
    expect(idle.length).toBe(IDLE);
    await expectRwClientWorks(rig);
    expect(rig.proc?.exit).toBeUndefined();
    console.log(
      `reliability fd limit: started at ${SOFT}:4096, the daemon runs at ${JSON.stringify(daemonNofile(rig))}; ${idle.length} idle clients and a new one served`,
    );
    for (const c of idle) c.close();
  }, 60_000);

  it(`refuses clients beyond its descriptors when the hard limit is ${SOFT}, and serves again after`, async () => {
    const rig = await startUnder(`${SOFT}:${SOFT}`);
    const idle = await openIdle(rig, IDLE);
    const logs = await rig.logs();
    const lowered = /max_clients lowered from 5000 to (\d+)/.exec(logs);
    expect(lowered).not.toBeNull();
    expect(idle.length).toBe(Number(lowered?.[1]));
    expect(logs).toMatch(/Too many active clients/);
    expect(logs).not.toMatch(/EMFILE/);
    for (const c of idle.splice(0, 10)) c.close();
    await new Promise((r) => setTimeout(r, 300));
    await expectRwClientWorks(rig);
    expect(rig.proc?.exit).toBeUndefined();
    console.log(
      `reliability fd limit: at ${SOFT}:${SOFT} the daemon took ${idle.length + 10} of ${IDLE} idle clients and refused the rest`,
    );
    for (const c of idle) c.close();
  }, 60_000);
});
