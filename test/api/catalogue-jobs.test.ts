/** Codec fixtures of the job procedures: DOMAIN_GET_JOB_INFO, DOMAIN_GET_JOB_STATS and DOMAIN_ABORT_JOB. */
import { describe, expect, it } from 'vitest';
import { entryOf } from '../../src/api/catalogue/index.js';
import { Procedure } from '../../src/api/catalogue/procedure-numbers.js';
import { decodeRet, encodeArgs, encodeRet } from '../../src/remote/structs.js';
import { fromWireTypedParams, toWireTypedParams } from '../../src/remote/typed-params.js';
import { hex } from '../remote/hex.js';

const dom = { name: 'j1', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', id: 3 };
const domBytes = `
  00000002 6a310000                   # name "j1"
  6695eb01 f6a48304 79aa97f2 502e193f # uuid
  00000003                            # id 3
`;

describe('job procedure codecs', () => {
  it('numbers them as remote_protocol.x does, with their read-only rules', () => {
    expect([
      Procedure.DOMAIN_GET_JOB_INFO,
      Procedure.DOMAIN_ABORT_JOB,
      Procedure.DOMAIN_GET_JOB_STATS,
    ]).toEqual([163, 164, 298]);
    expect(entryOf(163)?.access).toBe('read');
    expect(entryOf(298)?.access).toBe('read');
    expect(entryOf(164)?.access).toBe('write');
  });

  it('encodes DOMAIN_GET_JOB_INFO ret as an int type and eleven uhypers, in libvirt order', () => {
    const ret = {
      type: 1,
      timeElapsed: 1500n,
      timeRemaining: 500n,
      dataTotal: 0x100000000n,
      dataProcessed: 2n,
      dataRemaining: 3n,
      memTotal: 4n,
      memProcessed: 5n,
      memRemaining: 6n,
      fileTotal: 7n,
      fileProcessed: 8n,
      fileRemaining: 9n,
    };
    const bytes = hex(`
      00000001                            # type BOUNDED
      00000000 000005dc | 00000000 000001f4 # timeElapsed 1500, timeRemaining 500 (ms)
      00000001 00000000 | 00000000 00000002 | 00000000 00000003 # data total, processed, remaining
      00000000 00000004 | 00000000 00000005 | 00000000 00000006 # mem total, processed, remaining
      00000000 00000007 | 00000000 00000008 | 00000000 00000009 # file total, processed, remaining
    `);
    expect(encodeRet(Procedure.DOMAIN_GET_JOB_INFO, ret)).toEqual(bytes);
    expect(decodeRet(Procedure.DOMAIN_GET_JOB_INFO, bytes)).toEqual(ret);
  });

  it('encodes DOMAIN_GET_JOB_STATS args as dom and flags, and its ret as type and typed params', () => {
    expect(encodeArgs(Procedure.DOMAIN_GET_JOB_STATS, { dom, flags: 3 })).toEqual(
      hex(`${domBytes} 00000003 # flags COMPLETED | KEEP_COMPLETED`),
    );
    const params = [
      { name: 'operation', type: 'int', value: 9 },
      { name: 'time_elapsed', type: 'ullong', value: 20n },
      { name: 'success', type: 'boolean', value: false },
      { name: 'errmsg', type: 'string', value: 'x' },
    ] as const;
    const bytes = hex(`
      00000005                            # type CANCELLED
      00000004                            # 4 params
      00000009 6f706572 6174696f 6e000000 # "operation"
      00000001 00000009                   # INT 9 (BACKUP)
      0000000c 74696d65 5f656c61 70736564 # "time_elapsed"
      00000004 00000000 00000014          # ULLONG 20
      00000007 73756363 65737300          # "success"
      00000006 00000000                   # BOOLEAN false
      00000006 6572726d 73670000          # "errmsg"
      00000007 00000001 78000000          # STRING "x"
    `);
    const wire = { type: 5, params: toWireTypedParams([...params]) };
    expect(encodeRet(Procedure.DOMAIN_GET_JOB_STATS, wire)).toEqual(bytes);
    const back = decodeRet(Procedure.DOMAIN_GET_JOB_STATS, bytes) as typeof wire;
    expect(fromWireTypedParams(back.params)).toEqual(params);
  });

  it('rejects a DOMAIN_GET_JOB_STATS ret of more than REMOTE_DOMAIN_JOB_STATS_MAX (64) params', () => {
    expect(() => decodeRet(Procedure.DOMAIN_GET_JOB_STATS, hex('00000000 00000041'))).toThrow(
      expect.objectContaining({ code: 'ERR_RPC', fields: expect.objectContaining({ field: 'params' }) }),
    );
  });

  it('encodes DOMAIN_ABORT_JOB args as the domain alone', () => {
    expect(encodeArgs(Procedure.DOMAIN_ABORT_JOB, { dom })).toEqual(hex(domBytes));
  });
});
