/** The storage pool part of a Connection (libvirt's virStoragePool* calls); the storage driver implements it. */
import type {
  PoolInfo,
  PoolLifecycleEvent,
  PoolRef,
  PoolRefreshEvent,
  Subscription,
  VolumeRef,
} from './types.js';

/** Storage pools: lookup, definition, lifecycle and events. */
export interface StoragePoolApi {
  listAllStoragePools(flags?: number): Promise<PoolRef[]>;
  lookupStoragePoolByName(name: string): Promise<PoolRef>;
  lookupStoragePoolByUUID(uuid: string): Promise<PoolRef>;
  lookupStoragePoolByVolume(vol: VolumeRef): Promise<PoolRef>;
  storagePoolDefineXML(xml: string, flags?: number): Promise<PoolRef>;
  storagePoolCreateXML(xml: string, flags?: number): Promise<PoolRef>;
  storagePoolBuild(pool: PoolRef, flags?: number): Promise<void>;
  storagePoolCreate(pool: PoolRef, flags?: number): Promise<void>;
  storagePoolDestroy(pool: PoolRef): Promise<void>;
  storagePoolDelete(pool: PoolRef, flags?: number): Promise<void>;
  storagePoolUndefine(pool: PoolRef): Promise<void>;
  storagePoolRefresh(pool: PoolRef, flags?: number): Promise<void>;
  storagePoolGetInfo(pool: PoolRef): Promise<PoolInfo>;
  storagePoolGetXMLDesc(pool: PoolRef, flags?: number): Promise<string>;
  storagePoolIsActive(pool: PoolRef): Promise<boolean>;
  storagePoolIsPersistent(pool: PoolRef): Promise<boolean>;
  storagePoolGetAutostart(pool: PoolRef): Promise<boolean>;
  storagePoolSetAutostart(pool: PoolRef, autostart: boolean): Promise<void>;
  onStoragePoolLifecycle(listener: (ev: PoolLifecycleEvent) => void, pool?: PoolRef): Promise<Subscription>;
  /** virConnectStoragePoolEventRegisterAny(REFRESH): each explicit refresh of a pool, or of one. */
  onStoragePoolRefresh(listener: (ev: PoolRefreshEvent) => void, pool?: PoolRef): Promise<Subscription>;
}
