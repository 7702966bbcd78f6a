import { readFile } from 'node:fs/promises';
import { ensureDirMode } from '../driver/runtime-files.js';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { resolve } from 'node:path';
import type {
  Connection,
  DomainApi,
  DomainSnapshotApi,
  HostApi,
  NetworkApi,
  StoragePoolApi,
  StorageVolApi,
} from '../connection.js';
import {
  buildAddressSources,
  buildDanglingNicWarnings,
  buildNetworkPorts,
  NetworkDriver,
  type NetworkBackend,
} from '../network/index.js';
import { QemuDriver } from '../driver/index.js';
import { StorageDriver } from '../storage/index.js';
import { loadQemuConf } from './qemu-conf.js';
import { buildCachedHostProbe } from './host-facts-cache.js';
import { HostDriver } from './host-driver.js';
import type { HostProbes } from './host-facts.js';
import { buildCachedQemuCapsProbe } from './qemu-caps.js';
import { memoizeAsync } from '../driver/host.js';
import { buildStorageResources } from './storage-resources.js';

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
  /** The network data plane (default: the host's, through iproute2); tests pass one bound to a namespace. */
  networkBackend?: NetworkBackend;
}

/** The system root: only there is the `default` network marked autostart, as libvirt's packages do. */
export const SYSTEM_ROOT = '/var/lib/tsvirt';

/** What EmbeddedConnection.reloadDefinitions added and changed, by name. */
export interface DefinitionsReloaded {
  domains: { added: string[]; updated: string[] };
  pools: { added: string[]; updated: string[] };
}

/** Builds `qemu:///embed?root=DIR` for a root folder. */
export function buildEmbedUri(root: string): string {
  return `qemu:///embed?root=${encodeURIComponent(root).replace(/%2F/g, '/')}`;
}

/**
 * The drivers in this process, as libvirt's embedded QEMU driver has them: guests keep running when the
 * process exits, and the next open re-adopts them. Only one process may hold a root at a time.
 *
 * It composes the drivers explicitly: each part of Connection is forwarded to the driver that
 * implements that part's interface (HostDriver: HostApi, QemuDriver: DomainApi, StorageDriver:
 * StoragePoolApi and StorageVolApi), so a driver whose signature drifts from its interface no longer
 * compiles. The storage driver is opened on first use (see EmbeddedOptions.storageLoad).
 */
export class EmbeddedConnection implements Connection {
  readonly readOnly = false;
  private readonly host: HostDriver;

  private constructor(
    readonly uri: string,
    private readonly qemu: QemuDriver,
    private readonly pools: StorageOnDemand,
    private readonly networks: NetworkDriver,
    probes: HostProbes,
  ) {
    this.host = new HostDriver(qemu, probes);
  }

