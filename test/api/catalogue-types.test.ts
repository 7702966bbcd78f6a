/**
 * The catalogue's bindings are checked against the Connection interface when tsvirt compiles: each
 * `@ts-expect-error` below is a binding that must not compile (`npx tsc --noEmit -p .` fails when one
 * does). At run time the test only checks that the well-typed binding builds.
 */
import { describe, expect, it } from 'vitest';
import { bound, served } from '../../src/api/catalogue/bind.js';
import { domArgs, domFlagsArgs, domRet, remoteDomain } from '../../src/remote/structs-common.js';
import { xdrNonnullString, xdrStruct, xdrVoid } from '../../src/remote/xdr-codec.js';

const domNameArgs = xdrStruct({ dom: remoteDomain, flags: xdrNonnullString });
const base = { api: 'virDomainReboot', access: 'write' } as const;

describe('catalogue bindings', () => {
  it('builds a binding whose params and result fit the method', () => {
    const ok = bound(27, {
      ...base,
      args: domFlagsArgs,
      ret: xdrVoid,
      method: 'domainReboot',
      params: ['dom', 'flags'],
      result: 'void',
    });
    expect([ok.proc, ok.method, ok.client?.unlessGiven]).toEqual([27, 'domainReboot', undefined]);
  });

  it('refuses bindings that do not fit the Connection method (compile-time)', () => {
    // A params list that leaves out a parameter the method takes.
    // @ts-expect-error params must take every parameter of domainReboot
    bound(27, {
      ...base,
      args: domFlagsArgs,
      ret: xdrVoid,
      method: 'domainReboot',
      params: ['dom'],
      result: 'void',
    });
    // A field of the wrong type for the parameter.
    // @ts-expect-error the args fields given as params do not fit the parameters of domainReboot
    bound(27, {
      ...base,
      args: domNameArgs,
      ret: xdrVoid,
      method: 'domainReboot',
      params: ['dom', 'flags'],
      result: 'void',
    });
    // Parameters in the wrong order.
    // @ts-expect-error the args fields given as params do not fit the parameters of domainReboot
    bound(27, {
      ...base,
      args: domFlagsArgs,
      ret: xdrVoid,
      method: 'domainReboot',
      params: ['flags', 'dom'],
      result: 'void',
    });
    // A result the ret cannot hold: domainSuspend resolves to void, not a domain.
    bound(34, {
      ...base,
      args: domArgs,
      ret: domRet,
      method: 'domainSuspend',
      params: ['dom'],
      // @ts-expect-error 'dom' is not a mapping of domainSuspend's result
      result: 'dom',
    });
    // A client function whose result is not the method's.
    served(20, {
      ...base,
      args: domArgs,
      ret: xdrVoid,
      method: 'domainGetVcpus',
      serve: async () => undefined,
      // @ts-expect-error domainGetVcpus resolves to VcpuInfo[], not a string
      client: async () => 'vcpus',
    });
    expect(true).toBe(true);
  });
});
