import type { Connection, DomainRef, NetworkRef, PoolRef, VolumeRef } from '../connection.js';
import { TsvirtError } from '../errors.js';

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Finds a domain as virsh does: by id when the text is an integer, then by uuid, then by name. */
export async function lookupDomain(conn: Connection, text: string, byId = true): Promise<DomainRef> {
  if (byId && /^\d+$/.test(text)) {
    const dom = await conn.lookupDomainByID(Number(text)).catch(() => undefined);
    if (dom) return dom;
  }
  if (UUID_RE.test(text)) {
    const dom = await conn.lookupDomainByUUID(text).catch(() => undefined);
    if (dom) return dom;
  }
  return conn.lookupDomainByName(text).catch((cause: unknown) => {
    throw new TsvirtError(
      'ERR_DOMAIN_NOT_FOUND',
      `failed to get domain '${text}'`,
      { domain: text },
      { cause },
    );
  });
}

/** Finds a storage pool by name, then by uuid. */
export async function lookupPool(conn: Connection, text: string): Promise<PoolRef> {
  const pool = await conn.lookupStoragePoolByName(text).catch(() => undefined);
  if (pool) return pool;
  if (UUID_RE.test(text)) {
    const byUuid = await conn.lookupStoragePoolByUUID(text).catch(() => undefined);
    if (byUuid) return byUuid;
  }
  throw new TsvirtError('ERR_POOL_NOT_FOUND', `failed to get pool '${text}'`, { pool: text });
}

/** Finds a virtual network as virsh does: by uuid when the text is one, then by name. */
export async function lookupNetwork(conn: Connection, text: string): Promise<NetworkRef> {
  if (UUID_RE.test(text)) {
    const net = await conn.lookupNetworkByUUID(text).catch(() => undefined);
    if (net) return net;
  }
  return conn.lookupNetworkByName(text).catch((cause: unknown) => {
    throw new TsvirtError(
      'ERR_NETWORK_NOT_FOUND',
      `failed to get network '${text}'`,
      { network: text },
      { cause },
    );
  });
}

/** Finds a volume by name in a pool when one is given, else by key, then by path. */
export async function lookupVolume(conn: Connection, text: string, poolText?: string): Promise<VolumeRef> {
  if (poolText !== undefined) {
    const pool = await lookupPool(conn, poolText);
    const vol = await conn.storageVolLookupByName(pool, text).catch(() => undefined);
    if (vol) return vol;
  }
  const vol =
    (await conn.storageVolLookupByKey(text).catch(() => undefined)) ??
    (await conn.storageVolLookupByPath(text).catch(() => undefined));
  if (vol) return vol;
  throw new TsvirtError('ERR_VOLUME_NOT_FOUND', `failed to get vol '${text}'`, {
    volume: text,
    pool: poolText,
  });
}