  /** Takes the root, re-adopts running guests, loads the pools (now or on first use), then autostarts. */
  static async open(opts: EmbeddedOptions): Promise<EmbeddedConnection> {
    const cacheDir = join(opts.root, 'cache', 'qemu');
    // The host probes' cache: tsvirt's alone, 0700 whatever the umask.
    await ensureDirMode(join(opts.root, 'cache'), 0o700);
    await ensureDirMode(cacheDir, 0o700);
    const qemuConf = await loadQemuConf(opts.qemuConfFile ?? join(opts.root, 'etc', 'qemu.conf'));
    const probes: HostProbes = {
      hostFacts: memoizeAsync(buildCachedHostProbe(join(cacheDir, 'host-facts.json'))),
      qemuCaps: buildCachedQemuCapsProbe(join(cacheDir, 'qemu-caps.json')),
    };
    const qemu = await QemuDriver.open({
      root: opts.root,
      qemuConf,
      hostProbe: probes.hostFacts,
      qemuCaps: probes.qemuCaps,
      autostart: false,
      lockTimeoutMs: opts.lockTimeoutMs ?? 5_000,
      ...(opts.log ? { log: opts.log } : {}),
      resources: [
        buildStorageResources(async (pool, volume) => (await pools.get()).resolveVolume(pool, volume)),
        buildNetworkPorts((name) => networks.portFor(name)),
      ],
      addressSources: buildAddressSources(() => networks),
    });
    const pools = new StorageOnDemand(() =>
      StorageDriver.open({
        root: opts.root,
        isVolumeInUse: (path) => qemu.findDomainUsingPath(path),
        ...(opts.lvmEnv ? { lvmEnv: opts.lvmEnv } : {}),
        ...(opts.log ? { onWarning: opts.log } : {}),
      }),
    );
    let networks: NetworkDriver;
    try {
      const autostart = await claimAutostart(opts.root);
      networks = await NetworkDriver.open({
        root: opts.root,
        autostart,
        autostartDefault: resolve(opts.root) === SYSTEM_ROOT,
        ...(opts.networkBackend ? { backend: opts.networkBackend } : {}),
        ...(opts.log ? { onWarning: opts.log } : {}),
      });
      // The guests were re-adopted before the networks: only now is it known which are left off theirs.
      const running = (name: string): boolean => networks.isRunning(name);
      for (const line of buildDanglingNicWarnings(qemu.listRunningInterfaces(), running)) opts.log?.(line);
      if (autostart || opts.storageLoad === 'open') await pools.get();
      if (autostart) await qemu.runAutostart();
    } catch (err) {
      await qemu.close();
      throw err;
    }
    return new EmbeddedConnection(buildEmbedUri(opts.root), qemu, pools, networks, probes);
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
    await this.networks.close();
    await this.qemu.close();
  }

  // host: HostDriver
  getType: HostApi['getType'] = () => this.host.getType();
  getVersion: HostApi['getVersion'] = () => this.host.getVersion();
  getLibVersion: HostApi['getLibVersion'] = () => this.host.getLibVersion();
  getHostname: HostApi['getHostname'] = () => this.host.getHostname();
  getCapabilities: HostApi['getCapabilities'] = () => this.host.getCapabilities();
  getNodeInfo: HostApi['getNodeInfo'] = () => this.host.getNodeInfo();
  getMaxVcpus: HostApi['getMaxVcpus'] = (...a) => this.host.getMaxVcpus(...a);
  getDomainCapabilities: HostApi['getDomainCapabilities'] = (...a) => this.host.getDomainCapabilities(...a);
  getCpuModelNames: HostApi['getCpuModelNames'] = (...a) => this.host.getCpuModelNames(...a);
  getSysinfo: HostApi['getSysinfo'] = (...a) => this.host.getSysinfo(...a);
  getNodeCpuStats: HostApi['getNodeCpuStats'] = (...a) => this.host.getNodeCpuStats(...a);
  getNodeMemoryStats: HostApi['getNodeMemoryStats'] = (...a) => this.host.getNodeMemoryStats(...a);
  getCellsFreeMemory: HostApi['getCellsFreeMemory'] = (...a) => this.host.getCellsFreeMemory(...a);
  getFreeMemory: HostApi['getFreeMemory'] = () => this.host.getFreeMemory();

