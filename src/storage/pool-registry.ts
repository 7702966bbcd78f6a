import { EventEmitter } from 'node:events';
import { KeyedLock } from '../keyed-lock.js';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { generateRandomUuid } from '../fs/kernel-random.js';
import type { PoolLifecycleEvent, PoolRef, PoolRefreshEvent, Subscription } from '../connection.js';
import { TsvirtError } from '../errors.js';
import type { PoolBackend } from './backend.js';
import { DirBackend } from './dir-backend.js';
import { PoolEvent } from '../api/storage-enums.js';
import { LogicalBackend } from './logical-backend.js';
import type { LvmTools } from './lvm.js';
import type { PoolStore } from './pool-store.js';
import type { PoolDef } from './pool-xml.js';
import { poolNotActive, poolNotFound } from './storage-errors.js';
import type { VolumeDesc } from './volume-xml.js';

/** One pool the driver knows: its definitions, state, backend and the volumes seen at the last refresh. */
export interface PoolEntry {
  /** The definition in force (the live one while running). */
  def: PoolDef;
  /** A persistent definition stored while the pool ran; it takes effect at the next stop. */
  nextDef?: PoolDef;
  persistent: boolean;
  active: boolean;
  autostart: boolean;
  backend: PoolBackend;
  volumes: Map<string, VolumeDesc>;
}

/** The registry of pools: lookups, per-pool locks, lifecycle events, and the state moves shared by all pool APIs. */
export class PoolRegistry {
  readonly pools = new Map<string, PoolEntry>();
  private readonly events = new EventEmitter();
  private readonly locks = new KeyedLock();

  constructor(
    readonly store: PoolStore,
    readonly root: string,
    private readonly lvm: LvmTools,
    readonly warn: (message: string) => void,
  ) {}

  /** A backend for a definition. */
  makeBackend(def: PoolDef): PoolBackend {
    return def.type === 'dir'
      ? new DirBackend(def, this.warn, this.imageInfoCacheFile(def))
      : new LogicalBackend(def, this.lvm);
  }

  /** Where a dir pool keeps what qemu-img info said about its files (see ImageInfoCache). */
  imageInfoCacheFile(def: PoolDef): string {
    return join(this.root, 'cache', 'storage', `${def.uuid}.json`);
  }

  /** Drops a pool the driver no longer knows, with its qemu-img info cache. */
  async forget(entry: PoolEntry): Promise<void> {
    this.pools.delete(entry.def.name);
    await rm(this.imageInfoCacheFile(entry.def), { force: true });
  }

  /** A new entry, not yet registered. */
  makeEntry(def: PoolDef, persistent: boolean): PoolEntry {
    return {
      def,
      persistent,
      active: false,
      autostart: false,
      backend: this.makeBackend(def),
      volumes: new Map(),
    };
  }

  /** The entry of a pool ref or name, or ERR_POOL_NOT_FOUND. */
  get(pool: PoolRef | string): PoolEntry {
    const name = typeof pool === 'string' ? pool : pool.name;
    const entry = this.pools.get(name);
    if (!entry) throw poolNotFound(name);
    return entry;
  }

  /** The entry of a running pool, or ERR_OPERATION_INVALID. */
  getActive(pool: PoolRef | string): PoolEntry {
    const entry = this.get(pool);
    if (!entry.active) throw poolNotActive(entry.def.name);
    return entry;
  }

  /** The wire ref of an entry. */
  refOf(entry: PoolEntry): PoolRef {
    return { name: entry.def.name, uuid: entry.def.uuid };
  }

