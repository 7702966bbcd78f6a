import { describe, expect, it } from 'vitest';
import { callHeader, decodePacket } from '../../../src/remote/packet.js';
import { Limit, MAX_PACKET_BYTES, MessageStatus, MessageType } from '../../../src/remote/protocol.js';
import { encodeErrorPacket, encodeOkPacket } from '../../../src/remote/server/replies.js';
import {
  buildRemoteError,
  capErrorText,
  ERROR_MESSAGE_MAX_BYTES,
  remoteError,
} from '../../../src/remote/structs-common.js';
import { decodeWith } from '../../../src/remote/xdr-codec.js';
import { hex } from '../hex.js';

const HEADER = callHeader(23, 9);

function errorIn(bytes: Buffer) {
  const packet = decodePacket(bytes);
  expect(packet.header.status).toBe(MessageStatus.ERROR);
  return decodeWith(remoteError, packet.payload);
}

describe('capErrorText', () => {
  it('keeps a message of 1024 bytes as it is', () => {
    const text = 'é'.repeat(512);
    expect(capErrorText(text)).toBe(text);
  });

  it("cuts a longer one to libvirt's 1024 bytes, ending in ... on a character boundary", () => {
    // 0xff bytes decoded as UTF-8 become U+FFFD, three bytes each: the cut falls inside one.
    const text = `no domain with matching name '${Buffer.alloc(Limit.STRING_MAX, 0xff).toString('utf8')}'`;
    const capped = capErrorText(text);
    expect(Buffer.byteLength(capped)).toBeLessThanOrEqual(ERROR_MESSAGE_MAX_BYTES);
    expect(capped.startsWith("no domain with matching name '\ufffd")).toBe(true);
    expect(capped.endsWith('\ufffd...')).toBe(true);
    expect(text.startsWith(capped.slice(0, -3))).toBe(true);
  });

  it('never splits a character: a two-byte one at the cut is left out whole', () => {
    expect(capErrorText('é'.repeat(2000))).toBe(`${'é'.repeat(510)}...`);
  });

  it('caps message and str2 of every remote_error built', () => {
    const err = buildRemoteError(42, 10, 'x'.repeat(100_000));
    expect(err.message).toBe(`${'x'.repeat(1021)}...`);
    expect(err.str2).toBe(err.message);
  });
});

describe('reply packets', () => {
  it('encodes an OK reply with its payload', () => {
    expect(encodeOkPacket(HEADER, hex('00000001'))).toEqual(
      hex(`00000020 20008086 00000001 00000017 | 00000001 00000009 00000000 | 00000001`),
    );
  });

  it("turns a ret over libvirt's 16 MiB packet limit into a short RPC error for the same serial", () => {
    const bytes = encodeOkPacket(HEADER, Buffer.alloc(MAX_PACKET_BYTES));
    expect(bytes.length).toBeLessThan(1024);
    const packet = decodePacket(bytes);
    expect(packet.header).toMatchObject({ serial: 9, proc: 23, type: MessageType.REPLY });
    const err = errorIn(bytes);
    expect([err.code, err.domain]).toEqual([39, 7]);
    expect(err.message).toMatch(
      /^the reply to procedure 23 cannot be encoded: packet for procedure 23 is \d+ bytes, over libvirt's limit/,
    );
  });

  it('caps an error body built elsewhere, in all its strings, so the reply stays short', () => {
    const long = '\u0000\u001b[2J'.repeat(2_000_000);
    const body = { ...buildRemoteError(1, 0, 'x'), message: long, str1: long, str2: long, str3: long };
    const bytes = encodeErrorPacket(HEADER, body);
    expect(bytes.length).toBeLessThan(4 * ERROR_MESSAGE_MAX_BYTES + 200);
    const err = errorIn(bytes);
    for (const s of [err.message, err.str1, err.str2, err.str3])
      expect(Buffer.byteLength(s ?? '')).toBeLessThanOrEqual(ERROR_MESSAGE_MAX_BYTES);
  });

  it('sends a stream error as a STREAM packet', () => {
    const bytes = encodeErrorPacket(HEADER, buildRemoteError(1, 0, 'gone'), MessageType.STREAM);
    expect(decodePacket(bytes).header.type).toBe(MessageType.STREAM);
    expect(errorIn(bytes).message).toBe('gone');
  });
});