  // domains: QemuDriver
  listAllDomains: DomainApi['listAllDomains'] = (...a) => this.qemu.listAllDomains(...a);
  lookupDomainByName: DomainApi['lookupDomainByName'] = (...a) => this.qemu.lookupDomainByName(...a);
  lookupDomainByUUID: DomainApi['lookupDomainByUUID'] = (...a) => this.qemu.lookupDomainByUUID(...a);
  lookupDomainByID: DomainApi['lookupDomainByID'] = (...a) => this.qemu.lookupDomainByID(...a);
  domainDefineXML: DomainApi['domainDefineXML'] = (...a) => this.qemu.domainDefineXML(...a);
  domainCreateXML: DomainApi['domainCreateXML'] = (...a) => this.qemu.domainCreateXML(...a);
  domainUndefine: DomainApi['domainUndefine'] = (...a) => this.qemu.domainUndefine(...a);
  domainCreate: DomainApi['domainCreate'] = (...a) => this.qemu.domainCreate(...a);
  domainShutdown: DomainApi['domainShutdown'] = (...a) => this.qemu.domainShutdown(...a);
  domainDestroy: DomainApi['domainDestroy'] = (...a) => this.qemu.domainDestroy(...a);
  domainReboot: DomainApi['domainReboot'] = (...a) => this.qemu.domainReboot(...a);
  domainReset: DomainApi['domainReset'] = (...a) => this.qemu.domainReset(...a);
  domainSuspend: DomainApi['domainSuspend'] = (...a) => this.qemu.domainSuspend(...a);
  domainResume: DomainApi['domainResume'] = (...a) => this.qemu.domainResume(...a);
  domainGetInfo: DomainApi['domainGetInfo'] = (...a) => this.qemu.domainGetInfo(...a);
  domainGetState: DomainApi['domainGetState'] = (...a) => this.qemu.domainGetState(...a);
  domainGetXMLDesc: DomainApi['domainGetXMLDesc'] = (...a) => this.qemu.domainGetXMLDesc(...a);
  domainGetOSType: DomainApi['domainGetOSType'] = (...a) => this.qemu.domainGetOSType(...a);
  domainIsActive: DomainApi['domainIsActive'] = (...a) => this.qemu.domainIsActive(...a);
  domainIsPersistent: DomainApi['domainIsPersistent'] = (...a) => this.qemu.domainIsPersistent(...a);
  domainGetAutostart: DomainApi['domainGetAutostart'] = (...a) => this.qemu.domainGetAutostart(...a);
  domainSetAutostart: DomainApi['domainSetAutostart'] = (...a) => this.qemu.domainSetAutostart(...a);
  domainGetVcpus: DomainApi['domainGetVcpus'] = (...a) => this.qemu.domainGetVcpus(...a);
  domainPinVcpu: DomainApi['domainPinVcpu'] = (...a) => this.qemu.domainPinVcpu(...a);
  domainGetVcpuPinInfo: DomainApi['domainGetVcpuPinInfo'] = (...a) => this.qemu.domainGetVcpuPinInfo(...a);
  domainSetMemory: DomainApi['domainSetMemory'] = (...a) => this.qemu.domainSetMemory(...a);
  domainSetMetadata: DomainApi['domainSetMetadata'] = (...a) => this.qemu.domainSetMetadata(...a);
  domainGetMetadata: DomainApi['domainGetMetadata'] = (...a) => this.qemu.domainGetMetadata(...a);
  domainMemoryStats: DomainApi['domainMemoryStats'] = (...a) => this.qemu.domainMemoryStats(...a);
  domainSetVcpus: DomainApi['domainSetVcpus'] = (...a) => this.qemu.domainSetVcpus(...a);
  domainScreenshot: DomainApi['domainScreenshot'] = (...a) => this.qemu.domainScreenshot(...a);
  domainSendKey: DomainApi['domainSendKey'] = (...a) => this.qemu.domainSendKey(...a);
  domainInjectNMI: DomainApi['domainInjectNMI'] = (...a) => this.qemu.domainInjectNMI(...a);
  domainBlockResize: DomainApi['domainBlockResize'] = (...a) => this.qemu.domainBlockResize(...a);
  domainGetJobInfo: DomainApi['domainGetJobInfo'] = (...a) => this.qemu.domainGetJobInfo(...a);
  domainGetJobStats: DomainApi['domainGetJobStats'] = (...a) => this.qemu.domainGetJobStats(...a);
  domainAbortJob: DomainApi['domainAbortJob'] = (...a) => this.qemu.domainAbortJob(...a);
  getAllDomainStats: DomainApi['getAllDomainStats'] = (...a) => this.qemu.getAllDomainStats(...a);
  domainBlockStats: DomainApi['domainBlockStats'] = (...a) => this.qemu.domainBlockStats(...a);
  domainBlockStatsFlags: DomainApi['domainBlockStatsFlags'] = (...a) => this.qemu.domainBlockStatsFlags(...a);
  domainInterfaceStats: DomainApi['domainInterfaceStats'] = (...a) => this.qemu.domainInterfaceStats(...a);
  domainInterfaceAddresses: DomainApi['domainInterfaceAddresses'] = (...a) =>
    this.qemu.domainInterfaceAddresses(...a);
  domainGetBlockInfo: DomainApi['domainGetBlockInfo'] = (...a) => this.qemu.domainGetBlockInfo(...a);
  domainGetDiskErrors: DomainApi['domainGetDiskErrors'] = (...a) => this.qemu.domainGetDiskErrors(...a);
  domainGetSchedulerType: DomainApi['domainGetSchedulerType'] = (...a) =>
    this.qemu.domainGetSchedulerType(...a);
  domainGetSchedulerParameters: DomainApi['domainGetSchedulerParameters'] = (...a) =>
    this.qemu.domainGetSchedulerParameters(...a);
  domainSetSchedulerParameters: DomainApi['domainSetSchedulerParameters'] = (...a) =>
    this.qemu.domainSetSchedulerParameters(...a);
  domainSave: DomainApi['domainSave'] = (...a) => this.qemu.domainSave(...a);
  domainCoreDump: DomainApi['domainCoreDump'] = (...a) => this.qemu.domainCoreDump(...a);
  domainBlockCommit: DomainApi['domainBlockCommit'] = (...a) => this.qemu.domainBlockCommit(...a);
  domainBlockPull: DomainApi['domainBlockPull'] = (...a) => this.qemu.domainBlockPull(...a);
  domainGetBlockJobInfo: DomainApi['domainGetBlockJobInfo'] = (...a) => this.qemu.domainGetBlockJobInfo(...a);
  domainBlockJobAbort: DomainApi['domainBlockJobAbort'] = (...a) => this.qemu.domainBlockJobAbort(...a);
  domainMigrateSetMaxDowntime: DomainApi['domainMigrateSetMaxDowntime'] = (...a) =>
    this.qemu.domainMigrateSetMaxDowntime(...a);
  domainMigrateGetMaxDowntime: DomainApi['domainMigrateGetMaxDowntime'] = (...a) =>
    this.qemu.domainMigrateGetMaxDowntime(...a);
  domainMigrateSetMaxSpeed: DomainApi['domainMigrateSetMaxSpeed'] = (...a) =>
    this.qemu.domainMigrateSetMaxSpeed(...a);
  domainMigrateGetMaxSpeed: DomainApi['domainMigrateGetMaxSpeed'] = (...a) =>
    this.qemu.domainMigrateGetMaxSpeed(...a);
  domainMigrateStartPostCopy: DomainApi['domainMigrateStartPostCopy'] = (...a) =>
    this.qemu.domainMigrateStartPostCopy(...a);
  domainMigrateBegin3Params: DomainApi['domainMigrateBegin3Params'] = (...a) =>
    this.qemu.domainMigrateBegin3Params(...a);
  domainMigratePrepare3Params: DomainApi['domainMigratePrepare3Params'] = (...a) =>
    this.qemu.domainMigratePrepare3Params(...a);
  domainMigratePrepareTunnel3Params: DomainApi['domainMigratePrepareTunnel3Params'] = (...a) =>
    this.qemu.domainMigratePrepareTunnel3Params(...a);
  domainMigratePerform3Params: DomainApi['domainMigratePerform3Params'] = (...a) =>
    this.qemu.domainMigratePerform3Params(...a);
  domainMigrateFinish3Params: DomainApi['domainMigrateFinish3Params'] = (...a) =>
    this.qemu.domainMigrateFinish3Params(...a);
  domainMigrateConfirm3Params: DomainApi['domainMigrateConfirm3Params'] = (...a) =>
    this.qemu.domainMigrateConfirm3Params(...a);
  domainRestore: DomainApi['domainRestore'] = (...a) => this.qemu.domainRestore(...a);
  domainSaveImageGetXMLDesc: DomainApi['domainSaveImageGetXMLDesc'] = (...a) =>
    this.qemu.domainSaveImageGetXMLDesc(...a);
  domainSaveImageDefineXML: DomainApi['domainSaveImageDefineXML'] = (...a) =>
    this.qemu.domainSaveImageDefineXML(...a);
  domainManagedSave: DomainApi['domainManagedSave'] = (...a) => this.qemu.domainManagedSave(...a);
  domainHasManagedSaveImage: DomainApi['domainHasManagedSaveImage'] = (...a) =>
    this.qemu.domainHasManagedSaveImage(...a);
  domainManagedSaveRemove: DomainApi['domainManagedSaveRemove'] = (...a) =>
    this.qemu.domainManagedSaveRemove(...a);
  domainManagedSaveGetXMLDesc: DomainApi['domainManagedSaveGetXMLDesc'] = (...a) =>
    this.qemu.domainManagedSaveGetXMLDesc(...a);
  domainManagedSaveDefineXML: DomainApi['domainManagedSaveDefineXML'] = (...a) =>
    this.qemu.domainManagedSaveDefineXML(...a);
  domainSnapshotCreateXML: DomainSnapshotApi['domainSnapshotCreateXML'] = (...a) =>
    this.qemu.domainSnapshotCreateXML(...a);
  domainListAllSnapshots: DomainSnapshotApi['domainListAllSnapshots'] = (...a) =>
    this.qemu.domainListAllSnapshots(...a);
  domainSnapshotNum: DomainSnapshotApi['domainSnapshotNum'] = (...a) => this.qemu.domainSnapshotNum(...a);
  domainSnapshotListAllChildren: DomainSnapshotApi['domainSnapshotListAllChildren'] = (...a) =>
    this.qemu.domainSnapshotListAllChildren(...a);
  domainSnapshotNumChildren: DomainSnapshotApi['domainSnapshotNumChildren'] = (...a) =>
    this.qemu.domainSnapshotNumChildren(...a);
  domainSnapshotLookupByName: DomainSnapshotApi['domainSnapshotLookupByName'] = (...a) =>
    this.qemu.domainSnapshotLookupByName(...a);
  domainSnapshotGetXMLDesc: DomainSnapshotApi['domainSnapshotGetXMLDesc'] = (...a) =>
    this.qemu.domainSnapshotGetXMLDesc(...a);
  domainSnapshotCurrent: DomainSnapshotApi['domainSnapshotCurrent'] = (...a) =>
    this.qemu.domainSnapshotCurrent(...a);
  domainHasCurrentSnapshot: DomainSnapshotApi['domainHasCurrentSnapshot'] = (...a) =>
    this.qemu.domainHasCurrentSnapshot(...a);
  domainSnapshotGetParent: DomainSnapshotApi['domainSnapshotGetParent'] = (...a) =>
    this.qemu.domainSnapshotGetParent(...a);
  domainSnapshotIsCurrent: DomainSnapshotApi['domainSnapshotIsCurrent'] = (...a) =>
    this.qemu.domainSnapshotIsCurrent(...a);
  domainSnapshotHasMetadata: DomainSnapshotApi['domainSnapshotHasMetadata'] = (...a) =>
    this.qemu.domainSnapshotHasMetadata(...a);
  domainRevertToSnapshot: DomainSnapshotApi['domainRevertToSnapshot'] = (...a) =>
    this.qemu.domainRevertToSnapshot(...a);
  domainSnapshotDelete: DomainSnapshotApi['domainSnapshotDelete'] = (...a) =>
    this.qemu.domainSnapshotDelete(...a);
  onDomainLifecycle: DomainApi['onDomainLifecycle'] = (...a) => this.qemu.onDomainLifecycle(...a);
  onDomainEvent: DomainApi['onDomainEvent'] = (...a) => this.qemu.onDomainEvent(...a);
  domainAttachDevice: DomainApi['domainAttachDevice'] = (...a) => this.qemu.domainAttachDevice(...a);
  domainDetachDevice: DomainApi['domainDetachDevice'] = (...a) => this.qemu.domainDetachDevice(...a);
  domainUpdateDevice: DomainApi['domainUpdateDevice'] = (...a) => this.qemu.domainUpdateDevice(...a);
  domainDetachDeviceAlias: DomainApi['domainDetachDeviceAlias'] = (...a) =>
    this.qemu.domainDetachDeviceAlias(...a);
  domainOpenConsole: DomainApi['domainOpenConsole'] = (...a) => this.qemu.domainOpenConsole(...a);
  domainOpenGraphicsFD: DomainApi['domainOpenGraphicsFD'] = (...a) => this.qemu.domainOpenGraphicsFD(...a);

