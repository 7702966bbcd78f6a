/**
 * Every procedure, before CONNECT_OPEN, on the read-only and the read-write socket of a real tsvirtd:
 * its string fields filled with invalid UTF-8 and control characters up to the 64 KiB allowed before
 * opening, then one byte over it, and CONNECT_OPEN with its name at REMOTE_STRING_MAX. Each call is
 * answered (over the limit: answered, then closed), and a good client is served all the while.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { RemoteConnection } from '../../src/remote/index.js';
import { callHeader, encodePacket } from '../../src/remote/packet.js';
import { Limit, MessageType, Procedure as P } from '../../src/remote/protocol.js';
import { PRE_OPEN_MAX_PACKET_BYTES } from '../../src/remote/server/server.js';
import { procedureCodecs, type KnownProcedure } from '../../src/remote/structs.js';
import { encodeWith } from '../../src/remote/xdr-codec.js';
import { errorOf, RawClient } from '../remote/server/raw-client.js';
import { zeroValue } from '../remote/server/zero-args.js';
import { DaemonRig, elapsedMs, whyNoDaemonRig } from './harness.js';
import { buildHostileBytes, encodeArgsAtLimit, encodeRawArgs, type StringFill } from './raw-args.js';

const PROCEDURES = Object.keys(procedureCodecs).map(Number) as KnownProcedure[];
/** String fillers: the hostile mix of invalid UTF-8 and control bytes from two offsets, and plain 0xff. */
const FILLS: StringFill[] = [
  (n, i) => buildHostileBytes(n, i),
  (n, i) => buildHostileBytes(n, i + 7),
  (n) => Buffer.alloc(n, 0xff),
];

const why = whyNoDaemonRig();
if (why) console.warn(`reliability pre-open fuzz: skipped: ${why}`);

let rig: DaemonRig | undefined;

afterAll(async () => {
  if (rig) expect(await rig.destroy()).toEqual([]);
});

/** The args of `proc` at the pre-open limit, or its zero args when it has no string field. */
function argsAtLimit(proc: KnownProcedure, fill: StringFill): Buffer {
  const hostile = encodeArgsAtLimit(proc, PRE_OPEN_MAX_PACKET_BYTES, fill);
  if (hostile) return hostile;
  const codec = procedureCodecs[proc];
  return encodeWith(codec.args as never, zeroValue(codec.args.shape) as never);
}

/** Sends every packet of one socket's round over one connection, each awaited; returns replies seen. */
async function fuzzOneConnection(where: string, packets: Buffer[], serials: number[]): Promise<number> {
  const c = await RawClient.open(where);
  let answered = 0;
  for (let i = 0; i < packets.length; i++) {
    c.socket.write(packets[i] as Buffer);
    const reply = await c.reply(serials[i] as number, 10_000);
    expect(reply.header.type).toBe(MessageType.REPLY);
    expect(reply.payload.length).toBeLessThan(4096);
    answered++;
  }
  c.close();
  return answered;
}

/** A packet one byte over the pre-open limit, or a CONNECT_OPEN at REMOTE_STRING_MAX: error, then close. */
async function expectRefused(where: string, proc: KnownProcedure, payload: Buffer): Promise<void> {
  const c = await RawClient.open(where);
  c.socket.write(encodePacket(callHeader(proc, 77), payload));
  const err = errorOf(await c.reply(77, 10_000));
  expect(err.message).toMatch(/before CONNECT_OPEN/);
  expect(await c.closesWithin(5_000)).toBe(true);
}

async function behave(conn: RemoteConnection, stop: () => boolean): Promise<number> {
  let rounds = 0;
  while (!stop()) {
    expect(await conn.listAllDomains()).toEqual([]);
    rounds++;
    await new Promise((r) => setTimeout(r, 5));
  }
  return rounds;
}

describe.skipIf(why !== undefined)('before CONNECT_OPEN', () => {
  it(`answers all ${PROCEDURES.length} procedures with hostile strings at the limit on both sockets`, async () => {
    rig = await DaemonRig.create();
    const r = rig;
    await r.start();
    const good = await r.connect();
    let done = false;
    const behaving = behave(good, () => done);
    const t0 = performance.now();
    let packets = 0;
    let answered = 0;
    let refused = 0;
    try {
      for (const where of [r.roSocket, r.rwSocket]) {
        for (const fill of FILLS) {
          const serials = PROCEDURES.map((_, i) => 1000 + i);
          const round = PROCEDURES.map((proc, i) =>
            encodePacket(callHeader(proc, serials[i] as number), argsAtLimit(proc, fill)),
          );
          packets += round.length;
          answered += await fuzzOneConnection(where, round, serials);
        }
        for (const proc of PROCEDURES) {
          // A little over, so that every string field (sizes are multiples of 4) grows past the limit.
          const over = encodeArgsAtLimit(proc, PRE_OPEN_MAX_PACKET_BYTES + 64);
          if (!over) continue;
          expect(over.length + 28).toBeGreaterThan(PRE_OPEN_MAX_PACKET_BYTES);
          packets++;
          await expectRefused(where, proc, over);
          refused++;
        }
        packets++;
        await expectRefused(
          where,
          P.CONNECT_OPEN,
          encodeRawArgs(P.CONNECT_OPEN, () => buildHostileBytes(Limit.STRING_MAX)),
        );
        refused++;
      }
    } finally {
      done = true;
    }
    const rounds = await behaving;
    const crashes = r.proc?.exit === undefined ? 0 : 1;
    console.log(
      `reliability pre-open fuzz: ${packets} fuzzed packets on the ro and rw sockets, ${answered} answered, ` +
        `${refused} over the limit answered and closed, crashes ${crashes}, in ${elapsedMs(t0)} ms; ` +
        `good client: ${rounds} rounds`,
    );
    expect(crashes).toBe(0);
    expect(answered + refused).toBe(packets);
    expect(rounds).toBeGreaterThan(5);
    await good.close();
  }, 60_000);
});
