/**
 * The server at the byte level: virsh's handshake answered exactly, server-level errors, bounds and
 * faults, keepalive, pipelining, and the read-only list — with a bystander client that must keep working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Procedure as P,
  MessageStatus,
  MessageType,
  Program,
  KeepaliveProcedure,
} from '../../../src/remote/protocol.js';
import { encodePacket } from '../../../src/remote/packet.js';
import { encodeArgs, procedureCodecs, type KnownProcedure } from '../../../src/remote/structs.js';
import { encodeWith } from '../../../src/remote/xdr-codec.js';
import { connectRemote, type RemoteConnection } from '../../../src/remote/index.js';
import { MUTATING_PROCEDURES } from '../../../src/remote/server/index.js';
import { hex } from '../hex.js';
import { errorOf, RawClient } from './raw-client.js';
import { startTestServer, type TestServer } from './server-fixture.js';
import { zeroValue } from './zero-args.js';

let srv: TestServer;
let bystander: RemoteConnection;

beforeAll(async () => {
  srv = await startTestServer({ keepaliveIntervalS: 1, keepaliveCount: 2 });
  bystander = await connectRemote(srv.tcpUri);
});

afterAll(async () => {
  await bystander.close();
  expect(await srv.stop()).toEqual([]);
});

/** The bystander, connected all the while, still gets answers. */
async function expectBystanderFine(): Promise<void> {
  expect(await bystander.getType()).toBe('QEMU');
}

async function openClient(where: string | number = srv.unixPath): Promise<RawClient> {
  const c = await RawClient.open(where);
  await c.call(P.CONNECT_OPEN, encodeArgs(P.CONNECT_OPEN, { name: 'qemu:///system', flags: 0 }));
  return c;
}