  // storage pools: StorageDriver
  listAllStoragePools: StoragePoolApi['listAllStoragePools'] = async (...a) =>
    (await this.pools.get()).listAllStoragePools(...a);
  lookupStoragePoolByName: StoragePoolApi['lookupStoragePoolByName'] = async (...a) =>
    (await this.pools.get()).lookupStoragePoolByName(...a);
  lookupStoragePoolByUUID: StoragePoolApi['lookupStoragePoolByUUID'] = async (...a) =>
    (await this.pools.get()).lookupStoragePoolByUUID(...a);
  lookupStoragePoolByVolume: StoragePoolApi['lookupStoragePoolByVolume'] = async (...a) =>
    (await this.pools.get()).lookupStoragePoolByVolume(...a);
  storagePoolDefineXML: StoragePoolApi['storagePoolDefineXML'] = async (...a) =>
    (await this.pools.get()).storagePoolDefineXML(...a);
  storagePoolCreateXML: StoragePoolApi['storagePoolCreateXML'] = async (...a) =>
    (await this.pools.get()).storagePoolCreateXML(...a);
  storagePoolBuild: StoragePoolApi['storagePoolBuild'] = async (...a) =>
    (await this.pools.get()).storagePoolBuild(...a);
  storagePoolCreate: StoragePoolApi['storagePoolCreate'] = async (...a) =>
    (await this.pools.get()).storagePoolCreate(...a);
  storagePoolDestroy: StoragePoolApi['storagePoolDestroy'] = async (...a) =>
    (await this.pools.get()).storagePoolDestroy(...a);
  storagePoolDelete: StoragePoolApi['storagePoolDelete'] = async (...a) =>
    (await this.pools.get()).storagePoolDelete(...a);
  storagePoolUndefine: StoragePoolApi['storagePoolUndefine'] = async (...a) =>
    (await this.pools.get()).storagePoolUndefine(...a);
  storagePoolRefresh: StoragePoolApi['storagePoolRefresh'] = async (...a) =>
    (await this.pools.get()).storagePoolRefresh(...a);
  storagePoolGetInfo: StoragePoolApi['storagePoolGetInfo'] = async (...a) =>
    (await this.pools.get()).storagePoolGetInfo(...a);
  storagePoolGetXMLDesc: StoragePoolApi['storagePoolGetXMLDesc'] = async (...a) =>
    (await this.pools.get()).storagePoolGetXMLDesc(...a);
  storagePoolIsActive: StoragePoolApi['storagePoolIsActive'] = async (...a) =>
    (await this.pools.get()).storagePoolIsActive(...a);
  storagePoolIsPersistent: StoragePoolApi['storagePoolIsPersistent'] = async (...a) =>
    (await this.pools.get()).storagePoolIsPersistent(...a);
  storagePoolGetAutostart: StoragePoolApi['storagePoolGetAutostart'] = async (...a) =>
    (await this.pools.get()).storagePoolGetAutostart(...a);
  storagePoolSetAutostart: StoragePoolApi['storagePoolSetAutostart'] = async (...a) =>
    (await this.pools.get()).storagePoolSetAutostart(...a);
  onStoragePoolLifecycle: StoragePoolApi['onStoragePoolLifecycle'] = async (...a) =>
    (await this.pools.get()).onStoragePoolLifecycle(...a);
  onStoragePoolRefresh: StoragePoolApi['onStoragePoolRefresh'] = async (...a) =>
    (await this.pools.get()).onStoragePoolRefresh(...a);

