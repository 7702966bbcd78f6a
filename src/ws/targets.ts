/**
 * Resolves the target of a JSON-RPC call (a domain, pool or volume given by name, uuid, path or key) to
 * the ref a Connection method takes. A full ref (name and uuid; pool, name and key) is used as given, as
 * libvirt's remote protocol does, so a client that holds refs pays no lookup.
 */
import type { Connection, DomainRef, NetworkRef, PoolRef, VolumeRef } from '../connection.js';
import type { TargetKind } from './methods.js';
import { invalidParam, pickString } from './params.js';

/** Resolve the target of `kind` from the params (undefined for `none`). */
export async function resolveTarget(
  conn: Connection,
  method: string,
  kind: TargetKind,
  params: Record<string, unknown>,
): Promise<DomainRef | PoolRef | VolumeRef | NetworkRef | undefined> {
  switch (kind) {
    case 'none':
      return undefined;
    case 'domain':
      return resolveDomain(conn, method, params);
    case 'pool':
      return resolvePool(conn, method, params);
    case 'poolOf':
      return resolvePoolOf(conn, method, params.pool, 'pool');
    case 'volume':
      return resolveVolume(conn, method, params, 'the target');
    case 'network':
      return resolveNetwork(conn, method, params);
  }
}

async function resolveNetwork(
  conn: Connection,
  method: string,
  params: Record<string, unknown>,
): Promise<NetworkRef> {
  const name = pickString(method, params, 'name');
  const uuid = pickString(method, params, 'uuid');
  if (name !== undefined && uuid !== undefined) return { name, uuid };
  if (uuid !== undefined) return conn.lookupNetworkByUUID(uuid);
  if (name !== undefined) return conn.lookupNetworkByName(name);
  throw invalidParam(method, 'name', undefined, 'given: a network as { "name" } or { "uuid" }');
}

async function resolveDomain(
  conn: Connection,
  method: string,
  params: Record<string, unknown>,
): Promise<DomainRef> {
  const name = pickString(method, params, 'name');
  const uuid = pickString(method, params, 'uuid');
  const id = params.id;
  if (id !== undefined && !Number.isSafeInteger(id)) throw invalidParam(method, 'id', id, 'an integer');
  if (name !== undefined && uuid !== undefined) return { name, uuid, id: (id as number | undefined) ?? -1 };
  if (uuid !== undefined) return conn.lookupDomainByUUID(uuid);
  if (name !== undefined) return conn.lookupDomainByName(name);
  if (id !== undefined) return conn.lookupDomainByID(id as number);
  throw invalidParam(method, 'name', undefined, 'given: a domain as { "name" }, { "uuid" } or { "id" }');
}

async function resolvePool(
  conn: Connection,
  method: string,
  params: Record<string, unknown>,
): Promise<PoolRef> {
  const name = pickString(method, params, 'name');
  const uuid = pickString(method, params, 'uuid');
  if (name !== undefined && uuid !== undefined) return { name, uuid };
  if (uuid !== undefined) return conn.lookupStoragePoolByUUID(uuid);
  if (name !== undefined) return conn.lookupStoragePoolByName(name);
  throw invalidParam(method, 'name', undefined, 'given: a pool as { "name" } or { "uuid" }');
}

/** A pool given as a name or as `{ "name" }` / `{ "uuid" }`. */
async function resolvePoolOf(
  conn: Connection,
  method: string,
  value: unknown,
  field: string,
): Promise<PoolRef> {
  if (typeof value === 'string') return conn.lookupStoragePoolByName(value);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return resolvePool(conn, method, value as Record<string, unknown>);
  }
  throw invalidParam(method, field, value, 'a pool name, or { "name" } or { "uuid" }');
}

/** A volume given as `{ "pool", "name" }`, `{ "path" }` or `{ "key" }`. */
export async function resolveVolume(
  conn: Connection,
  method: string,
  params: Record<string, unknown>,
  what: string,
): Promise<VolumeRef> {
  const pool = params.pool;
  const name = pickString(method, params, 'name');
  const key = pickString(method, params, 'key');
  const path = pickString(method, params, 'path');
  if (typeof pool === 'string' && name !== undefined && key !== undefined) return { pool, name, key };
  if (pool !== undefined && name !== undefined) {
    return conn.storageVolLookupByName(await resolvePoolOf(conn, method, pool, 'pool'), name);
  }
  if (path !== undefined) return conn.storageVolLookupByPath(path);
  if (key !== undefined) return conn.storageVolLookupByKey(key);
  throw invalidParam(method, 'pool', params, `given: ${what} as { "pool", "name" }, { "path" } or { "key" }`);
}
