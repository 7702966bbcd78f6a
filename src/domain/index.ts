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
} from './types.js';
export { parseDomainXml } from './parse-domain.js';
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
export type { QemuHostFacts, QemuRuntimePaths } from './qemu-argv.js';
export { findConsoleSocket } from './qemu-device-args.js';
export { diskAlias, nicAlias, serialAlias, BALLOON_ALIAS, VIDEO_ALIAS } from './aliases.js';
export { parseSizeToKiB, parseCpuset, formatCpuset } from './units.js';
export { DEFAULT_MACHINE, isQ35Machine } from './parse-os.js';