  // storage volumes: StorageDriver
  storagePoolListAllVolumes: StorageVolApi['storagePoolListAllVolumes'] = async (...a) =>
    (await this.pools.get()).storagePoolListAllVolumes(...a);
  storageVolLookupByName: StorageVolApi['storageVolLookupByName'] = async (...a) =>
    (await this.pools.get()).storageVolLookupByName(...a);
  storageVolLookupByKey: StorageVolApi['storageVolLookupByKey'] = async (...a) =>
    (await this.pools.get()).storageVolLookupByKey(...a);
  storageVolLookupByPath: StorageVolApi['storageVolLookupByPath'] = async (...a) =>
    (await this.pools.get()).storageVolLookupByPath(...a);
  storageVolCreateXML: StorageVolApi['storageVolCreateXML'] = async (...a) =>
    (await this.pools.get()).storageVolCreateXML(...a);
  storageVolCreateXMLFrom: StorageVolApi['storageVolCreateXMLFrom'] = async (...a) =>
    (await this.pools.get()).storageVolCreateXMLFrom(...a);
  storageVolDelete: StorageVolApi['storageVolDelete'] = async (...a) =>
    (await this.pools.get()).storageVolDelete(...a);
  storageVolWipe: StorageVolApi['storageVolWipe'] = async (...a) =>
    (await this.pools.get()).storageVolWipe(...a);
  storageVolResize: StorageVolApi['storageVolResize'] = async (...a) =>
    (await this.pools.get()).storageVolResize(...a);
  storageVolGetInfo: StorageVolApi['storageVolGetInfo'] = async (...a) =>
    (await this.pools.get()).storageVolGetInfo(...a);
  storageVolGetXMLDesc: StorageVolApi['storageVolGetXMLDesc'] = async (...a) =>
    (await this.pools.get()).storageVolGetXMLDesc(...a);
  storageVolGetPath: StorageVolApi['storageVolGetPath'] = async (...a) =>
    (await this.pools.get()).storageVolGetPath(...a);
  storageVolUpload: StorageVolApi['storageVolUpload'] = async (...a) =>
    (await this.pools.get()).storageVolUpload(...a);
  storageVolDownload: StorageVolApi['storageVolDownload'] = async (...a) =>
    (await this.pools.get()).storageVolDownload(...a);

