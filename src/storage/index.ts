/** Storage pools and volumes: the driver, its XML codecs, flag values and tool wrappers. */
export { StorageDriver, type StorageDriverOptions } from './storage-driver.js';
export * from '../api/storage-enums.js';
export { parsePoolXml, formatPoolXml, type PoolDef, type PoolType, type PoolSizes } from './pool-xml.js';
export {
  parseVolumeXml,
  formatVolumeXml,
  FILE_FORMATS,
  type FileFormat,
  type VolumeSpec,
  type VolumeDesc,
} from './volume-xml.js';
export { parseSize, parseUnit } from '../units.js';
export { validateName } from './names.js';
export type { TransferRange } from './volume-stream.js';
