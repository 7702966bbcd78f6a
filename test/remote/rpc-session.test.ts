import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { RpcSession } from '../../src/remote/rpc-session.js';
import { buildRemoteError, encodeMessage, remoteError } from '../../src/remote/structs.js';
import { encodeWith } from '../../src/remote/xdr-codec.js';
import { Procedure } from '../../src/remote/protocol.js';
import { startFakePeer, replyTo, type FakePeer, type PeerConn } from './fake-peer.js';
import { hex } from './hex.js';

let fake: FakePeer;
let client: Socket;
let peer: PeerConn;
let warnings: string[];
let session: RpcSession;

beforeEach(async () => {
  fake = await startFakePeer();
  ({ client, peer } = await fake.dial());
  warnings = [];
  session = new RpcSession(client, { timeoutMs: 2000, onWarning: (m) => warnings.push(m) });
});

afterEach(async () => {
  session.close();
  peer.socket.destroy();
  await fake.stop();
});

describe('RpcSession', () => {
  it('numbers calls from serial 0 and sends them as CALL to REMOTE_PROGRAM', async () => {
    const a = session.call(3, Buffer.alloc(0));
    const b = session.call(59, Buffer.alloc(0));
    const first = await peer.next();
    const second = await peer.next();
    expect(first.header).toEqual({ prog: 0x20008086, vers: 1, proc: 3, type: 0, serial: 0, status: 0 });
    expect(second.header.serial).toBe(1);
    peer.send(replyTo(second.header), hex('00000002 6869 0000'));
    peer.send(replyTo(first.header), hex('00000004 54455354'));
    expect(await a).toEqual(hex('00000004 54455354'));
    expect(await b).toEqual(hex('00000002 68690000'));
  });

  it('turns an ERROR reply into a TsvirtError carrying the server message', async () => {
    const p = session.call(23, Buffer.alloc(0));
    const call = await peer.next();
    peer.send(replyTo(call.header, 1), encodeWith(remoteError, buildRemoteError(42, 10, 'no such domain')));
    await expect(p).rejects.toMatchObject({
      code: 'ERR_DOMAIN_NOT_FOUND',
      message: 'no such domain',
      fields: { libvirtCode: 42, libvirtDomain: 10, proc: 23 },
    });
  });

  it('rejects a call with ERR_RPC_TIMEOUT when no reply comes, and warns about a late reply', async () => {
    const p = session.call(7, Buffer.alloc(0), { timeoutMs: 50 });
    const call = await peer.next();
    await expect(p).rejects.toMatchObject({ code: 'ERR_RPC_TIMEOUT', fields: { proc: 7, timeoutMs: 50 } });
    peer.send(replyTo(call.header), Buffer.alloc(0));
    await expect.poll(() => warnings.length).toBe(1);
    expect(warnings[0]).toContain('matches no pending call');
  });

  it('fails every pending call with ERR_CONNECTION_CLOSED when the peer hangs up', async () => {
    const a = session.call(3, Buffer.alloc(0));
    const b = session.call(4, Buffer.alloc(0));
    await peer.next();
    peer.socket.destroy();
    await expect(a).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
    await expect(b).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
    expect(session.closed).toBe(true);
    await expect(session.call(3, Buffer.alloc(0))).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
  });

  it('answers a keepalive PING with a PONG message', async () => {
    peer.send({ prog: 0x6b656570, vers: 1, proc: 1, type: 2, serial: 0, status: 0 });
    const pong = await peer.next();
    expect(pong.header).toEqual({ prog: 0x6b656570, vers: 1, proc: 2, type: 2, serial: 0, status: 0 });
    expect(pong.payload.length).toBe(0);
  });

  it('routes MESSAGE packets to the listeners of their procedure, including between a call and its reply', async () => {
    const got: Buffer[] = [];
    session.onMessage(Procedure.DOMAIN_EVENT_CALLBACK_LIFECYCLE, (payload) => got.push(payload));
    const p = session.call(34, Buffer.alloc(0));
    const call = await peer.next();
    const body = encodeMessage(Procedure.DOMAIN_EVENT_CALLBACK_LIFECYCLE, {
      callbackID: 0,
      dom: { name: 'test', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', id: 1 },
      event: 3,
      detail: 0,
    });
    peer.send({ prog: 0x20008086, vers: 1, proc: 318, type: 2, serial: 1, status: 0 }, body);
    peer.send(replyTo(call.header));
    await p;
    expect(got).toEqual([body]);
  });

  it('warns about a MESSAGE nobody listens to instead of dropping it silently', async () => {
    peer.send({ prog: 0x20008086, vers: 1, proc: 999, type: 2, serial: 0, status: 0 });
    await expect.poll(() => warnings.length).toBe(1);
    expect(warnings[0]).toContain('999');
  });

  it('closes the session on a framing error and reports it to pending calls', async () => {
    const p = session.call(3, Buffer.alloc(0));
    await peer.next();
    peer.socket.write(hex('00000004 00000000'));
    await expect(p).rejects.toMatchObject({ code: 'ERR_RPC_FRAMING' });
    expect(session.closed).toBe(true);
  });

  it('rejects a reply whose procedure differs from the call with that serial', async () => {
    const p = session.call(3, Buffer.alloc(0));
    const call = await peer.next();
    peer.send({ ...replyTo(call.header), proc: 4 });
    await expect(p).rejects.toMatchObject({ code: 'ERR_RPC' });
  });
});
