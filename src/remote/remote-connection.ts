/**
 * RemoteConnection: the Connection interface over libvirt's RPC, for libvirtd and tsvirtd alike.
 * Host and domain methods come from RemoteBase and RemoteDomains; storage methods are here.
 */
import type {
  Connection,
  PoolInfo,
  PoolLifecycleEvent,
  PoolRef,
  Subscription,
  VolumeInfo,
  VolumeRef,
} from '../connection.js';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { encodeArgs } from './structs.js';
import { openRemoteStream } from './remote-stream.js';
import { EventId, Procedure as P } from './protocol.js';
import type { RpcSession } from './rpc-session.js';
import type { WarningSink } from './remote-base.js';
import { RemoteDomains } from './remote-domains.js';

/** What RemoteConnection.open needs besides the session. */
export interface RemoteOpenOptions {
  /** The URI the caller gave, kept as `uri`. */
  uri: string;
  /** The name sent in CONNECT_OPEN, e.g. `qemu:///system`. */
  name: string;
  readOnly?: boolean;
  onWarning?: WarningSink;
}

/** A libvirt-protocol client connection. */
export class RemoteConnection extends RemoteDomains implements Connection {
  /**
   * Runs virsh's handshake on an open session: AUTH_LIST, SUPPORTS_FEATURE(10), CONNECT_OPEN,
   * SUPPORTS_FEATURE(14). Closes the session when the open fails.
   */
  static async open(session: RpcSession, options: RemoteOpenOptions): Promise<RemoteConnection> {
    const warn = options.onWarning ?? ((message: string) => process.emitWarning(message, 'TsvirtRpcWarning'));
    const conn = new RemoteConnection(session, options.uri, options.readOnly ?? false, warn);
    try {
      await conn.handshake(options.name);
    } catch (err) {
      session.close();
      throw err;
    }
    return conn;
  }

  // storage pools

  async listAllStoragePools(flags = 0): Promise<PoolRef[]> {
    return (await this.call(P.CONNECT_LIST_ALL_STORAGE_POOLS, { need_results: 1, flags })).pools;
  }
  async lookupStoragePoolByName(name: string): Promise<PoolRef> {
    return (await this.call(P.STORAGE_POOL_LOOKUP_BY_NAME, { name })).pool;
  }
  async lookupStoragePoolByUUID(uuid: string): Promise<PoolRef> {
    return (await this.call(P.STORAGE_POOL_LOOKUP_BY_UUID, { uuid })).pool;
  }
  async lookupStoragePoolByVolume(vol: VolumeRef): Promise<PoolRef> {
    return (await this.call(P.STORAGE_POOL_LOOKUP_BY_VOLUME, { vol })).pool;
  }
  async storagePoolDefineXML(xml: string, flags = 0): Promise<PoolRef> {
    return (await this.call(P.STORAGE_POOL_DEFINE_XML, { xml, flags })).pool;
  }
  async storagePoolCreateXML(xml: string, flags = 0): Promise<PoolRef> {
    return (await this.call(P.STORAGE_POOL_CREATE_XML, { xml, flags })).pool;
  }
  async storagePoolBuild(pool: PoolRef, flags = 0): Promise<void> {
    return this.call(P.STORAGE_POOL_BUILD, { pool, flags });
  }
  async storagePoolCreate(pool: PoolRef, flags = 0): Promise<void> {
    return this.call(P.STORAGE_POOL_CREATE, { pool, flags });
  }
  async storagePoolDestroy(pool: PoolRef): Promise<void> {
    return this.call(P.STORAGE_POOL_DESTROY, { pool });
  }
  async storagePoolDelete(pool: PoolRef, flags = 0): Promise<void> {
    return this.call(P.STORAGE_POOL_DELETE, { pool, flags });
  }
  async storagePoolUndefine(pool: PoolRef): Promise<void> {
    return this.call(P.STORAGE_POOL_UNDEFINE, { pool });
  }
  async storagePoolRefresh(pool: PoolRef, flags = 0): Promise<void> {
    return this.call(P.STORAGE_POOL_REFRESH, { pool, flags });
  }
  async storagePoolGetInfo(pool: PoolRef): Promise<PoolInfo> {
    return this.call(P.STORAGE_POOL_GET_INFO, { pool });
  }
  async storagePoolGetXMLDesc(pool: PoolRef, flags = 0): Promise<string> {
    return (await this.call(P.STORAGE_POOL_GET_XML_DESC, { pool, flags })).xml;
  }
  async storagePoolIsActive(pool: PoolRef): Promise<boolean> {
    return (await this.call(P.STORAGE_POOL_IS_ACTIVE, { pool })).active;
  }
  async storagePoolIsPersistent(pool: PoolRef): Promise<boolean> {
    return (await this.call(P.STORAGE_POOL_IS_PERSISTENT, { pool })).persistent;
  }
  async storagePoolGetAutostart(pool: PoolRef): Promise<boolean> {
    return (await this.call(P.STORAGE_POOL_GET_AUTOSTART, { pool })).autostart;
  }
  async storagePoolSetAutostart(pool: PoolRef, autostart: boolean): Promise<void> {
    return this.call(P.STORAGE_POOL_SET_AUTOSTART, { pool, autostart });
  }
  /** CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY (368); events arrive as 370; unsubscribe sends 369. */
  async onStoragePoolLifecycle(
    listener: (ev: PoolLifecycleEvent) => void,
    pool?: PoolRef,
  ): Promise<Subscription> {
    this.requireEventCallbacks();
    return this.poolEvents.subscribe(
      listener,
      async () =>
        (
          await this.call(P.CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY, {
            eventID: EventId.STORAGE_POOL_LIFECYCLE,
            pool: pool ?? null,
          })
        ).callbackID,
      (callbackID) => this.call(P.CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY, { callbackID }),
    );
  }

