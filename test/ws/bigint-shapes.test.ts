/** The WebSocket client's bigint revival for the typed-parameter shape of domain.getJobStats. */
import { describe, expect, it } from 'vitest';
import { METHODS, replaceBigint, reviveBigints } from '../../src/ws/methods.js';

describe('typed-parameter bigints over the WebSocket API', () => {
  it('revives the llong and ullong values of the list and leaves the other types as they came', () => {
    const result = {
      type: 1,
      params: [
        { name: 'operation', type: 'int', value: 9 },
        { name: 'time_elapsed', type: 'ullong', value: 18446744073709551615n },
        { name: 'delta', type: 'llong', value: -5n },
        { name: 'success', type: 'boolean', value: true },
        { name: 'errmsg', type: 'string', value: '12' },
      ],
    };
    const shape = METHODS['domain.getJobStats']?.bigints;
    expect(shape).toEqual({ typedParams: 'params' });
    const json: unknown = JSON.parse(JSON.stringify(result, replaceBigint));
    expect(reviveBigints(json, shape)).toEqual(result);
  });

  it('offers the job methods, with domain.getJobInfo revived field by field', () => {
    expect(METHODS['domain.abortJob']?.call).toBe('domainAbortJob');
    const info = { type: 0, timeElapsed: '0', fileRemaining: '7' };
    expect(reviveBigints(info, METHODS['domain.getJobInfo']?.bigints)).toEqual({
      type: 0,
      timeElapsed: 0n,
      fileRemaining: 7n,
    });
  });
});
