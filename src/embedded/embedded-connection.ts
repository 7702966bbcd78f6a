import { mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import type { Readable } from 'node:stream';
import type { Connection, NodeInfo, VolumeRef } from '../connection.js';
import { QemuDriver } from '../driver/index.js';
import { StorageDriver } from '../storage/index.js';
import { loadQemuConf } from './qemu-conf.js';
import { VERSION } from '../version.js';
import { buildCachedHostProbe } from './host-facts-cache.js';
import { readCapabilities, readNodeInfo } from './host-facts.js';

/** Domain methods of Connection that QemuDriver carries with the same names and signatures. */
const DOMAIN_METHODS = [
  'getType',
  'getVersion',
  'listAllDomains',
  'lookupDomainByName',
  'lookupDomainByUUID',
  'lookupDomainByID',
  'domainDefineXML',
  'domainCreateXML',
  'domainUndefine',
  'domainCreate',
  'domainShutdown',
  'domainDestroy',
  'domainReboot',
  'domainReset',
  'domainSuspend',
  'domainResume',
  'domainGetInfo',
  'domainGetState',
  'domainGetXMLDesc',
  'domainGetOSType',
  'domainIsActive',
  'domainIsPersistent',
  'domainGetAutostart',
  'domainSetAutostart',
  'domainGetVcpus',
  'domainPinVcpu',
  'domainGetVcpuPinInfo',
  'domainSetMemory',
  'domainMemoryStats',
  'onDomainLifecycle',
  'domainOpenConsole',
] as const satisfies ReadonlyArray<keyof Connection & keyof QemuDriver>;

/** Storage methods of Connection that StorageDriver carries with the same names and signatures. */
const STORAGE_METHODS = [
  'listAllStoragePools',
  'lookupStoragePoolByName',
  'lookupStoragePoolByUUID',
  'lookupStoragePoolByVolume',
  'storagePoolDefineXML',
  'storagePoolCreateXML',
  'storagePoolBuild',
  'storagePoolCreate',
  'storagePoolDestroy',
  'storagePoolDelete',
  'storagePoolUndefine',
  'storagePoolRefresh',
  'storagePoolGetInfo',
  'storagePoolGetXMLDesc',
  'storagePoolIsActive',
  'storagePoolIsPersistent',
  'storagePoolGetAutostart',
  'storagePoolSetAutostart',
  'onStoragePoolLifecycle',
  'storagePoolListAllVolumes',
  'storageVolLookupByName',
  'storageVolLookupByKey',
  'storageVolLookupByPath',
  'storageVolCreateXML',
  'storageVolCreateXMLFrom',
  'storageVolDelete',
  'storageVolWipe',
  'storageVolResize',
  'storageVolGetInfo',
  'storageVolGetXMLDesc',
  'storageVolGetPath',
] as const satisfies ReadonlyArray<keyof Connection & keyof StorageDriver>;

type Delegated = Pick<Connection, (typeof DOMAIN_METHODS)[number] | (typeof STORAGE_METHODS)[number]>;

/** Options of EmbeddedConnection.open. */
export interface EmbeddedOptions {
  /** The state folder (DESIGN.md "State on disk"). */
  root: string;
  /** Extra environment for the lvm tools. */
  lvmEnv?: Record<string, string>;
  /** Warnings and notices of the drivers. */
  log?: (line: string) => void;
  /** How long to wait for another process that holds the root (default 5000 ms). */
  lockTimeoutMs?: number;
  /**
   * When the storage driver loads its pools (and makes the default pool on a new root): `'open'`
   * at open, as tsvirtd does so that pools autostart with it; `'first-use'` (the default) on the
   * first storage call or volume disk, which spares a one-shot CLI call such as `start` the pool
   * scan. Either way the first open after a host boot loads them, to autostart pools and domains.
   */
  storageLoad?: 'open' | 'first-use';
  /** qemu.conf (default ROOT/etc/qemu.conf, as libvirt's embedded driver reads it); absent: the defaults. */
  qemuConfFile?: string;
}

/** What EmbeddedConnection.reloadDefinitions added and changed, by name. */
export interface DefinitionsReloaded {
  domains: { added: string[]; updated: string[] };
  pools: { added: string[]; updated: string[] };
}

/** Builds `qemu:///embed?root=DIR` for a root folder. */
export function buildEmbedUri(root: string): string {
  return `qemu:///embed?root=${encodeURIComponent(root).replace(/%2F/g, '/')}`;
}

// The delegated methods are bound onto each instance in the constructor (see bindMethods).
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface EmbeddedConnection extends Delegated {}

/**
 * The drivers in this process, as libvirt's embedded QEMU driver has them: guests keep running when the
 * process exits, and the next open re-adopts them. Only one process may hold a root at a time.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class EmbeddedConnection implements Connection {
  readonly readOnly = false;

  private constructor(
    readonly uri: string,
    private readonly qemu: QemuDriver,
    private readonly pools: StorageOnDemand,
  ) {
    bindMethods(this, qemu, DOMAIN_METHODS);
    for (const name of STORAGE_METHODS) {
      const call = async (...args: unknown[]): Promise<unknown> => {
        const driver = await pools.get();
        return (driver[name] as (...a: unknown[]) => Promise<unknown>).apply(driver, args);
      };
      Object.defineProperty(this, name, { value: call, enumerable: false });
    }
  }

  /** Takes the root, re-adopts running guests, loads the pools (now or on first use), then autostarts. */
  static async open(opts: EmbeddedOptions): Promise<EmbeddedConnection> {
    const cacheDir = join(opts.root, 'cache', 'qemu');
    await mkdir(cacheDir, { recursive: true });
    const qemuConf = await loadQemuConf(opts.qemuConfFile ?? join(opts.root, 'etc', 'qemu.conf'));
    const qemu = await QemuDriver.open({
      root: opts.root,
      qemuConf,
      hostProbe: buildCachedHostProbe(join(cacheDir, 'host-facts.json')),
      autostart: false,
      lockTimeoutMs: opts.lockTimeoutMs ?? 5_000,
      ...(opts.log ? { log: opts.log } : {}),
      resolveVolume: async (pool, volume) => (await pools.get()).resolveVolume(pool, volume),
    });
    const pools = new StorageOnDemand(() =>
      StorageDriver.open({
        root: opts.root,
        isVolumeInUse: (path) => qemu.findDomainUsingPath(path),
        ...(opts.lvmEnv ? { lvmEnv: opts.lvmEnv } : {}),
        ...(opts.log ? { onWarning: opts.log } : {}),
      }),
    );
    try {
      const autostart = await claimAutostart(opts.root);
      if (autostart || opts.storageLoad === 'open') await pools.get();
      if (autostart) await qemu.runAutostart();
    } catch (err) {
      await qemu.close();
      throw err;
    }
    return new EmbeddedConnection(buildEmbedUri(opts.root), qemu, pools);
  }

  /**
   * Reads the domain and pool definitions under the root again (tsvirtd does so on SIGHUP, as
   * libvirtd reloads its drivers). Pools not loaded yet load fresh on first use anyway. Static, so
   * that it is not taken for a method of the Connection interface.
   */
  static async reloadDefinitions(conn: EmbeddedConnection): Promise<DefinitionsReloaded> {
    const domains = await conn.qemu.reloadDefinitions();
    const pools = (await conn.pools.loaded?.reload()) ?? { added: [], updated: [] };
    return { domains, pools };
  }

  /** Releases the root; guests keep running. */
  async close(): Promise<void> {
    await this.pools.loaded?.close();
    await this.qemu.close();
  }

  async getLibVersion(): Promise<bigint> {
    const [major = 0, minor = 0, micro = 0] = VERSION.split('.').map(Number);
    return BigInt(major * 1_000_000 + minor * 1_000 + micro);
  }

  async getHostname(): Promise<string> {
    return hostname();
  }

  getCapabilities(): Promise<string> {
    return readCapabilities();
  }

  getNodeInfo(): Promise<NodeInfo> {
    return readNodeInfo();
  }

  /** virStorageVolUpload: the volume is written in place from `offset`, never truncated. */
  async storageVolUpload(
    vol: VolumeRef,
    source: Readable,
    offset = 0n,
    length = 0n,
    _flags = 0,
  ): Promise<void> {
    await (await this.pools.get()).uploadVolume(vol, source, { offset, length });
  }

  /** virStorageVolDownload: the volume's bytes from `offset`, `length` of them (0: to the end). */
  async storageVolDownload(vol: VolumeRef, offset = 0n, length = 0n, _flags = 0): Promise<Readable> {
    return (await this.pools.get()).downloadVolume(vol, { offset, length });
  }

  /** The pc machine's limit, which qemu reports as 255 for x86_64. */
  async getMaxVcpus(): Promise<number> {
    return 255;
  }
}

