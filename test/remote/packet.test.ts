import { describe, expect, it } from 'vitest';
import { decodePacket, encodePacket, PacketDecoder, type Packet } from '../../src/remote/packet.js';
import { MAX_PACKET_BYTES, Procedure } from '../../src/remote/protocol.js';
import { decodeRet, remoteError } from '../../src/remote/structs.js';
import { decodeWith } from '../../src/remote/xdr-codec.js';
import { isTsvirtError } from '../../src/errors.js';
import { hex } from './hex.js';

/** libvirtd's reply to an unknown procedure (reference §1), serial 5. */
const UNKNOWN_PROC_REPLY = hex(`
  00000088                            # length 136, counting this word
  20008086 00000001                   # prog REMOTE, vers 1
  0000270f 00000001                   # proc 9999, type REPLY
  00000005 00000001                   # serial 5, status ERROR
  00000027 00000007                   # code 39 (VIR_ERR_RPC), domain 7 (VIR_FROM_RPC)
  00000001 00000017                   # message present, 23 bytes
  756e6b6e 6f776e20 70726f63 65647572 # "unknown procedur"
  653a2039 39393900                   # "e: 9999" + 1 byte padding
  00000002                            # level ERROR
  00000000                            # dom NULL
  00000001 00000002 25730000          # str1 "%s"
  00000001 00000017                   # str2 present, 23 bytes
  756e6b6e 6f776e20 70726f63 65647572
  653a2039 39393900
  00000000                            # str3 NULL
  ffffffff ffffffff                   # int1 -1, int2 -1
  00000000                            # net NULL
`);

/** DOMAIN_GET_VCPUS reply for 2 vCPUs and 8 host CPUs (reference §5.2, vcpuinfo). */
const VCPUINFO_REPLY = hex(`
  00000050                            # length 80
  20008086 00000001 00000014 00000001 # prog, vers, proc 20, REPLY
  00000009 00000000                   # serial 9, status OK
  00000002                            # info<> count 2
  00000000 00000001                   # number 0, state RUNNING
  00000000 3b9aca00                   # cpu_time 1e9 ns
  0000000f                            # cpu 15
  00000001 00000001                   # number 1, state RUNNING
  00000000 77359400                   # cpu_time 2e9 ns
  0000000f                            # cpu 15
  00000002 ffff0000                   # cpumaps: 2 bytes, padded
`);

function feedSplit(bytes: Buffer, at: number): Packet[] {
  const d = new PacketDecoder();
  const out = [...d.push(bytes.subarray(0, at)), ...d.push(bytes.subarray(at))];
  expect(d.pendingBytes).toBe(0);
  return out;
}

