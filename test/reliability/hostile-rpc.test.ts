/**
 * Hostile input on the wire: 100,000 random and mutated libvirt RPC packets over many connections in
 * parallel against a real tsvirtd, while a well-behaved client keeps getting answers. Seeded: set
 * TSVIRT_SEED to replay a failure.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DomainState } from '../../src/connection.js';
import type { RemoteConnection } from '../../src/remote/index.js';
import { newTally, runHostileConnection } from './hostile-client.js';
import { HostilePacketGenerator } from './hostile-packets.js';
import { DaemonRig, elapsedMs, makePrng, pickSeed, whyNoDaemonRig } from './harness.js';

const PACKETS = 100_000;
const PER_CONNECTION = 500;
const WORKERS = 8;
const DEADLINE_MS = 10_000;

const why = whyNoDaemonRig();
if (why) console.warn(`reliability hostile packets: skipped: ${why}`);

let rig: DaemonRig | undefined;

afterAll(async () => {
  if (rig) expect(await rig.destroy()).toEqual([]);
});

/** listAllDomains and getInfo in a loop until `stop()`; returns [rounds, slowest ms]. */
async function behave(conn: RemoteConnection, stop: () => boolean): Promise<[number, number]> {
  const dom = await conn.lookupDomainByName('calm');
  let rounds = 0;
  let slowest = 0;
  while (!stop()) {
    const t0 = performance.now();
    expect((await conn.listAllDomains()).map((d) => d.name)).toEqual(['calm']);
    expect((await conn.domainGetInfo(dom)).state).toBe(DomainState.SHUTOFF);
    slowest = Math.max(slowest, elapsedMs(t0));
    rounds++;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return [rounds, slowest];
}

describe.skipIf(why !== undefined)('hostile RPC packets', () => {
  it(`answers or closes on each of ${PACKETS} bad packets and keeps serving a good client`, async () => {
    const seed = pickSeed();
    console.log(`reliability hostile packets: seed ${seed} (TSVIRT_SEED=${seed} replays it)`);
    rig = await DaemonRig.create();
    const r = rig;
    const proc = await r.start();
    const good = await r.connect();
    await good.domainDefineXML(await r.guestXml('calm'));
    let done = false;
    const behaving = behave(good, () => done);
    const tally = newTally();
    let left = PACKETS;
    const rand = makePrng(seed);
    const gen = new HostilePacketGenerator(rand);
    const t0 = performance.now();
    const worker = async (): Promise<void> => {
      while (left > 0) {
        const budget = Math.min(PER_CONNECTION, left);
        left -= budget;
        const sent = await runHostileConnection(r.rwSocket, () => gen.next(), {
          budget,
          open: rand() < 0.5,
          deadlineMs: DEADLINE_MS,
          tally,
        });
        left += budget - sent;
      }
    };
    try {
      await Promise.all(Array.from({ length: WORKERS }, worker));
    } catch (err) {
      throw new Error(`seed ${seed}: ${(err as Error).message}\n${await r.logs()}`, { cause: err });
    } finally {
      done = true;
    }
    const [rounds, slowest] = await behaving;
    const ms = elapsedMs(t0);
    expect(proc.exit).toBeUndefined();
    expect(tally.packets).toBe(PACKETS);
    expect(rounds).toBeGreaterThan(10);
    expect((await good.listAllDomains()).map((d) => d.name)).toEqual(['calm']);
    await good.close();
    expect(await r.stop()).toEqual({ exitCode: 0, signal: undefined });
    console.log(
      `reliability hostile packets: ${tally.packets} packets over ${tally.connections} connections (${WORKERS} in parallel), ` +
        `${tally.replies} replies, ${tally.closedByServer} closed by the server, in ${ms} ms; ` +
        `good client: ${rounds} rounds, slowest ${slowest} ms; kinds ${JSON.stringify(tally.kinds)}`,
    );
  }, 200_000);
});
