/** libvirt's domain snapshot flags (libvirt-domain-snapshot.h), each value with its meaning. */

/** virDomainSnapshotCreateFlags. */
export const SnapshotCreateFlags = {
  REDEFINE: 1, // restore or alter the metadata of a snapshot
  CURRENT: 2, // with REDEFINE: make the snapshot current
  NO_METADATA: 4, // make the snapshot without keeping its metadata
  HALT: 8, // stop the guest after the snapshot
  DISK_ONLY: 16, // disks only, no memory state
  REUSE_EXT: 32, // reuse existing external files
  QUIESCE: 64, // freeze the guest's file systems first (needs a guest agent)
  ATOMIC: 128, // all disks or none
  LIVE: 256, // take memory while the guest runs
  VALIDATE: 512, // validate the XML against the schema
} as const;

/** virDomainSnapshotListFlags (ROOTS for a domain's list, DESCENDANTS for a snapshot's children). */
export const SnapshotListFlags = {
  ROOTS: 1, // only snapshots without a parent
  DESCENDANTS: 1, // children of children too
  METADATA: 2, // only snapshots with metadata
  LEAVES: 4, // only snapshots without children
  NO_LEAVES: 8, // only snapshots with children
  NO_METADATA: 16, // only snapshots without metadata
  INACTIVE: 32, // taken of a shut-off guest
  ACTIVE: 64, // taken of a running or paused guest, with memory
  DISK_ONLY: 128, // disk-only snapshots
  INTERNAL: 256, // kept inside the disk images
  EXTERNAL: 512, // kept in other files
  TOPOLOGICAL: 1024, // each parent before its children
} as const;

/** virDomainSnapshotRevertFlags. */
export const SnapshotRevertFlags = {
  RUNNING: 1, // run the guest after the revert
  PAUSED: 2, // leave the guest paused after the revert
  FORCE: 4, // allow a risky revert
  RESET_NVRAM: 8, // recreate the NVRAM from its template
} as const;

/** virDomainSnapshotDeleteFlags. */
export const SnapshotDeleteFlags = {
  CHILDREN: 1, // delete the snapshot and its descendants
  METADATA_ONLY: 2, // delete only the metadata, not the data in the images
  CHILDREN_ONLY: 4, // delete the descendants only
} as const;

/** virDomainSnapshotXMLFlags. */
export const SnapshotXmlFlags = {
  SECURE: 1, // include secrets in the domain XML
} as const;

/** virDomainUndefineFlagsValues: SNAPSHOTS_METADATA also removes the snapshots' metadata. */
export const UNDEFINE_SNAPSHOTS_METADATA = 2;