describe('PacketDecoder', () => {
  it('decodes the unknown-procedure error reply split at every byte offset', () => {
    for (let at = 0; at <= UNKNOWN_PROC_REPLY.length; at++) {
      const packets = feedSplit(UNKNOWN_PROC_REPLY, at);
      expect(packets).toHaveLength(1);
      const [p] = packets as [Packet];
      expect(p.header).toEqual({ prog: 0x20008086, vers: 1, proc: 9999, type: 1, serial: 5, status: 1 });
      expect(decodeWith(remoteError, p.payload)).toEqual({
        code: 39,
        domain: 7,
        message: 'unknown procedure: 9999',
        level: 2,
        dom: null,
        str1: '%s',
        str2: 'unknown procedure: 9999',
        str3: null,
        int1: -1,
        int2: -1,
        net: null,
      });
    }
  });

  it('decodes the vcpuinfo reply split at every byte offset', () => {
    for (let at = 0; at <= VCPUINFO_REPLY.length; at++) {
      const [p] = feedSplit(VCPUINFO_REPLY, at) as [Packet];
      const ret = decodeRet(Procedure.DOMAIN_GET_VCPUS, p.payload);
      expect(ret.info).toEqual([
        { number: 0, state: 1, cpu_time: 1_000_000_000n, cpu: 15 },
        { number: 1, state: 1, cpu_time: 2_000_000_000n, cpu: 15 },
      ]);
      expect(ret.cpumaps).toEqual(Buffer.from([0xff, 0xff]));
    }
  });

  it('decodes packets fed one byte at a time, and several packets in one chunk', () => {
    const both = Buffer.concat([UNKNOWN_PROC_REPLY, VCPUINFO_REPLY]);
    const d = new PacketDecoder();
    const slow: Packet[] = [];
    for (const b of both) slow.push(...d.push(Buffer.from([b])));
    expect(slow.map((p) => p.header.serial)).toEqual([5, 9]);
    expect(new PacketDecoder().push(both).map((p) => p.header.proc)).toEqual([9999, 20]);
  });

  it('accepts an empty body of exactly 28 bytes', () => {
    const bytes = encodePacket({ prog: 0x6b656570, vers: 1, proc: 1, type: 2, serial: 0, status: 0 });
    expect(bytes).toEqual(hex('0000001c 6b656570 00000001 00000001 00000002 00000000 00000000'));
    expect(new PacketDecoder().push(bytes)[0]?.payload.length).toBe(0);
  });

  it('rejects a length word under 28 with a framing error, and keeps rejecting', () => {
    const d = new PacketDecoder();
    expect(() => d.push(hex('0000001b 00000000'))).toThrow(
      expect.objectContaining({ code: 'ERR_RPC_FRAMING' }),
    );
    expect(() => d.push(UNKNOWN_PROC_REPLY)).toThrow(expect.objectContaining({ code: 'ERR_RPC_FRAMING' }));
  });

  it('rejects a length word over 16 MiB + 4 as soon as the word is complete', () => {
    const d = new PacketDecoder();
    expect(d.push(hex('0100'))).toEqual([]);
    try {
      d.push(hex('0005'));
      expect.unreachable();
    } catch (err) {
      expect(isTsvirtError(err, 'ERR_RPC_FRAMING')).toBe(true);
      expect((err as { fields: unknown }).fields).toMatchObject({ value: MAX_PACKET_BYTES + 1 });
    }
  });

  it('accepts a length word of exactly 16 MiB + 4 and waits for the bytes', () => {
    const d = new PacketDecoder();
    const word = Buffer.alloc(4);
    word.writeUInt32BE(MAX_PACKET_BYTES);
    expect(d.push(word)).toEqual([]);
    expect(d.pendingBytes).toBe(4);
  });

  it('rejects a length word over a lower limit, naming whose limit it is, and takes more once raised', () => {
    const d = new PacketDecoder();
    d.setMaxPacketBytes(65_536, 'the limit before CONNECT_OPEN');
    expect(() => d.push(hex('00010001 20008086'))).toThrow(
      /packet length 65537 is outside 28\.\.65536, over the limit before CONNECT_OPEN of 65536 bytes/,
    );
    const raised = new PacketDecoder();
    raised.setMaxPacketBytes(65_536, 'the limit before CONNECT_OPEN');
    raised.setMaxPacketBytes(MAX_PACKET_BYTES * 2, "libvirt's limit");
    expect(raised.push(hex('00010001'))).toEqual([]);
    expect(() => new PacketDecoder().push(hex('01000005'))).toThrow(/outside 28\.\.16777220, so the peer/);
  });

  it('forgets the bytes it held once discarded', () => {
    const d = new PacketDecoder();
    expect(d.push(VCPUINFO_REPLY.subarray(0, 50))).toEqual([]);
    d.discard();
    expect(d.pendingBytes).toBe(0);
    expect(d.push(VCPUINFO_REPLY).map((p) => p.header.serial)).toEqual([9]);
  });

  it('treats ASCII garbage as a framing error', () => {
    expect(() => new PacketDecoder().push(Buffer.from('GET / HTTP/1.1\r\n'))).toThrow(
      expect.objectContaining({ code: 'ERR_RPC_FRAMING' }),
    );
  });

  it('holds a truncated packet without emitting it', () => {
    const d = new PacketDecoder();
    expect(d.push(VCPUINFO_REPLY.subarray(0, 50))).toEqual([]);
    expect(d.pendingBytes).toBe(50);
  });
});

describe('encodePacket / decodePacket', () => {
  it('round-trips a header with a high serial and a negative status field', () => {
    const header = { prog: 0x20008086, vers: 1, proc: 273, type: 0, serial: 0xfffffffe, status: 0 };
    const p = decodePacket(encodePacket(header, hex('00000001 00000003')));
    expect(p.header).toEqual(header);
    expect(p.payload).toEqual(hex('00000001 00000003'));
  });

  it('refuses a payload that would exceed the 16 MiB limit', () => {
    const header = { prog: 0x20008086, vers: 1, proc: 7, type: 1, serial: 0, status: 0 };
    expect(() => encodePacket(header, Buffer.alloc(16 * 1024 * 1024))).toThrow(
      expect.objectContaining({ code: 'ERR_RPC' }),
    );
  });

  it('rejects a whole-packet buffer whose length word disagrees with its size', () => {
    expect(() => decodePacket(UNKNOWN_PROC_REPLY.subarray(0, 120))).toThrow(
      expect.objectContaining({ code: 'ERR_RPC' }),
    );
  });
});

describe('PacketDecoder after a CALL_WITH_FDS', () => {
  it('drops the one byte per descriptor that follows the packet, at every split of the stream', () => {
    const header = { prog: 0x20008086, vers: 1, proc: 249, type: 4, serial: 7, status: 0 };
    // numFDs = 2, then the args; then two descriptor bytes; then a plain CALL.
    const withFds = encodePacket(header, hex('00000002 00000000'));
    const next = encodePacket({ ...header, proc: 3, type: 0, serial: 8 });
    const stream = Buffer.concat([withFds, Buffer.from([0, 0]), next]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new PacketDecoder();
      const got = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
      expect(got.map((p) => [p.header.type, p.header.serial])).toEqual([
        [4, 7],
        [0, 8],
      ]);
      expect(d.pendingBytes).toBe(0);
    }
  });
});
