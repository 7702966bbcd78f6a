/**
 * Single packets that used to end tsvirtd (issue 11, item 1): a 4 MiB CONNECT_OPEN of 0xff bytes on TCP
 * and on the read-only socket, lookups with 4 MiB names on the read-only socket, and a define whose
 * error would list every one of its tags. Each gets a short error; the daemon lives and serves others.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePacket, callHeader, type Packet } from '../../src/remote/packet.js';
import { Limit, MessageStatus, Procedure as P } from '../../src/remote/protocol.js';
import { encodeArgs, type KnownProcedure } from '../../src/remote/structs.js';
import { errorOf, RawClient } from '../remote/server/raw-client.js';
import { DaemonRig, whyNoDaemonRig } from './harness.js';
import { encodeRawArgs } from './raw-args.js';

/** libvirt's VIR_ERROR_MAX_LENGTH, plus room for the "..." that marks a cut. */
const MAX_MESSAGE_BYTES = 1024;
/** A short error reply: header, remote_error with two capped strings, and change. */
const MAX_REPLY_BYTES = 4096;

const why = whyNoDaemonRig();
if (why) console.warn(`reliability pre-auth: skipped: ${why}`);

let rig: DaemonRig | undefined;

beforeAll(async () => {
  if (why) return;
  rig = await DaemonRig.create();
  await rig.start();
}, 60_000);

afterAll(async () => {
  if (rig) expect(await rig.destroy()).toEqual([]);
});

function fourMiBOfFf(): Buffer {
  return Buffer.alloc(Limit.STRING_MAX, 0xff);
}

/** Sends one packet and waits for its reply; checks the reply is a short error and returns it. */
async function expectShortError(c: RawClient, proc: KnownProcedure, payload: Buffer): Promise<Packet> {
  const serial = 4242;
  c.socket.write(encodePacket(callHeader(proc, serial), payload));
  const reply = await c.reply(serial, 20_000);
  expect(reply.header.status).toBe(MessageStatus.ERROR);
  expect(reply.payload.length + 28).toBeLessThan(MAX_REPLY_BYTES);
  const err = errorOf(reply);
  expect(Buffer.byteLength(err.message ?? '')).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  expect(Buffer.byteLength(err.str2 ?? '')).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  return reply;
}

async function expectDaemonServes(r: DaemonRig): Promise<void> {
  expect(r.proc?.exit).toBeUndefined();
  const good = await r.connect();
  expect(await good.getType()).toBe('QEMU');
  await good.close();
}

async function openedClient(where: string): Promise<RawClient> {
  const c = await RawClient.open(where);
  const reply = await c.call(
    P.CONNECT_OPEN,
    encodeArgs(P.CONNECT_OPEN, { name: 'qemu:///system', flags: 0 }),
  );
  expect(reply.header.status).toBe(MessageStatus.OK);
  return c;
}

describe.skipIf(why !== undefined)('one hostile packet', () => {
  it('answers a 4 MiB CONNECT_OPEN of 0xff bytes on TCP with a short error and keeps serving', async () => {
    const r = rig as DaemonRig;
    const c = await RawClient.open(r.port);
    const reply = await expectShortError(c, P.CONNECT_OPEN, encodeRawArgs(P.CONNECT_OPEN, fourMiBOfFf));
    console.log(`reliability pre-auth: tcp CONNECT_OPEN of 4 MiB: "${errorOf(reply).message}"`);
    expect(await c.closesWithin(5_000)).toBe(true);
    await expectDaemonServes(r);
  });

  it('answers a 4 MiB CONNECT_OPEN of 0xff bytes on the read-only socket with a short error', async () => {
    const r = rig as DaemonRig;
    const c = await RawClient.open(r.roSocket);
    await expectShortError(c, P.CONNECT_OPEN, encodeRawArgs(P.CONNECT_OPEN, fourMiBOfFf));
    expect(await c.closesWithin(5_000)).toBe(true);
    await expectDaemonServes(r);
  });

  it.each([
    ['DOMAIN_LOOKUP_BY_NAME', P.DOMAIN_LOOKUP_BY_NAME],
    ['STORAGE_POOL_LOOKUP_BY_NAME', P.STORAGE_POOL_LOOKUP_BY_NAME],
    ['STORAGE_VOL_LOOKUP_BY_PATH', P.STORAGE_VOL_LOOKUP_BY_PATH],
    ['STORAGE_VOL_LOOKUP_BY_NAME', P.STORAGE_VOL_LOOKUP_BY_NAME],
  ] as const)(
    'answers %s with 4 MiB names of 0xff on the read-only socket with a short error',
    async (_, proc) => {
      const r = rig as DaemonRig;
      const c = await openedClient(r.roSocket);
      const reply = await expectShortError(c, proc, encodeRawArgs(proc, fourMiBOfFf));
      expect(errorOf(reply).message).toMatch(/\.\.\.$/);
      // The session stays usable: the error was the call's, not the connection's.
      expect((await c.call(P.CONNECT_GET_TYPE)).header.status).toBe(MessageStatus.OK);
      c.close();
      await expectDaemonServes(r);
    },
  );

  it('answers a 3.9 MB define of unclosed tags on the read-write socket with a short error', async () => {
    const r = rig as DaemonRig;
    const c = await openedClient(r.rwSocket);
    const tags = Array.from({ length: 3_900_000 / 12 }, (_, i) => `<t${i % 100000}>`).join('');
    const xml = `<domain type='qemu'><name>x</name>${tags}`;
    await expectShortError(c, P.DOMAIN_DEFINE_XML, encodeArgs(P.DOMAIN_DEFINE_XML, { xml }));
    c.close();
    await expectDaemonServes(r);
  }, 60_000);
});
