/**
 * A protocol client that is not libvirt's C library, written here byte by byte: it encodes XDR as some
 * such clients do (a "present" flag that is non-zero but not 1, booleans other than 1, padding left
 * unzeroed), which libvirtd decodes, and so must tsvirtd.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageStatus, Procedure as P } from '../../../src/remote/protocol.js';
import { decodeRet } from '../../../src/remote/structs.js';
import { buildBootSectorXml } from '../../driver/helpers.js';
import { errorOf, RawClient } from './raw-client.js';
import { startTestServer, type TestServer } from './server-fixture.js';

let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer();
});

afterAll(async () => {
  expect(await srv.stop()).toEqual([]);
});

function word(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** An XDR string whose padding bytes are 0xff instead of zero. */
function sloppyString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([word(bytes.length), bytes, Buffer.alloc((4 - (bytes.length % 4)) % 4, 0xff)]);
}

/** The reply's payload, or the server's error message as the failure. */
function okPayload(reply: { header: { status: number }; payload: Buffer }): Buffer {
  if (reply.header.status !== MessageStatus.OK) throw new Error(errorOf(reply as never).message ?? 'error');
  return reply.payload;
}

describe('a protocol client outside libvirt', () => {
  it('opens with a name-present flag of 0x01000000 and runs a domain through define, autostart and undefine', async () => {
    const c = await RawClient.open(srv.port);
    // CONNECT_OPEN: remote_string name (present flag 0x01000000), uint flags.
    okPayload(
      await c.call(
        P.CONNECT_OPEN,
        Buffer.concat([word(0x01000000), sloppyString('qemu:///system'), word(0)]),
      ),
    );
    expect(decodeRet(P.CONNECT_GET_TYPE, okPayload(await c.call(P.CONNECT_GET_TYPE)))).toEqual({
      type: 'QEMU',
    });

    const xml = buildBootSectorXml('indep1', `${srv.root}/indep1.img`);
    const defined = decodeRet(
      P.DOMAIN_DEFINE_XML,
      okPayload(await c.call(P.DOMAIN_DEFINE_XML, sloppyString(xml))),
    );
    expect(defined.dom.name).toBe('indep1');
    const dom = Buffer.concat([
      sloppyString('indep1'),
      Buffer.from(defined.dom.uuid.replaceAll('-', ''), 'hex'),
      word(defined.dom.id),
    ]);
    // remote_domain_set_autostart_args: int autostart, any non-zero being true.
    okPayload(await c.call(P.DOMAIN_SET_AUTOSTART, Buffer.concat([dom, word(0x100)])));
    expect(decodeRet(P.DOMAIN_GET_AUTOSTART, okPayload(await c.call(P.DOMAIN_GET_AUTOSTART, dom)))).toEqual({
      autostart: true,
    });
    okPayload(await c.call(P.DOMAIN_UNDEFINE, dom));
    const gone = await c.call(P.DOMAIN_LOOKUP_BY_NAME, sloppyString('indep1'));
    expect(gone.header.status).toBe(MessageStatus.ERROR);
    expect(errorOf(gone).message).toContain("no domain with matching name 'indep1'");
    c.close();
  });

  it('is answered when bytes follow the arguments of a call, which libvirtd never reads', async () => {
    const c = await RawClient.open(srv.port);
    okPayload(
      await c.call(P.CONNECT_OPEN, Buffer.concat([word(1), sloppyString(''), word(0), word(0xdeadbeef)])),
    );
    const reply = await c.call(P.CONNECT_GET_TYPE, Buffer.from([1, 2, 3, 4, 5, 6]));
    expect(decodeRet(P.CONNECT_GET_TYPE, okPayload(reply))).toEqual({ type: 'QEMU' });
    expect(await c.closesWithin(300)).toBe(false);
    c.close();
  });

  it('still refuses what libvirtd refuses: a string cut short is a broken peer', async () => {
    const c = await RawClient.open(srv.port);
    const reply = await c.call(P.CONNECT_OPEN, Buffer.concat([word(1), word(14), Buffer.from('qemu:')]));
    expect(reply.header.status).toBe(MessageStatus.ERROR);
    expect(await c.closesWithin(2_000)).toBe(true);
  });
});