  /** Run `fn` alone among the mutating calls on one pool. */
  async withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(name, fn);
  }

  /** Refuse a definition whose name, uuid or storage collides with another pool's. */
  checkConflicts(def: PoolDef): void {
    for (const other of this.pools.values()) {
      const o = other.def;
      if (o.name === def.name && o.uuid !== def.uuid) {
        throw new TsvirtError(
          'ERR_POOL_EXISTS',
          `storage pool '${def.name}' already exists with uuid ${o.uuid}; use another name`,
          { pool: def.name, uuid: o.uuid },
        );
      }
      if (o.uuid === def.uuid && o.name !== def.name) {
        throw new TsvirtError(
          'ERR_POOL_EXISTS',
          `storage pool '${o.name}' already has uuid ${def.uuid}; use another uuid`,
          { pool: o.name, uuid: def.uuid },
        );
      }
      const sameStorage =
        o.type === def.type &&
        (def.type === 'dir' ? o.target.path === def.target.path : o.source.name === def.source.name);
      if (o.name !== def.name && sameStorage) {
        throw new TsvirtError(
          'ERR_POOL_EXISTS',
          `storage pool '${o.name}' already uses ${def.type === 'dir' ? def.target.path : `volume group ${def.source.name}`}; use that pool`,
          { pool: o.name },
        );
      }
    }
  }

  /** Start a pool: check its storage, record it as running, list its volumes. */
  async activate(entry: PoolEntry): Promise<void> {
    await entry.backend.check();
    await this.store.saveRunning(entry.def);
    entry.active = true;
    try {
      await this.refresh(entry);
    } catch (err) {
      entry.active = false;
      await this.store.removeRunning(entry.def.name);
      throw err;
    }
    this.emit(entry, PoolEvent.STARTED);
  }

  /** Stop a pool; a pending persistent definition takes effect, a transient pool is forgotten. */
  async deactivate(entry: PoolEntry): Promise<void> {
    await this.store.removeRunning(entry.def.name);
    entry.active = false;
    entry.volumes.clear();
    if (entry.nextDef) {
      entry.def = entry.nextDef;
      entry.backend = this.makeBackend(entry.def);
      delete entry.nextDef;
    }
    this.emit(entry, PoolEvent.STOPPED);
    if (!entry.persistent) await this.forget(entry);
  }

  /** Re-read the volumes of a running pool from its storage. */
  async refresh(entry: PoolEntry): Promise<void> {
    const vols = await entry.backend.listVolumes();
    entry.volumes = new Map(vols.map((v) => [v.name, v]));
  }

  /** Emit a lifecycle event (virStoragePoolEventLifecycleType). */
  emit(entry: PoolEntry, event: number): void {
    const ev: PoolLifecycleEvent = { pool: this.refOf(entry), event, detail: 0 };
    this.events.emit('lifecycle', ev);
  }

  /** Emit a refresh event: an explicit refresh read the pool's volumes again. */
  emitRefresh(entry: PoolEntry): void {
    const ev: PoolRefreshEvent = { pool: this.refOf(entry) };
    this.events.emit('refresh', ev);
  }

  /** Subscribe to lifecycle or refresh events, of all pools or of one. */
  subscribe(listener: (ev: PoolLifecycleEvent) => void, pool?: PoolRef): Subscription;
  subscribe(
    listener: (ev: PoolRefreshEvent) => void,
    pool: PoolRef | undefined,
    kind: 'refresh',
  ): Subscription;
  subscribe(
    listener: ((ev: PoolLifecycleEvent) => void) | ((ev: PoolRefreshEvent) => void),
    pool?: PoolRef,
    kind: 'lifecycle' | 'refresh' = 'lifecycle',
  ): Subscription {
    const wrapped = (ev: PoolLifecycleEvent & PoolRefreshEvent): void => {
      if (!pool || ev.pool.uuid === pool.uuid) listener(ev);
    };
    this.events.on(kind, wrapped);
    return { unsubscribe: () => this.events.off(kind, wrapped) };
  }

  /** The definition of libvirt's default pool: type dir at ROOT/images. */
  defaultPoolDef(): PoolDef {
    return {
      type: 'dir',
      name: 'default',
      uuid: generateRandomUuid(),
      source: { devices: [] },
      target: { path: join(this.root, 'images'), permissions: { mode: '0711' } },
    };
  }
}
