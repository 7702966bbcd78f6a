import { describe, expect, it } from 'vitest';
import {
  decodeArgs,
  decodeMessage,
  decodeRet,
  encodeArgs,
  encodeMessage,
  encodeRet,
  messageCodecs,
  procedureCodecs,
  type KnownMessage,
  type KnownProcedure,
} from '../../src/remote/structs.js';
import { Procedure } from '../../src/remote/protocol.js';
import { decodeWith, encodeWith, type Codec, type CodecShape } from '../../src/remote/xdr-codec.js';
import { hex } from './hex.js';

/** A value for a codec shape; `variant` flips optionals between NULL and present. */
function sample(shape: CodecShape, variant: number): unknown {
  switch (shape.kind) {
    case 'void':
      return undefined;
    case 'int':
      return -7;
    case 'uint':
      return 0xfffffff0;
    case 'hyper':
      return -(2n ** 40n);
    case 'uhyper':
      return 2n ** 63n + 5n;
    case 'double':
      return -0.15625;
    case 'union': {
      const [tag, arm] = shape.arms[variant % shape.arms.length] ?? [0, { kind: 'void' as const }];
      return { tag, value: sample(arm, variant) };
    }
    case 'intBool':
      return true;
    case 'uuid':
      return '6695eb01-f6a4-8304-79aa-97f2502e193f';
    case 'string':
      return 'naïve vm'; // 9 UTF-8 bytes: needs padding
    case 'charFixed':
    case 'charVar':
      return 'testSecurity';
    case 'opaque':
      return Buffer.from([1, 2, 3]);
    case 'optional':
      return variant % 2 === 0 ? null : sample(shape.of, variant);
    case 'array':
      return [sample(shape.of, variant), sample(shape.of, variant + 1)];
    case 'struct':
      return Object.fromEntries(shape.fields.map(([k, s]) => [k, sample(s, variant)]));
  }
}

function roundTrip(codec: Codec<unknown>): void {
  for (const variant of [0, 1]) {
    const value = sample(codec.shape, variant);
    const bytes = encodeWith(codec, value);
    expect(bytes.length % 4).toBe(0);
    expect(decodeWith(codec, bytes)).toEqual(value);
    expect(encodeWith(codec, decodeWith(codec, bytes))).toEqual(bytes);
  }
}

const procs = Object.keys(procedureCodecs).map(Number) as KnownProcedure[];

describe('procedure codecs', () => {
  it.each(procs)('round-trips the args and ret of procedure %i', (proc) => {
    const { args, ret } = procedureCodecs[proc] as { args: Codec<unknown>; ret: Codec<unknown> };
    roundTrip(args);
    roundTrip(ret);
  });

  it.each(Object.keys(messageCodecs).map(Number) as KnownMessage[])('round-trips message %i', (proc) => {
    roundTrip(messageCodecs[proc] as Codec<unknown>);
  });

  it('covers every call procedure the Connection interface needs', () => {
    expect(procs.length).toBeGreaterThanOrEqual(80);
  });

  it('encodes CONNECT_OPEN args as virsh sends them for qemu:///system', () => {
    const bytes = encodeArgs(Procedure.CONNECT_OPEN, { name: 'qemu:///system', flags: 0 });
    expect(bytes).toEqual(hex('00000001 0000000e 71656d75 3a2f2f2f 73797374 656d0000 00000000'));
    expect(decodeArgs(Procedure.CONNECT_OPEN, bytes)).toEqual({ name: 'qemu:///system', flags: 0 });
  });

  it('decodes AUTH_LIST [NONE] as libvirtd sends it', () => {
    expect(decodeRet(Procedure.AUTH_LIST, hex('00000001 00000000'))).toEqual({ types: [0] });
  });

  it('encodes the register-any args with a NULL domain as two zero words', () => {
    const bytes = encodeArgs(Procedure.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, { eventID: 0, dom: null });
    expect(bytes).toEqual(hex('00000000 00000000'));
  });

  it('decodes the suspend lifecycle event libvirtd sent for domain "test"', () => {
    const payload = hex(`
      00000000                            # callbackID 0
      00000004 74657374                   # name "test"
      6695eb01 f6a48304 79aa97f2 502e193f # uuid
      00000001                            # id 1
      00000003 00000000                   # event SUSPENDED, detail PAUSED
    `);
    const msg = decodeMessage(Procedure.DOMAIN_EVENT_CALLBACK_LIFECYCLE, payload);
    expect(msg).toEqual({
      callbackID: 0,
      dom: { name: 'test', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', id: 1 },
      event: 3,
      detail: 0,
    });
    expect(encodeMessage(Procedure.DOMAIN_EVENT_CALLBACK_LIFECYCLE, msg)).toEqual(payload);
  });

  it('encodes NODE_GET_INFO ret with the model as 32 units, then memory and six ints', () => {
    const info = {
      model: 'x86_64',
      memoryKiB: 3145728n,
      cpus: 2,
      mhz: 1400,
      nodes: 1,
      sockets: 1,
      cores: 2,
      threads: 1,
    };
    const bytes = encodeRet(Procedure.NODE_GET_INFO, info);
    expect(bytes.length).toBe(128 + 8 + 6 * 4);
    expect(bytes.subarray(128)).toEqual(
      hex('00000000 00300000 | 00000002 00000578 00000001 00000001 00000002 00000001'),
    );
    expect(decodeRet(Procedure.NODE_GET_INFO, bytes)).toEqual(info);
  });

  it('encodes DOMAIN_GET_INFO ret with 4-byte state and nrVirtCpu', () => {
    const ret = { state: 1, maxMemKiB: 1024n, memoryKiB: 512n, nrVirtCpu: 2, cpuTimeNs: 7n };
    expect(encodeRet(Procedure.DOMAIN_GET_INFO, ret)).toEqual(
      hex('00000001 | 00000000 00000400 | 00000000 00000200 | 00000002 | 00000000 00000007'),
    );
  });

  it('rejects a domain list longer than REMOTE_DOMAIN_LIST_MAX', () => {
    expect(() => decodeRet(Procedure.CONNECT_LIST_ALL_DOMAINS, hex('00004001'))).toThrow(
      expect.objectContaining({ code: 'ERR_RPC', fields: expect.objectContaining({ field: 'domains' }) }),
    );
  });

  it('rejects a truncated domain ref inside a ret, naming the field path', () => {
    const bytes = hex('00000004 74657374 6695eb01');
    expect(() => decodeRet(Procedure.DOMAIN_LOOKUP_BY_NAME, bytes)).toThrow(
      expect.objectContaining({ fields: expect.objectContaining({ field: 'dom.uuid' }) }),
    );
  });
});
