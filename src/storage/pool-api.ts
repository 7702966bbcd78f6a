import type { PoolInfo, PoolRef } from '../connection.js';
import {
  ListPoolsFlags as L,
  PoolBuildFlags,
  PoolCreateFlags,
  PoolDeleteFlags,
  PoolEvent,
  PoolState,
  StorageXmlFlags,
} from '../api/storage-enums.js';
import { formatPoolXml, parsePoolXml } from './pool-xml.js';
import type { PoolEntry, PoolRegistry } from './pool-registry.js';
import { checkFlags, poolNotFound, poolStillActive } from './storage-errors.js';
import { TsvirtError } from '../errors.js';

/** The storagePool* calls of the Connection interface, over a PoolRegistry. */
export class PoolApi {
  constructor(private readonly reg: PoolRegistry) {}

  /** virConnectListAllStoragePools: filter by state, persistence, autostart and type flags. */
  async listAllStoragePools(flags = 0): Promise<PoolRef[]> {
    checkFlags(flags, 0x3ff, 'listAllStoragePools');
    const pass = (f: number, yes: number, no: number, value: boolean): boolean =>
      (f & (yes | no)) === 0 || (value ? (f & yes) !== 0 : (f & no) !== 0);
    const typeMask = L.DIR | L.FS | L.NETFS | L.LOGICAL;
    return [...this.reg.pools.values()]
      .filter(
        (e) =>
          pass(flags, L.ACTIVE, L.INACTIVE, e.active) &&
          pass(flags, L.PERSISTENT, L.TRANSIENT, e.persistent) &&
          pass(flags, L.AUTOSTART, L.NO_AUTOSTART, e.autostart),
      )
      .filter((e) => (flags & typeMask) === 0 || (flags & (e.def.type === 'dir' ? L.DIR : L.LOGICAL)) !== 0)
      .map((e) => this.reg.refOf(e))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async lookupStoragePoolByName(name: string): Promise<PoolRef> {
    return this.reg.refOf(this.reg.get(name));
  }

  async lookupStoragePoolByUUID(uuid: string): Promise<PoolRef> {
    const wanted = uuid.replace(/-/g, '').toLowerCase();
    const entry = [...this.reg.pools.values()].find((e) => e.def.uuid.replace(/-/g, '') === wanted);
    if (!entry) throw poolNotFound(uuid, 'uuid');
    return this.reg.refOf(entry);
  }

  /** virStoragePoolDefineXML: store a persistent definition (applied at the next stop when the pool runs). */
  async storagePoolDefineXML(xml: string, flags = 0): Promise<PoolRef> {
    checkFlags(flags, 0, 'storagePoolDefineXML');
    const def = parsePoolXml(xml);
    return this.reg.withLock(def.name, async () => {
      this.reg.checkConflicts(def);
      await this.reg.store.savePersistent(def);
      const entry = this.reg.pools.get(def.name);
      if (entry?.active) {
        entry.nextDef = def;
        entry.persistent = true;
      } else if (entry) {
        Object.assign(entry, { def, persistent: true, backend: this.reg.makeBackend(def) });
      } else {
        this.reg.pools.set(def.name, this.reg.makeEntry(def, true));
      }
      const current = this.reg.get(def.name);
      this.reg.emit(current, PoolEvent.DEFINED);
      return this.reg.refOf(current);
    });
  }

  /** virStoragePoolCreateXML: start a transient pool (optionally building it first). */
  async storagePoolCreateXML(xml: string, flags = 0): Promise<PoolRef> {
    checkFlags(flags, 7, 'storagePoolCreateXML');
    const def = parsePoolXml(xml);
    return this.reg.withLock(def.name, async () => {
      if (this.reg.pools.has(def.name))
        throw new TsvirtError(
          'ERR_POOL_EXISTS',
          `storage pool '${def.name}' already exists; use pool-start`,
          { pool: def.name },
        );
      this.reg.checkConflicts(def);
      const entry = this.reg.makeEntry(def, false);
      await this.buildFor(entry, flags);
      this.reg.pools.set(def.name, entry);
      try {
        await this.reg.activate(entry);
      } catch (err) {
        this.reg.pools.delete(def.name);
        throw err;
      }
      return this.reg.refOf(entry);
    });
  }

  /** virStoragePoolBuild: mkdir, or pvcreate + vgcreate (refusing devices with data unless OVERWRITE). */
  async storagePoolBuild(pool: PoolRef, flags = 0): Promise<void> {
    checkFlags(flags, PoolBuildFlags.OVERWRITE | PoolBuildFlags.NO_OVERWRITE, 'storagePoolBuild');
    if ((flags & PoolBuildFlags.OVERWRITE) !== 0 && (flags & PoolBuildFlags.NO_OVERWRITE) !== 0) {
      throw new TsvirtError(
        'ERR_INVALID_ARG',
        'storagePoolBuild: OVERWRITE and NO_OVERWRITE exclude each other; pass one',
        { field: 'flags', value: flags },
      );
    }
    await this.reg.withLock(pool.name, async () => {
      const entry = this.reg.get(pool);
      if (entry.active) throw poolStillActive(entry.def.name);
      await entry.backend.build({ overwrite: (flags & PoolBuildFlags.OVERWRITE) !== 0 });
      this.reg.emit(entry, PoolEvent.CREATED);
    });
  }

  private async buildFor(entry: PoolEntry, createFlags: number): Promise<void> {
    if ((createFlags & 7) === 0) return;
    await entry.backend.build({ overwrite: (createFlags & PoolCreateFlags.WITH_BUILD_OVERWRITE) !== 0 });
    this.reg.emit(entry, PoolEvent.CREATED);
  }

  /** virStoragePoolCreate: start a defined pool. */
  async storagePoolCreate(pool: PoolRef, flags = 0): Promise<void> {
    checkFlags(flags, 7, 'storagePoolCreate');
    await this.reg.withLock(pool.name, async () => {
      const entry = this.reg.get(pool);
      if (entry.active)
        throw new TsvirtError('ERR_OPERATION_INVALID', `storage pool '${entry.def.name}' is already active`, {
          pool: entry.def.name,
        });
      await this.buildFor(entry, flags);
      await this.reg.activate(entry);
    });
  }

  /** virStoragePoolDestroy: stop a running pool (its storage stays). */
  async storagePoolDestroy(pool: PoolRef): Promise<void> {
    await this.reg.withLock(pool.name, async () => this.reg.deactivate(this.reg.getActive(pool)));
  }

  /** virStoragePoolDelete: remove the storage of a stopped pool (rmdir; vgremove + pvremove). */
  async storagePoolDelete(pool: PoolRef, flags = 0): Promise<void> {
    checkFlags(flags, PoolDeleteFlags.NORMAL, 'storagePoolDelete');
    await this.reg.withLock(pool.name, async () => {
      const entry = this.reg.get(pool);
      if (entry.active) throw poolStillActive(entry.def.name);
      await entry.backend.deleteStorage();
      this.reg.emit(entry, PoolEvent.DELETED);
    });
  }

  /** virStoragePoolUndefine: forget the persistent definition (a running pool becomes transient). */
  async storagePoolUndefine(pool: PoolRef): Promise<void> {
    await this.reg.withLock(pool.name, async () => {
      const entry = this.reg.get(pool);
      if (!entry.persistent)
        throw new TsvirtError(
          'ERR_OPERATION_INVALID',
          `storage pool '${entry.def.name}' is not persistent; stop it with pool-destroy`,
          { pool: entry.def.name },
        );
      await this.reg.store.removePersistent(entry.def.name);
      entry.persistent = false;
      entry.autostart = false;
      delete entry.nextDef;
      this.reg.emit(entry, PoolEvent.UNDEFINED);
      if (!entry.active) await this.reg.forget(entry);
    });
  }

  /** virStoragePoolRefresh: pick up volumes added or removed behind tsvirt's back. */
  async storagePoolRefresh(pool: PoolRef, flags = 0): Promise<void> {
    checkFlags(flags, 0, 'storagePoolRefresh');
    await this.reg.withLock(pool.name, async () => {
      const entry = this.reg.getActive(pool);
      await this.reg.refresh(entry);
      this.reg.emitRefresh(entry);
    });
  }

  /** virStoragePoolGetInfo: state and sizes in bytes (zeros while inactive, as libvirt). */
  async storagePoolGetInfo(pool: PoolRef): Promise<PoolInfo> {
    const entry = this.reg.get(pool);
    if (!entry.active) return { state: PoolState.INACTIVE, capacity: 0n, allocation: 0n, available: 0n };
    return { state: PoolState.RUNNING, ...(await entry.backend.sizes()) };
  }

  /** virStoragePoolGetXMLDesc: live XML with sizes, or with INACTIVE the persistent definition. */
  async storagePoolGetXMLDesc(pool: PoolRef, flags = 0): Promise<string> {
    checkFlags(flags, StorageXmlFlags.INACTIVE, 'storagePoolGetXMLDesc');
    const entry = this.reg.get(pool);
    if ((flags & StorageXmlFlags.INACTIVE) !== 0) return formatPoolXml(entry.nextDef ?? entry.def);
    const sizes = entry.active
      ? await entry.backend.sizes()
      : { capacity: 0n, allocation: 0n, available: 0n };
    return formatPoolXml(entry.def, sizes);
  }

  async storagePoolIsActive(pool: PoolRef): Promise<boolean> {
    return this.reg.get(pool).active;
  }

  async storagePoolIsPersistent(pool: PoolRef): Promise<boolean> {
    return this.reg.get(pool).persistent;
  }

  async storagePoolGetAutostart(pool: PoolRef): Promise<boolean> {
    return this.reg.get(pool).autostart;
  }

  /** virStoragePoolSetAutostart: only persistent pools can autostart. */
  async storagePoolSetAutostart(pool: PoolRef, autostart: boolean): Promise<void> {
    await this.reg.withLock(pool.name, async () => {
      const entry = this.reg.get(pool);
      if (!entry.persistent)
        throw new TsvirtError(
          'ERR_OPERATION_INVALID',
          `storage pool '${entry.def.name}' is transient and cannot autostart; define it first`,
          { pool: entry.def.name },
        );
      await this.reg.store.setAutostart(entry.def.name, autostart);
      entry.autostart = autostart;
    });
  }
}
