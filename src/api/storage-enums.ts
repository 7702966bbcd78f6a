/** libvirt's storage flag and enum values, as the wire carries them (libvirt-storage.h). */

/** virConnectListAllStoragePoolsFlags. */
export const ListPoolsFlags = {
  INACTIVE: 1 << 0, // pools that are not running
  ACTIVE: 1 << 1, // pools that are running
  PERSISTENT: 1 << 2, // pools with a persistent definition
  TRANSIENT: 1 << 3, // pools without one
  AUTOSTART: 1 << 4, // pools marked to start with the host
  NO_AUTOSTART: 1 << 5, // pools not so marked
  DIR: 1 << 6, // type dir
  FS: 1 << 7, // type fs
  NETFS: 1 << 8, // type netfs
  LOGICAL: 1 << 9, // type logical
} as const;

/** virStoragePoolBuildFlags. */
export const PoolBuildFlags = {
  NEW: 0, // build from scratch
  REPAIR: 1 << 0, // repair (not supported)
  RESIZE: 1 << 1, // extend (not supported)
  NO_OVERWRITE: 1 << 2, // refuse devices that hold data
  OVERWRITE: 1 << 3, // overwrite devices that hold data
} as const;

/** virStoragePoolCreateFlags. */
export const PoolCreateFlags = {
  WITH_BUILD: 1 << 0, // build before starting
  WITH_BUILD_OVERWRITE: 1 << 1, // build with OVERWRITE
  WITH_BUILD_NO_OVERWRITE: 1 << 2, // build with NO_OVERWRITE
} as const;

/** virStoragePoolDeleteFlags. */
export const PoolDeleteFlags = {
  NORMAL: 0, // remove the pool's storage
  ZEROED: 1 << 0, // clear it first (not supported)
} as const;

/** virStorageXMLFlags. */
export const StorageXmlFlags = {
  INACTIVE: 1 << 0, // dump the persistent definition
} as const;

/** virStorageVolCreateFlags. */
export const VolCreateFlags = {
  PREALLOC_METADATA: 1 << 0, // qcow2: preallocate metadata
  REFLINK: 1 << 1, // clone with a reflink copy (not supported)
} as const;

/** virStorageVolResizeFlags. */
export const VolResizeFlags = {
  ALLOCATE: 1 << 0, // allocate the new space
  DELTA: 1 << 1, // capacity is added to the current size
  SHRINK: 1 << 2, // allow shrinking
} as const;

/** virStoragePoolState. */
export const PoolState = {
  INACTIVE: 0, // not running
  BUILDING: 1, // being built
  RUNNING: 2, // running normally
  DEGRADED: 3, // running, degraded
  INACCESSIBLE: 4, // running, not accessible
} as const;

/** virStorageVolType. */
export const VolType = {
  FILE: 0, // a regular file
  BLOCK: 1, // a block device
} as const;

/** virStoragePoolEventLifecycleType. */
export const PoolEvent = {
  DEFINED: 0, // definition stored
  UNDEFINED: 1, // definition removed
  STARTED: 2, // pool started
  STOPPED: 3, // pool stopped
  CREATED: 4, // pool built
  DELETED: 5, // pool's storage deleted
} as const;
