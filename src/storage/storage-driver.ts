import type { Readable } from 'node:stream';
import type {
  PoolInfo,
  PoolLifecycleEvent,
  PoolRefreshEvent,
  PoolRef,
  Subscription,
  VolumeInfo,
  VolumeRef,
} from '../connection.js';
import { PoolEvent } from '../api/storage-enums.js';
import type { StoragePoolApi } from '../api/storage-pool-api.js';
import type { StorageVolApi } from '../api/storage-vol-api.js';
import { LvmTools } from './lvm.js';
import { PoolApi } from './pool-api.js';
import { PoolRegistry } from './pool-registry.js';
import { PoolStore } from './pool-store.js';
import { formatPoolXml, type PoolDef } from './pool-xml.js';
import type { FileFormat } from './volume-xml.js';
import { VolumeApi, type VolumeInUse } from './volume-api.js';
import type { TransferRange } from './volume-stream.js';

/** Options of StorageDriver.open. */
export interface StorageDriverOptions {
  /** The tsvirt root; pools live under ROOT/etc/storage, ROOT/run/storage and ROOT/images. */
  root: string;
  /** Name of a running domain that uses `path`, if any; such a volume is not deleted, wiped or shrunk. */
  isVolumeInUse?: VolumeInUse;
  /** Extra environment for the lvm tools (tests pass LVM_SYSTEM_DIR). */
  lvmEnv?: Record<string, string>;
  /** Receives problems met while loading or refreshing (a bad pool file, an unreadable image). */
  onWarning?: (message: string) => void;
}

/**
 * Storage pools and volumes (dir and logical), with the storage methods of the Connection interface.
 * State lives under the root as libvirt lays it out; see PoolStore.
 */
export class StorageDriver implements StoragePoolApi, StorageVolApi {
  /** Problems met while loading or refreshing, oldest first. */
  readonly warnings: string[] = [];
  private readonly reg: PoolRegistry;
  private readonly pools: PoolApi;
  private readonly vols: VolumeApi;

  private constructor(options: StorageDriverOptions) {
    const warn = (message: string): void => {
      this.warnings.push(message);
      options.onWarning?.(message);
    };
    this.reg = new PoolRegistry(
      new PoolStore(options.root, warn),
      options.root,
      new LvmTools(options.lvmEnv),
      warn,
    );
    this.pools = new PoolApi(this.reg);
    this.vols = new VolumeApi(this.reg, options.isVolumeInUse ?? (() => undefined));
  }

  /** Load the pools under `root`: re-adopt running ones, make the default pool on a fresh root, start autostart pools. */
  static async open(options: StorageDriverOptions): Promise<StorageDriver> {
    const driver = new StorageDriver(options);
    await driver.load();
    return driver;
  }

  private async load(): Promise<void> {
    const { store } = this.reg;
    const { firstOpen } = await store.init();
    for (const def of await store.loadPersistent())
      this.reg.pools.set(def.name, this.reg.makeEntry(def, true));
    for (const name of await store.loadAutostart()) {
      const entry = this.reg.pools.get(name);
      if (entry) entry.autostart = true;
    }
    for (const def of await store.loadRunning()) await this.readopt(def);
    if (firstOpen && !this.reg.pools.has('default')) await this.makeDefaultPool();
    for (const entry of [...this.reg.pools.values()]) {
      if (!entry.autostart || entry.active) continue;
      await this.reg
        .activate(entry)
        .catch((err: Error) =>
          this.reg.warn(`storage pool '${entry.def.name}' did not autostart: ${err.message}`),
        );
    }
  }

  /** A pool that ran under the last driver: keep it running if its storage is still there. */
  private async readopt(def: PoolDef): Promise<void> {
    let entry = this.reg.pools.get(def.name);
    if (!entry) {
      entry = this.reg.makeEntry(def, false);
      this.reg.pools.set(def.name, entry);
    } else if (entry.def.uuid === def.uuid) {
      entry.nextDef = entry.def;
      entry.def = def;
      entry.backend = this.reg.makeBackend(def);
    }
    try {
      await entry.backend.check();
      entry.active = true;
      await this.reg.refresh(entry);
    } catch (err) {
      this.reg.warn(
        `storage pool '${def.name}' was running but is no longer usable, marked inactive: ${(err as Error).message}`,
      );
      await this.reg.deactivate(entry);
    }
  }