describe('handshake', () => {
  it("answers virsh's handshake packets byte for byte", async () => {
    const c = await RawClient.open(srv.port);
    c.socket.write(hex('0000001c 20008086 00000001 00000042 00000000 00000000 00000000')); // AUTH_LIST serial 0
    expect(Buffer.concat([(await c.reply(0)).payload])).toEqual(hex('00000001 00000000'));
    expect(c.raw[0]).toEqual(
      hex('00000024 20008086 00000001 00000042 00000001 00000000 00000000 | 00000001 00000000'),
    );
    c.socket.write(hex('00000020 20008086 00000001 0000003c 00000000 00000001 00000000 | 0000000a'));
    expect((await c.reply(1)).payload).toEqual(hex('00000001'));
    c.socket.write(
      hex(`00000038 20008086 00000001 00000001 00000000 00000002 00000000
           00000001 0000000e 71656d75 3a2f2f2f 73797374 656d0000 | 00000000`),
    );
    const open = await c.reply(2);
    expect([open.header.status, open.payload.length]).toEqual([MessageStatus.OK, 0]);
    for (const [serial, feature] of [
      [3, 14],
      [4, 15],
    ] as const) {
      c.send(P.CONNECT_SUPPORTS_FEATURE, hex(feature.toString(16).padStart(8, '0')), { serial });
      expect((await c.reply(serial)).payload).toEqual(hex('00000001'));
    }
    expect((await c.call(P.CONNECT_REGISTER_CLOSE_CALLBACK, undefined, { serial: 5 })).header.status).toBe(0);
    expect((await c.call(P.CONNECT_UNREGISTER_CLOSE_CALLBACK, undefined, { serial: 6 })).header.status).toBe(
      0,
    );
    const close = await c.call(P.CONNECT_CLOSE, undefined, { serial: 7 });
    expect([close.header.type, close.header.status, close.payload.length]).toEqual([1, 0, 0]);
    expect(await c.closesWithin(2000)).toBe(true);
  });

  it("refuses calls before CONNECT_OPEN, and after a second open, with libvirtd's error", async () => {
    const c = await RawClient.open(srv.unixPath);
    const early = errorOf(await c.call(P.CONNECT_GET_TYPE));
    expect([early.code, early.domain, early.message]).toEqual([
      1,
      7,
      'internal error: hypervisor connection not open',
    ]);
    await c.call(P.CONNECT_OPEN, encodeArgs(P.CONNECT_OPEN, { name: null, flags: 0 }));
    expect((await c.call(P.CONNECT_GET_TYPE)).header.status).toBe(MessageStatus.OK);
    const again = errorOf(await c.call(P.CONNECT_OPEN, encodeArgs(P.CONNECT_OPEN, { name: '', flags: 0 })));
    expect([again.code, again.domain, again.message]).toEqual([
      1,
      7,
      'internal error: connection already open',
    ]);
    expect(errorOf(await c.call(P.CONNECT_GET_TYPE)).message).toBe(
      'internal error: hypervisor connection not open',
    );
    c.close();
  });

  it('refuses a URI it does not serve', async () => {
    const c = await RawClient.open(srv.unixPath);
    const err = errorOf(
      await c.call(P.CONNECT_OPEN, encodeArgs(P.CONNECT_OPEN, { name: 'xen:///', flags: 0 })),
    );
    expect(err.code).toBe(5);
    expect(err.message).toMatch(/^no connection driver available for xen:\/\/\//);
    c.close();
  });
});

describe('server-level errors', () => {
  it('answers an unknown procedure with code 3 and keeps the connection', async () => {
    const c = await openClient();
    const err = errorOf(await c.call(9999));
    expect([err.code, err.level]).toEqual([3, 2]);
    expect(err.message).toContain('9999');
    expect((await c.call(P.CONNECT_GET_HOSTNAME)).header.status).toBe(MessageStatus.OK);
    c.close();
  });

  it('answers an unknown program or version with "Cannot find program"', async () => {
    const c = await openClient();
    const prog = errorOf(await c.call(P.CONNECT_GET_TYPE, undefined, { prog: 1234 }));
    expect([prog.code, prog.domain, prog.message]).toEqual([39, 7, 'Cannot find program 1234 version 1']);
    const vers = errorOf(await c.call(P.CONNECT_GET_TYPE, undefined, { vers: 2 }));
    expect(vers.message).toBe(`Cannot find program ${Program.REMOTE} version 2`);
    expect((await c.call(P.CONNECT_GET_TYPE)).header.status).toBe(MessageStatus.OK);
    c.close();
  });

  it('answers pipelined calls, each with its own serial', async () => {
    const c = await openClient();
    const bytes = Array.from({ length: 20 }, (_, i) =>
      encodePacket({
        prog: Program.REMOTE,
        vers: 1,
        proc: P.CONNECT_GET_HOSTNAME,
        type: 0,
        serial: 100 + i,
        status: 0,
      }),
    );
    c.socket.write(Buffer.concat(bytes));
    for (let i = 0; i < 20; i++) expect((await c.reply(100 + i)).header.status).toBe(MessageStatus.OK);
    c.close();
  });
});

describe('bounds and faults', () => {
  it('answers a packet that claims 16 MiB with an error, closes that client, and no other', async () => {
    const c = await openClient();
    c.socket.write(hex('01000005 20008086 00000001 00000003 00000000 00000007 00000000'));
    const err = errorOf(await c.reply(7));
    expect([err.code, err.domain]).toEqual([39, 7]);
    expect(err.message).toMatch(/packet length 16777221 is outside 28\.\.16777220/);
    expect(await c.closesWithin(3000)).toBe(true);
    await expectBystanderFine();
  });

  it('closes a client whose length word is below 28', async () => {
    const c = await openClient();
    c.socket.write(hex('00000010 20008086 00000001 00000003'));
    expect(await c.closesWithin(3000)).toBe(true);
    await expectBystanderFine();
  });

  it('closes a client that sends garbage', async () => {
    const c = await RawClient.open(srv.port);
    c.socket.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(await c.closesWithin(3000)).toBe(true);
    await expectBystanderFine();
  });

  it('answers a string over its declared maximum with an RPC error and closes that client', async () => {
    const c = await openClient();
    // DOMAIN_LOOKUP_BY_NAME whose name claims 5,000,000 bytes (REMOTE_STRING_MAX is 4,194,304).
    const err = errorOf(await c.call(P.DOMAIN_LOOKUP_BY_NAME, hex('004c4b40 41424344')));
    expect([err.code, err.domain]).toEqual([39, 7]);
    expect(err.message).toMatch(/^Unable to decode message payload: .*exceeds the maximum 4194304/);
    expect(await c.closesWithin(3000)).toBe(true);
    await expectBystanderFine();
  });

  it('survives a client that disconnects mid-call', async () => {
    const c = await openClient();
    for (let i = 0; i < 5; i++) c.send(P.CONNECT_GET_CAPABILITIES);
    c.close();
    await c.closed;
    await expectBystanderFine();
    await new Promise((r) => setTimeout(r, 300));
    await expectBystanderFine();
  });

  it('keeps serving others while a client pipelines calls and never reads the replies', async () => {
    const c = await openClient();
    c.socket.pause();
    const call = encodePacket({
      prog: Program.REMOTE,
      vers: 1,
      proc: P.CONNECT_GET_CAPABILITIES,
      type: 0,
      serial: 0,
      status: 0,
    });
    for (let i = 0; i < 3000; i++) c.socket.write(call);
    const started = Date.now();
    for (let i = 0; i < 5; i++) await expectBystanderFine();
    expect(Date.now() - started).toBeLessThan(2000);
    c.close();
  });

  it('closes a connection beyond max_clients at once', async () => {
    const small = await startTestServer({ maxClients: 1 });
    try {
      const first = await RawClient.open(small.unixPath);
      await first.call(P.AUTH_LIST);
      const second = await RawClient.open(small.unixPath);
      expect(await second.closesWithin(2000)).toBe(true);
      expect((await first.call(P.AUTH_LIST)).header.status).toBe(MessageStatus.OK);
      first.close();
    } finally {
      expect(await small.stop()).toEqual([]);
    }
  });
});

describe('keepalive', () => {
  it('answers PING with PONG', async () => {
    const c = await openClient();
    const ping = {
      prog: Program.KEEPALIVE,
      vers: 1,
      proc: KeepaliveProcedure.PING,
      type: MessageType.MESSAGE,
      serial: 0,
      status: 0,
    };
    c.socket.write(encodePacket(ping));
    const pong = await c.waitFor((p) => p.header.prog === Program.KEEPALIVE);
    expect(pong.header).toEqual({ ...ping, proc: KeepaliveProcedure.PONG });
    c.close();
  });

  it('pings a silent client that asked for keepalive and drops it after keepalive_count pings', async () => {
    const c = await RawClient.open(srv.unixPath);
    await c.call(P.CONNECT_SUPPORTS_FEATURE, encodeArgs(P.CONNECT_SUPPORTS_FEATURE, { feature: 10 }));
    const started = Date.now();
    expect(await c.closesWithin(6000)).toBe(true);
    const pings = c.packets.filter(
      (p) => p.header.prog === Program.KEEPALIVE && p.header.proc === KeepaliveProcedure.PING,
    );
    expect(pings.length).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2500);
    await expectBystanderFine();
  });
});

