import { describe, expect, it } from 'vitest';
import {
  ERROR_MAP,
  errorCodeFromLibvirt,
  errorFromRemote,
  libvirtErrorFor,
  VirErrorDomain,
  VirErrorNumber,
} from '../../src/remote/error-map.js';
import { buildRemoteError } from '../../src/remote/structs.js';

describe('error map', () => {
  it('maps libvirt not-found numbers to our not-found codes', () => {
    expect(errorCodeFromLibvirt(VirErrorNumber.NO_DOMAIN)).toBe('ERR_DOMAIN_NOT_FOUND');
    expect(errorCodeFromLibvirt(VirErrorNumber.NO_STORAGE_POOL)).toBe('ERR_POOL_NOT_FOUND');
    expect(errorCodeFromLibvirt(VirErrorNumber.NO_STORAGE_VOL)).toBe('ERR_VOLUME_NOT_FOUND');
    expect(errorCodeFromLibvirt(VirErrorNumber.RPC)).toBe('ERR_RPC');
    expect(errorCodeFromLibvirt(VirErrorNumber.OPERATION_INVALID)).toBe('ERR_OPERATION_INVALID');
  });

  it('maps our codes to the numbers virsh expects, with a subsystem', () => {
    expect(libvirtErrorFor('ERR_DOMAIN_NOT_FOUND')).toEqual({ number: 42, domain: VirErrorDomain.QEMU });
    expect(libvirtErrorFor('ERR_POOL_NOT_FOUND')).toEqual({ number: 49, domain: VirErrorDomain.STORAGE });
    expect(libvirtErrorFor('ERR_VOLUME_NOT_FOUND')).toEqual({ number: 50, domain: VirErrorDomain.STORAGE });
    expect(libvirtErrorFor('ERR_NOT_SUPPORTED')).toEqual({ number: 3, domain: VirErrorDomain.QEMU });
  });

  it('round-trips every code that owns the first row of its number', () => {
    for (const row of ERROR_MAP) {
      const first = ERROR_MAP.find((r) => r.number === row.number);
      if (first === row) expect(errorCodeFromLibvirt(libvirtErrorFor(row.code).number)).toBe(row.code);
    }
  });

  it('folds unknown libvirt numbers into ERR_OPERATION_FAILED', () => {
    expect(errorCodeFromLibvirt(9999)).toBe('ERR_OPERATION_FAILED');
  });

  it('keeps the server message and libvirt numbers on the TsvirtError', () => {
    const err = errorFromRemote(
      buildRemoteError(42, 12, "Domain not found: no domain with matching name 'x'"),
    );
    expect(err.code).toBe('ERR_DOMAIN_NOT_FOUND');
    expect(err.message).toBe("Domain not found: no domain with matching name 'x'");
    expect(err.fields).toEqual({ libvirtCode: 42, libvirtDomain: 12 });
  });
});