/** The storage driver, opened on the first get(). */
class StorageOnDemand {
  private loading: Promise<StorageDriver> | undefined;
  /** The driver once it has loaded. */
  loaded: StorageDriver | undefined;

  constructor(private readonly open: () => Promise<StorageDriver>) {}

  /** One load however many callers ask at once; a failed load is not kept, so the next get retries. */
  get(): Promise<StorageDriver> {
    this.loading ??= this.open().then(
      (driver) => (this.loaded = driver),
      (err: unknown) => {
        this.loading = undefined;
        throw err;
      },
    );
    return this.loading;
  }
}

/**
 * Whether this open should start the autostart domains: once per host boot, as libvirt does with its
 * `autostarted` file in the state folder (there /run, a tmpfs). The root may outlive a boot, so the
 * mark holds the kernel's boot id. Without this, every CLI call on an embedded root would restart a
 * domain that the previous call destroyed.
 */
async function claimAutostart(root: string): Promise<boolean> {
  const mark = join(root, 'run', 'qemu', 'autostarted');
  const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim();
  const seen = (await readFile(mark, 'utf8').catch(() => undefined))?.trim();
  if (seen !== undefined && seen === bootId) return false;
  await writeFileAtomic(mark, `${bootId}\n`);
  return true;
}

/** Copies `names` from `source` onto `target`, bound to `source`. */
function bindMethods<S extends object>(target: object, source: S, names: ReadonlyArray<keyof S>): void {
  for (const name of names) {
    const fn = source[name];
    if (typeof fn !== 'function') throw new TypeError(`embedded connection: ${String(name)} is not a method`);
    Object.defineProperty(target, name, { value: fn.bind(source), enumerable: false });
  }
}