  private async makeDefaultPool(): Promise<void> {
    const entry = this.reg.makeEntry(this.reg.defaultPoolDef(), true);
    await this.reg.store.savePersistent(entry.def);
    this.reg.pools.set('default', entry);
    this.reg.emit(entry, PoolEvent.DEFINED);
    await entry.backend.build({ overwrite: false });
    await this.reg.store.setAutostart('default', true);
    entry.autostart = true;
  }

  /**
   * Read ROOT/etc/storage again, as libvirt's storage driver does on reload (SIGHUP): a new file adds
   * an inactive pool, a changed one replaces the definition (a running pool takes it at its next
   * stop), and the autostart marks are read again. A pool whose file is gone stays. Each change sends
   * DEFINED; a bad file or one that collides with another pool is a warning and changes nothing.
   */
  async reload(): Promise<{ added: string[]; updated: string[] }> {
    const report = { added: [] as string[], updated: [] as string[] };
    const marks = await this.reg.store.loadAutostart();
    const defs = await this.reg.store.loadPersistent();
    // Pools it knows first, then new ones, so that a new pool is checked against the changed ones.
    const known = (def: PoolDef): boolean => this.reg.pools.has(def.name);
    for (const def of [...defs.filter(known), ...defs.filter((d) => !known(d))]) {
      try {
        this.reg.checkConflicts(def);
      } catch (err) {
        this.reg.warn(`storage pool '${def.name}': not reloaded (${(err as Error).message})`);
        continue;
      }
      await this.reg.withLock(def.name, async () => {
        const entry = this.reg.pools.get(def.name);
        if (!entry) {
          const added = this.reg.makeEntry(def, true);
          added.autostart = marks.has(def.name);
          this.reg.pools.set(def.name, added);
          this.reg.emit(added, PoolEvent.DEFINED);
          report.added.push(def.name);
          return;
        }
        entry.autostart = marks.has(def.name);
        const wasPersistent = entry.persistent;
        const current = wasPersistent ? (entry.nextDef ?? entry.def) : undefined;
        if (current && formatPoolXml(current) === formatPoolXml(def)) return;
        entry.persistent = true;
        if (entry.active) entry.nextDef = def;
        else {
          entry.def = def;
          entry.backend = this.reg.makeBackend(def);
        }
        this.reg.emit(entry, PoolEvent.DEFINED);
        // A running transient pool that gets a file becomes persistent: added, as for domains.
        (wasPersistent ? report.updated : report.added).push(def.name);
      });
    }
    return report;
  }

  /** Nothing to release: no child process or handle outlives a call. Pools keep running, as libvirt's do. */
  async close(): Promise<void> {}

  // pools
  listAllStoragePools(flags?: number): Promise<PoolRef[]> {
    return this.pools.listAllStoragePools(flags);
  }
  lookupStoragePoolByName(name: string): Promise<PoolRef> {
    return this.pools.lookupStoragePoolByName(name);
  }
  lookupStoragePoolByUUID(uuid: string): Promise<PoolRef> {
    return this.pools.lookupStoragePoolByUUID(uuid);
  }
  lookupStoragePoolByVolume(vol: VolumeRef): Promise<PoolRef> {
    return this.vols.lookupStoragePoolByVolume(vol);
  }
  storagePoolDefineXML(xml: string, flags?: number): Promise<PoolRef> {
    return this.pools.storagePoolDefineXML(xml, flags);
  }
  storagePoolCreateXML(xml: string, flags?: number): Promise<PoolRef> {
    return this.pools.storagePoolCreateXML(xml, flags);
  }
  storagePoolBuild(pool: PoolRef, flags?: number): Promise<void> {
    return this.pools.storagePoolBuild(pool, flags);
  }
  storagePoolCreate(pool: PoolRef, flags?: number): Promise<void> {
    return this.pools.storagePoolCreate(pool, flags);
  }
  storagePoolDestroy(pool: PoolRef): Promise<void> {
    return this.pools.storagePoolDestroy(pool);
  }
  storagePoolDelete(pool: PoolRef, flags?: number): Promise<void> {
    return this.pools.storagePoolDelete(pool, flags);
  }
  storagePoolUndefine(pool: PoolRef): Promise<void> {
    return this.pools.storagePoolUndefine(pool);
  }
  storagePoolRefresh(pool: PoolRef, flags?: number): Promise<void> {
    return this.pools.storagePoolRefresh(pool, flags);
  }
  storagePoolGetInfo(pool: PoolRef): Promise<PoolInfo> {
    return this.pools.storagePoolGetInfo(pool);
  }
  storagePoolGetXMLDesc(pool: PoolRef, flags?: number): Promise<string> {
    return this.pools.storagePoolGetXMLDesc(pool, flags);
  }
  storagePoolIsActive(pool: PoolRef): Promise<boolean> {
    return this.pools.storagePoolIsActive(pool);
  }
  storagePoolIsPersistent(pool: PoolRef): Promise<boolean> {
    return this.pools.storagePoolIsPersistent(pool);
  }
  storagePoolGetAutostart(pool: PoolRef): Promise<boolean> {
    return this.pools.storagePoolGetAutostart(pool);
  }
  storagePoolSetAutostart(pool: PoolRef, autostart: boolean): Promise<void> {
    return this.pools.storagePoolSetAutostart(pool, autostart);
  }
  async onStoragePoolLifecycle(
    listener: (ev: PoolLifecycleEvent) => void,
    pool?: PoolRef,
  ): Promise<Subscription> {
    return this.reg.subscribe(listener, pool);
  }
  async onStoragePoolRefresh(
    listener: (ev: PoolRefreshEvent) => void,
    pool?: PoolRef,
  ): Promise<Subscription> {
    return this.reg.subscribe(listener, pool, 'refresh');
  }

