/** RemoteConnection against a scripted fake server: the handshake order and fault handling. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RemoteConnection } from '../../src/remote/remote-connection.js';
import { RpcSession } from '../../src/remote/rpc-session.js';
import {
  buildRemoteError,
  decodeArgs,
  encodeMessage,
  encodeRet,
  remoteError,
  type KnownProcedure,
} from '../../src/remote/structs.js';
import { encodeWith } from '../../src/remote/xdr-codec.js';
import { Procedure } from '../../src/remote/protocol.js';
import type { DomainLifecycleEvent } from '../../src/connection.js';
import { encodePacket } from '../../src/remote/packet.js';
import { replyTo, startFakePeer, type FakePeer, type PeerConn } from './fake-peer.js';

let fake: FakePeer;
let peer: PeerConn;
let session: RpcSession;
let warnings: string[];

beforeEach(async () => {
  fake = await startFakePeer();
  const dialed = await fake.dial();
  peer = dialed.peer;
  warnings = [];
  session = new RpcSession(dialed.client, { timeoutMs: 2000, onWarning: (m) => warnings.push(m) });
});

afterEach(async () => {
  session.close();
  peer.socket.destroy();
  await fake.stop();
});

function open(): Promise<RemoteConnection> {
  return RemoteConnection.open(session, {
    uri: 'qemu+unix:///system',
    name: 'qemu:///system',
    onWarning: (m) => warnings.push(m),
  });
}

/** Answers the next call, which must be `proc`, with `ret` (or an error), and returns its payload. */
async function answer(proc: number, ret: Buffer, status = 0): Promise<Buffer> {
  const call = await peer.next();
  expect(call.header.proc).toBe(proc);
  peer.send(replyTo(call.header, status), ret);
  return call.payload;
}

const ok = (proc: KnownProcedure, value: unknown) => encodeRet(proc, value as never);

async function handshake(features: { keepalive: boolean; events: boolean }): Promise<RemoteConnection> {
  const pending = open();
  await answer(Procedure.AUTH_LIST, ok(Procedure.AUTH_LIST, { types: [0] }));
  await answer(
    Procedure.CONNECT_SUPPORTS_FEATURE,
    ok(Procedure.CONNECT_SUPPORTS_FEATURE, { supported: features.keepalive }),
  );
  const openArgs = await answer(Procedure.CONNECT_OPEN, Buffer.alloc(0));
  expect(decodeArgs(Procedure.CONNECT_OPEN, openArgs)).toEqual({ name: 'qemu:///system', flags: 0 });
  await answer(
    Procedure.CONNECT_SUPPORTS_FEATURE,
    ok(Procedure.CONNECT_SUPPORTS_FEATURE, { supported: features.events }),
  );
  return pending;
}

describe('RemoteConnection handshake', () => {
  it('sends AUTH_LIST, SUPPORTS_FEATURE(10), CONNECT_OPEN, SUPPORTS_FEATURE(14) with serials 0..3', async () => {
    await handshake({ keepalive: true, events: true });
    const sent = peer.received.map((p) => [p.header.serial, p.header.proc]);
    expect(sent).toEqual([
      [0, 66],
      [1, 60],
      [2, 1],
      [3, 60],
    ]);
    expect(decodeArgs(Procedure.CONNECT_SUPPORTS_FEATURE, peer.received[1]!.payload)).toEqual({
      feature: 10,
    });
    expect(decodeArgs(Procedure.CONNECT_SUPPORTS_FEATURE, peer.received[3]!.payload)).toEqual({
      feature: 14,
    });
  });

  it('tolerates AUTH_LIST and SUPPORTS_FEATURE errors, as virsh does', async () => {
    const pending = open();
    const err = encodeWith(remoteError, buildRemoteError(39, 7, 'unknown procedure: 66'));
    await answer(Procedure.AUTH_LIST, err, 1);
    await answer(Procedure.CONNECT_SUPPORTS_FEATURE, err, 1);
    await answer(Procedure.CONNECT_OPEN, Buffer.alloc(0));
    await answer(Procedure.CONNECT_SUPPORTS_FEATURE, err, 1);
    const conn = await pending;
    await expect(conn.onDomainLifecycle(() => undefined)).rejects.toMatchObject({
      code: 'ERR_NOT_SUPPORTED',
    });
  });

  it('fails with ERR_AUTH_FAILED when the server offers only SASL, and closes the session', async () => {
    const pending = open();
    await answer(Procedure.AUTH_LIST, ok(Procedure.AUTH_LIST, { types: [1] }));
    await expect(pending).rejects.toMatchObject({ code: 'ERR_AUTH_FAILED' });
    expect(session.closed).toBe(true);
  });

  it('fails with the server error when CONNECT_OPEN is refused', async () => {
    const pending = open();
    await answer(Procedure.AUTH_LIST, ok(Procedure.AUTH_LIST, { types: [0] }));
    await answer(
      Procedure.CONNECT_SUPPORTS_FEATURE,
      ok(Procedure.CONNECT_SUPPORTS_FEATURE, { supported: true }),
    );
    const err = encodeWith(remoteError, buildRemoteError(38, 10, 'Failed to connect socket'));
    await answer(Procedure.CONNECT_OPEN, err, 1);
    await expect(pending).rejects.toMatchObject({ code: 'ERR_IO', message: 'Failed to connect socket' });
    expect(session.closed).toBe(true);
  });
});

describe('RemoteConnection events', () => {
  it('delivers an event that arrives in the same read as the registration reply', async () => {
    const conn = await handshake({ keepalive: true, events: true });
    const events: DomainLifecycleEvent[] = [];
    const sub = conn.onDomainLifecycle((ev) => events.push(ev));
    const call = await peer.next();
    expect(call.header.proc).toBe(316);
    expect(decodeArgs(Procedure.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, call.payload)).toEqual({
      eventID: 0,
      dom: null,
    });
    const dom = { name: 'vm1', uuid: '00000000-0000-0000-0000-000000000001', id: 3 };
    const reply = encodePacket(
      replyTo(call.header),
      ok(Procedure.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, { callbackID: 7 }),
    );
    const event = encodePacket(
      { prog: 0x20008086, vers: 1, proc: 318, type: 2, serial: 0, status: 0 },
      encodeMessage(Procedure.DOMAIN_EVENT_CALLBACK_LIFECYCLE, { callbackID: 7, dom, event: 2, detail: 0 }),
    );
    peer.socket.write(Buffer.concat([reply, event]));
    const subscription = await sub;
    await expect.poll(() => events.length).toBe(1);
    expect(events[0]).toEqual({ dom, event: 2, detail: 0 });
    subscription.unsubscribe();
    const dereg = await peer.next();
    expect(dereg.header.proc).toBe(317);
    expect(decodeArgs(Procedure.CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY, dereg.payload)).toEqual({
      callbackID: 7,
    });
    expect(warnings).toEqual([]);
  });

  it('sends CONNECT_CLOSE on close and then fails further calls', async () => {
    const conn = await handshake({ keepalive: true, events: true });
    const closing = conn.close();
    await answer(Procedure.CONNECT_CLOSE, Buffer.alloc(0));
    await closing;
    await expect(conn.getType()).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
  });
});