describe('read-only', () => {
  it('refuses every mutating procedure on the read-only socket with operation-denied', async () => {
    const c = await openClient(srv.roPath);
    for (const [proc, api] of MUTATING_PROCEDURES) {
      const codec = procedureCodecs[proc as KnownProcedure];
      const args = encodeWith(codec.args as never, zeroValue(codec.args.shape) as never);
      const err = errorOf(await c.call(proc, args));
      expect([proc, err.code, err.message]).toEqual([
        proc,
        29,
        `operation forbidden: read only access prevents ${api}`,
      ]);
    }
    expect(
      (
        await c.call(
          P.CONNECT_LIST_ALL_DOMAINS,
          encodeArgs(P.CONNECT_LIST_ALL_DOMAINS, { need_results: 1, flags: 0 }),
        )
      ).header.status,
    ).toBe(0);
    c.close();
  });

  it('treats CONNECT_OPEN with VIR_CONNECT_RO on the read-write socket as read-only', async () => {
    const c = await RawClient.open(srv.unixPath);
    await c.call(P.CONNECT_OPEN, encodeArgs(P.CONNECT_OPEN, { name: 'qemu:///system', flags: 1 }));
    const xml = '<pool type="dir"><name>ro</name><target><path>/nonexistent</path></target></pool>';
    const err = errorOf(
      await c.call(P.STORAGE_POOL_DEFINE_XML, encodeArgs(P.STORAGE_POOL_DEFINE_XML, { xml, flags: 0 })),
    );
    expect(err.code).toBe(29);
    expect((await bystander.listAllStoragePools()).map((p) => p.name)).not.toContain('ro');
    c.close();
  });
});