  // volumes
  storagePoolListAllVolumes(pool: PoolRef, flags?: number): Promise<VolumeRef[]> {
    return this.vols.storagePoolListAllVolumes(pool, flags);
  }
  storageVolLookupByName(pool: PoolRef, name: string): Promise<VolumeRef> {
    return this.vols.storageVolLookupByName(pool, name);
  }
  storageVolLookupByKey(key: string): Promise<VolumeRef> {
    return this.vols.storageVolLookupByKey(key);
  }
  storageVolLookupByPath(path: string): Promise<VolumeRef> {
    return this.vols.storageVolLookupByPath(path);
  }
  storageVolCreateXML(pool: PoolRef, xml: string, flags?: number): Promise<VolumeRef> {
    return this.vols.storageVolCreateXML(pool, xml, flags);
  }
  storageVolCreateXMLFrom(pool: PoolRef, xml: string, source: VolumeRef, flags?: number): Promise<VolumeRef> {
    return this.vols.storageVolCreateXMLFrom(pool, xml, source, flags);
  }
  storageVolDelete(vol: VolumeRef, flags?: number): Promise<void> {
    return this.vols.storageVolDelete(vol, flags);
  }
  storageVolWipe(vol: VolumeRef, flags?: number): Promise<void> {
    return this.vols.storageVolWipe(vol, flags);
  }
  storageVolResize(vol: VolumeRef, capacity: bigint, flags?: number): Promise<void> {
    return this.vols.storageVolResize(vol, capacity, flags);
  }
  storageVolGetInfo(vol: VolumeRef): Promise<VolumeInfo> {
    return this.vols.storageVolGetInfo(vol);
  }
  storageVolGetXMLDesc(vol: VolumeRef, flags?: number): Promise<string> {
    return this.vols.storageVolGetXMLDesc(vol, flags);
  }
  storageVolGetPath(vol: VolumeRef): Promise<string> {
    return this.vols.storageVolGetPath(vol);
  }

  /** For the domain driver: pool + volume name -> the path, its kind and its format, for qemu. */
  resolveVolume(
    pool: string,
    volume: string,
  ): Promise<{ path: string; kind: 'file' | 'block'; format: FileFormat }> {
    return this.vols.resolveVolume(pool, volume);
  }
  /** vol-upload: write `source` into the volume from `offset`, at most `length` bytes; resolves to bytes written. */
  uploadVolume(vol: VolumeRef, source: Readable, range?: TransferRange): Promise<number> {
    return this.vols.uploadVolume(vol, source, range);
  }
  /** vol-download: a stream of the volume's bytes from `offset`, `length` of them when given. */
  downloadVolume(vol: VolumeRef, range?: TransferRange): Promise<Readable> {
    return this.vols.downloadVolume(vol, range);
  }
  /** virStorageVolUpload: the volume is written in place from `offset`, never truncated. */
  async storageVolUpload(
    vol: VolumeRef,
    source: Readable,
    offset = 0n,
    length = 0n,
    _flags = 0,
  ): Promise<void> {
    await this.vols.uploadVolume(vol, source, { offset, length });
  }
  /** virStorageVolDownload: the volume's bytes from `offset`, `length` of them (0: to the end). */
  storageVolDownload(vol: VolumeRef, offset = 0n, length = 0n, _flags = 0): Promise<Readable> {
    return this.vols.downloadVolume(vol, { offset, length });
  }
}