  // storage volumes

  async storagePoolListAllVolumes(pool: PoolRef, flags = 0): Promise<VolumeRef[]> {
    return (await this.call(P.STORAGE_POOL_LIST_ALL_VOLUMES, { pool, need_results: 1, flags })).vols;
  }
  async storageVolLookupByName(pool: PoolRef, name: string): Promise<VolumeRef> {
    return (await this.call(P.STORAGE_VOL_LOOKUP_BY_NAME, { pool, name })).vol;
  }
  async storageVolLookupByKey(key: string): Promise<VolumeRef> {
    return (await this.call(P.STORAGE_VOL_LOOKUP_BY_KEY, { key })).vol;
  }
  async storageVolLookupByPath(path: string): Promise<VolumeRef> {
    return (await this.call(P.STORAGE_VOL_LOOKUP_BY_PATH, { path })).vol;
  }
  async storageVolCreateXML(pool: PoolRef, xml: string, flags = 0): Promise<VolumeRef> {
    return (await this.call(P.STORAGE_VOL_CREATE_XML, { pool, xml, flags })).vol;
  }
  async storageVolCreateXMLFrom(
    pool: PoolRef,
    xml: string,
    source: VolumeRef,
    flags = 0,
  ): Promise<VolumeRef> {
    return (await this.call(P.STORAGE_VOL_CREATE_XML_FROM, { pool, xml, clonevol: source, flags })).vol;
  }
  async storageVolDelete(vol: VolumeRef, flags = 0): Promise<void> {
    return this.call(P.STORAGE_VOL_DELETE, { vol, flags });
  }
  async storageVolWipe(vol: VolumeRef, flags = 0): Promise<void> {
    return this.call(P.STORAGE_VOL_WIPE, { vol, flags });
  }
  async storageVolResize(vol: VolumeRef, capacity: bigint, flags = 0): Promise<void> {
    return this.call(P.STORAGE_VOL_RESIZE, { vol, capacity, flags });
  }
  async storageVolGetInfo(vol: VolumeRef): Promise<VolumeInfo> {
    return this.call(P.STORAGE_VOL_GET_INFO, { vol });
  }
  async storageVolGetXMLDesc(vol: VolumeRef, flags = 0): Promise<string> {
    return (await this.call(P.STORAGE_VOL_GET_XML_DESC, { vol, flags })).xml;
  }
  async storageVolGetPath(vol: VolumeRef): Promise<string> {
    return (await this.call(P.STORAGE_VOL_GET_PATH, { vol })).name;
  }
  /** STORAGE_VOL_UPLOAD (208), then `source` as STREAM packets; resolves once the server confirms the finish. */
  async storageVolUpload(
    vol: VolumeRef,
    source: Readable,
    offset = 0n,
    length = 0n,
    flags = 0,
  ): Promise<void> {
    const args = encodeArgs(P.STORAGE_VOL_UPLOAD, { vol, offset, length, flags });
    await pipeline(source, await openRemoteStream(this.session, P.STORAGE_VOL_UPLOAD, args));
  }
  /** STORAGE_VOL_DOWNLOAD (209); the volume's bytes arrive as STREAM packets, the finish follows their end. */
  async storageVolDownload(vol: VolumeRef, offset = 0n, length = 0n, flags = 0): Promise<Readable> {
    const args = encodeArgs(P.STORAGE_VOL_DOWNLOAD, { vol, offset, length, flags });
    return openRemoteStream(this.session, P.STORAGE_VOL_DOWNLOAD, args, { finishOnEof: true });
  }
}