  // networks: NetworkDriver
  listAllNetworks: NetworkApi['listAllNetworks'] = (...a) => this.networks.listAllNetworks(...a);
  lookupNetworkByName: NetworkApi['lookupNetworkByName'] = (...a) => this.networks.lookupNetworkByName(...a);
  lookupNetworkByUUID: NetworkApi['lookupNetworkByUUID'] = (...a) => this.networks.lookupNetworkByUUID(...a);
  networkDefineXML: NetworkApi['networkDefineXML'] = (...a) => this.networks.networkDefineXML(...a);
  networkCreateXML: NetworkApi['networkCreateXML'] = (...a) => this.networks.networkCreateXML(...a);
  networkUndefine: NetworkApi['networkUndefine'] = (...a) => this.networks.networkUndefine(...a);
  networkCreate: NetworkApi['networkCreate'] = (...a) => this.networks.networkCreate(...a);
  networkDestroy: NetworkApi['networkDestroy'] = (...a) => this.networks.networkDestroy(...a);
  networkGetXMLDesc: NetworkApi['networkGetXMLDesc'] = (...a) => this.networks.networkGetXMLDesc(...a);
  networkIsActive: NetworkApi['networkIsActive'] = (...a) => this.networks.networkIsActive(...a);
  networkIsPersistent: NetworkApi['networkIsPersistent'] = (...a) => this.networks.networkIsPersistent(...a);
  networkGetAutostart: NetworkApi['networkGetAutostart'] = (...a) => this.networks.networkGetAutostart(...a);
  networkSetAutostart: NetworkApi['networkSetAutostart'] = (...a) => this.networks.networkSetAutostart(...a);
  networkGetBridgeName: NetworkApi['networkGetBridgeName'] = (...a) =>
    this.networks.networkGetBridgeName(...a);
  networkGetDHCPLeases: NetworkApi['networkGetDHCPLeases'] = (...a) =>
    this.networks.networkGetDHCPLeases(...a);
  networkUpdate: NetworkApi['networkUpdate'] = (...a) => this.networks.networkUpdate(...a);
  onNetworkLifecycle: NetworkApi['onNetworkLifecycle'] = (...a) => this.networks.onNetworkLifecycle(...a);
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
