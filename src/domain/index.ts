export type {
  BootDevice,
  CharDevConfig,
  ClockConfig,
  CpuConfig,
  DevicesConfig,
  DiskConfig,
  DiskSource,
  DomainConfig,
  DomainLiveFacts,
  FeaturesConfig,
  GraphicsConfig,
  InterfaceConfig,
  LifecycleAction,
  OsConfig,
  PciAddress,
  DriveAddress,
  MemballoonConfig,
  VideoConfig,
  SataControllerConfig,
  RootPortConfig,
} from './types.js';
export { parseDomainXml } from './parse-domain.js';
export type { ParseDomainOptions } from './parse-domain.js';
export { parseDomainXmlOffThread, OFF_THREAD_MIN_CHARS } from './parse-thread.js';
export { formatDomainXml } from './format-domain.js';
export { validateDomainConfig } from './validate.js';
export {
  generateMac,
  generateUuid,
  normalizeMac,
  normalizeUuid,
  validateDomainName,
  MAX_DOMAIN_NAME_LENGTH,
} from './identity.js';
export { buildQemuArgv, escapeQemuOpt } from './qemu-argv.js';
export type { QemuArgvOptions, QemuHostFacts, QemuRuntimePaths } from './qemu-argv.js';
export { findConsoleSerialIndex } from './console-serial.js';
export {
  assignAliases,
  buildBlockNodeNames,
  buildChardevId,
  buildDiskAlias,
  buildNetdevId,
  diskAlias,
  isUserAlias,
  listAliases,
  nicAlias,
  serialAlias,
  AHCI_ALIAS,
  BALLOON_ALIAS,
  USER_ALIAS_PATTERN,
  VIDEO_ALIAS,
} from './aliases.js';
export { assignDeviceAddresses, assignLiveIdentities } from './device-identity.js';
export {
  addImplicitDevices,
  addSpareRootPort,
  buildPciAddress,
  describePciAddress,
  formatQemuPciAddr,
  getMachinePciFacts,
  hasPciLayout,
  layOutPciSlots,
  listSlotUsers,
  PCI_FUNCTION_MAX,
  PCI_SLOT_MAX,
  Q35_SATA_ADDRESS,
} from './pci-address.js';
export type { MachinePciFacts, PciSlotUser } from './pci-address.js';
export { validatePciAddresses } from './pci-address-check.js';
export { buildDriveAddress, findDriveAddress } from './drive-address.js';
export {
  buildBalloonDevice,
  buildDiskObjects,
  buildImplicitDevices,
  buildNicObjects,
  buildPciPlacement,
  buildRootPortDevices,
  findPciBusId,
  buildSerialDevice,
  resolveDiskPath,
} from './device-objects.js';
export type {
  BlockdevObject,
  DiskObjects,
  ImplicitDeviceObjects,
  NetdevObject,
  NicObjects,
  QemuDeviceObject,
} from './device-objects.js';
export { parseSizeToKiB, parseCpuset, formatCpuset } from './units.js';
export { DEFAULT_MACHINE, isQ35Machine } from './parse-os.js';
