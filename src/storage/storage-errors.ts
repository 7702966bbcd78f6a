import { TsvirtError } from '../errors.js';

/** ERR_POOL_NOT_FOUND in libvirt's wording. */
export function poolNotFound(what: string, by: 'name' | 'uuid' | 'volume' = 'name'): TsvirtError {
  const detail =
    by === 'volume'
      ? `no storage pool with matching volume '${what}'`
      : `no storage pool with matching ${by} '${what}'`;
  return new TsvirtError('ERR_POOL_NOT_FOUND', `Storage pool not found: ${detail}`, { [by]: what });
}

/** ERR_VOLUME_NOT_FOUND in libvirt's wording. */
export function volumeNotFound(what: string, by: 'name' | 'key' | 'path' = 'name'): TsvirtError {
  return new TsvirtError(
    'ERR_VOLUME_NOT_FOUND',
    `Storage volume not found: no storage vol with matching ${by} '${what}'`,
    { [by]: what },
  );
}

/** ERR_OPERATION_INVALID for a pool that must be running. */
export function poolNotActive(name: string): TsvirtError {
  return new TsvirtError(
    'ERR_OPERATION_INVALID',
    `storage pool '${name}' is not active; start it with pool-start`,
    { pool: name },
  );
}

/** ERR_OPERATION_INVALID for a pool that must be stopped. */
export function poolStillActive(name: string): TsvirtError {
  return new TsvirtError(
    'ERR_OPERATION_INVALID',
    `storage pool '${name}' is still active; stop it with pool-destroy first`,
    { pool: name },
  );
}

/** ERR_INVALID_ARG when a caller passes flags an API does not take, as libvirt's virCheckFlags does. */
export function checkFlags(flags: number | undefined, allowed: number, api: string): number {
  const value = flags ?? 0;
  if (!Number.isInteger(value) || value < 0 || (value & ~allowed) !== 0) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `${api}: unsupported flags 0x${(value & ~allowed).toString(16)}; allowed are 0x${allowed.toString(16)}`,
      {
        field: 'flags',
        value,
        expected: `a subset of 0x${allowed.toString(16)}`,
      },
    );
  }
  return value;
}
