/**
 * libvirt's numbers for domain state reasons, lifecycle events and API flags, as the C headers
 * (libvirt-domain.h) give them. The driver reports and accepts exactly these values.
 */

/** virDomainState. */
export const DomainState = {
  NOSTATE: 0, // no state
  RUNNING: 1, // the domain is running
  BLOCKED: 2, // blocked on a resource
  PAUSED: 3, // paused by the user or the hypervisor
  SHUTDOWN: 4, // being shut down
  SHUTOFF: 5, // shut off
  CRASHED: 6, // crashed
  PMSUSPENDED: 7, // suspended by guest power management
} as const;
export type DomainStateValue = (typeof DomainState)[keyof typeof DomainState];

/** virDomainNostateReason. */
export const NostateReason = {
  UNKNOWN: 0, // the reason is unknown
} as const;

/** virDomainRunningReason. */
export const RunningReason = {
  UNKNOWN: 0, // the reason is unknown
  BOOTED: 1, // normal startup from boot
  MIGRATED: 2, // migrated from another host
  RESTORED: 3, // restored from a state file
  FROM_SNAPSHOT: 4, // restored from a snapshot
  UNPAUSED: 5, // returned from paused state
  MIGRATION_CANCELED: 6, // returned from a migration that failed or was cancelled
  SAVE_CANCELED: 7, // returned from a save that failed or was aborted
} as const;

/** virDomainPausedReason. */
export const PausedReason = {
  UNKNOWN: 0, // the reason is unknown
  USER: 1, // paused on user request
  MIGRATION: 2, // paused for offline migration (and while qemu waits for an incoming state)
  SAVE: 3, // paused for a save
  DUMP: 4, // paused for a core dump
  FROM_SNAPSHOT: 7, // paused after a revert to a snapshot
  SNAPSHOT: 9, // paused while a snapshot is taken
  SHUTTING_DOWN: 8, // paused during shutdown process
  STARTING_UP: 11, // the domain is being started
} as const;

/** virDomainShutdownReason. */
export const ShutdownReason = {
  UNKNOWN: 0, // the reason is unknown
  USER: 1, // shutting down on user request
} as const;

/** virDomainShutoffReason. */
export const ShutoffReason = {
  UNKNOWN: 0, // the reason is unknown
  SHUTDOWN: 1, // normal shutdown
  DESTROYED: 2, // forced poweroff
  CRASHED: 3, // domain crashed
  MIGRATED: 4, // migrated to another host
  SAVED: 5, // saved to a file
  FAILED: 6, // domain failed to start
  FROM_SNAPSHOT: 7, // shut off by a revert to a snapshot
} as const;

/** virDomainEventType. */
export const EventType = {
  DEFINED: 0,
  UNDEFINED: 1,
  STARTED: 2,
  SUSPENDED: 3,
  RESUMED: 4,
  STOPPED: 5,
  SHUTDOWN: 6,
  PMSUSPENDED: 7,
  CRASHED: 8,
} as const;

/** virDomainEventDefinedDetailType. */
export const DefinedDetail = {
  ADDED: 0, // newly created config file
  UPDATED: 1, // changed config file
} as const;

/** virDomainEventUndefinedDetailType. */
export const UndefinedDetail = {
  REMOVED: 0, // deleted the config file
} as const;

/** virDomainEventStartedDetailType. */
export const StartedDetail = {
  BOOTED: 0, // normal startup from boot
  MIGRATED: 1, // incoming migration from another host
  RESTORED: 2, // restored from a state file
  FROM_SNAPSHOT: 3, // restored from a snapshot
} as const;

/** virDomainEventSuspendedDetailType. */
export const SuspendedDetail = {
  PAUSED: 0, // normal suspend due to admin pause
  MIGRATED: 1, // suspended for offline migration, or at the end of a live one
  FROM_SNAPSHOT: 5, // paused by a revert to a snapshot
} as const;

/** virDomainEventResumedDetailType. */
export const ResumedDetail = {
  UNPAUSED: 0, // normal resume due to admin unpause
  MIGRATED: 1, // resumed for the second part of a migration (destination), or after a failed one (source)
  FROM_SNAPSHOT: 2, // resumed by a revert to a snapshot
} as const;

/** virDomainEventStoppedDetailType. */
export const StoppedDetail = {
  SHUTDOWN: 0, // normal shutdown
  DESTROYED: 1, // forced poweroff from host
  CRASHED: 2, // guest crashed
  MIGRATED: 3, // migrated off to another host
  SAVED: 4, // saved to a state file
  FAILED: 5, // host emulator/mgmt failed (libvirt's detail when qemu dies without a SHUTDOWN event)
  FROM_SNAPSHOT: 6, // stopped by a revert to a snapshot
} as const;

/** virDomainEventShutdownDetailType. */
export const ShutdownDetail = {
  FINISHED: 0, // guest finished shutdown sequence
  GUEST: 1, // initiated by the guest
  HOST: 2, // initiated by the host (for example system_powerdown)
} as const;

/** virConnectListAllDomainsFlags. */
export const ListFlags = {
  ACTIVE: 1,
  INACTIVE: 2,
  PERSISTENT: 4,
  TRANSIENT: 8,
  RUNNING: 16,
  PAUSED: 32,
  SHUTOFF: 64,
  OTHER: 128,
  MANAGEDSAVE: 256,
  NO_MANAGEDSAVE: 512,
  AUTOSTART: 1024,
  NO_AUTOSTART: 2048,
  HAS_SNAPSHOT: 4096,
  NO_SNAPSHOT: 8192,
} as const;

/** virDomainCreateFlags. */
export const CreateFlags = {
  PAUSED: 1, // launch the guest in paused state
  AUTODESTROY: 2, // destroy the guest when the connection closes (not supported)
  BYPASS_CACHE: 4, // a hint for reading a managed save image (tsvirt reads through the cache)
  FORCE_BOOT: 8, // boot even when a managed save image exists, removing it
} as const;

/** virDomainSaveRestoreFlags. */
export const SaveRestoreFlags = {
  BYPASS_CACHE: 1, // avoid the file system cache (a hint; tsvirt writes through the cache and syncs)
  RUNNING: 2, // the restored guest runs, whatever its state when saved
  PAUSED: 4, // the restored guest is paused, whatever its state when saved
  RESET_NVRAM: 8, // re-initialise the NVRAM from its template (no NVRAM in tsvirt: nothing to do)
} as const;

/** virDomainCoreDumpFlags. */
export const DumpFlags = {
  CRASH: 1, // the guest is shut off (crashed) after the dump
  LIVE: 2, // the guest keeps running during the dump
  BYPASS_CACHE: 4, // a hint (tsvirt writes through the cache and syncs the file at the end)
  RESET: 8, // the guest is reset after the dump
  MEMORY_ONLY: 16, // the guest's memory only, as an ELF or kdump core (qemu's dump-guest-memory)
} as const;

/** virDomainCoreDumpFormat. */
export const CoreDumpFormat = {
  RAW: 0, // with MEMORY_ONLY, an ELF core
  KDUMP_ZLIB: 1, // kdump-compressed, zlib
  KDUMP_LZO: 2, // kdump-compressed, lzo
  KDUMP_SNAPPY: 3, // kdump-compressed, snappy
  WIN_DMP: 4, // a Windows crash dump
} as const;

/** virDomainBlockCommitFlags. */
export const BlockCommitFlags = {
  SHALLOW: 1, // base is top's immediate backing image
  DELETE: 2, // delete the committed images (not supported)
  ACTIVE: 4, // top may be the active layer: the job then waits for a pivot or an abort
  RELATIVE: 8, // keep relative backing names (not supported)
  BANDWIDTH_BYTES: 16, // bandwidth is in bytes/s, not MiB/s
} as const;

/** virDomainBlockJobAbortFlags. */
export const BlockJobAbortFlags = {
  ASYNC: 1, // return at once, do not wait for the job to end
  PIVOT: 2, // a ready job switches the disk to its result
} as const;

/** virDomainBlockJobType. */
export const BlockJobType = {
  UNKNOWN: 0,
  PULL: 1, // block pull (stream)
  COPY: 2, // block copy (mirror)
  COMMIT: 3, // commit of an image below the active layer
  ACTIVE_COMMIT: 4, // commit of the active layer
  BACKUP: 5,
} as const;

/** virDomainBlockPullFlags. */
export const BlockPullFlags = {
  BANDWIDTH_BYTES: 64, // bandwidth is in bytes/s, not MiB/s
} as const;

/** virDomainBlockJobInfoFlags. */
export const BlockJobInfoFlags = {
  BANDWIDTH_BYTES: 1, // report bandwidth in bytes/s, not MiB/s
} as const;

/** virDomainDestroyFlagsValues. */
export const DestroyFlags = {
  GRACEFUL: 1, // only SIGTERM, no SIGKILL
} as const;

/** virDomainShutdownFlagValues / virDomainRebootFlagValues. */
export const PowerFlags = {
  DEFAULT: 0, // hypervisor's choice: ACPI here
  ACPI_POWER_BTN: 1, // send ACPI event
  GUEST_AGENT: 2, // use the guest agent (not supported)
  INITCTL: 4, // not supported
  SIGNAL: 8, // not supported
  PARAVIRT: 16, // not supported
} as const;

/** virDomainXMLFlags. */
export const XmlFlags = {
  SECURE: 1, // dump security sensitive information too
  INACTIVE: 2, // dump the persistent definition
} as const;

/** virDomainDefineFlags. */
export const DefineFlags = {
  VALIDATE: 1, // check the XML against the schema
} as const;

/** virDomainVcpuFlags. */
export const VcpuFlags = {
  LIVE: 1, // the running domain
  CONFIG: 2, // the persistent definition
  MAXIMUM: 4, // the maximum vCPU count rather than the current one
  GUEST: 8, // the vCPUs the guest OS uses (through a guest agent)
  HOTPLUGGABLE: 16, // vCPUs added to the config may be unplugged later
} as const;

/** virDomainBlockResizeFlags. */
export const BlockResizeFlags = {
  BYTES: 1, // the size is in bytes, not KiB
} as const;

/** virDomainGetJobStatsFlags. */
export const DomainJobStatsFlags = {
  COMPLETED: 1, // the job that ended last rather than the one running
  KEEP_COMPLETED: 2, // with COMPLETED: keep that record for the next call instead of clearing it
} as const;

/** virDomainConsoleFlags. */
export const ConsoleFlags = {
  FORCE: 1, // take the console over from another user
  SAFE: 2, // only with safe handling of concurrent users (always so in tsvirt)
} as const;

/** virDomainMetadataType: which part of the domain's metadata virDomainSetMetadata and GetMetadata address. */
export const MetadataType = {
  DESCRIPTION: 0, // <description>, free text
  TITLE: 1, // <title>, one line
  ELEMENT: 2, // one namespaced element under <metadata>, chosen by its namespace URI
} as const;

/** virDomainModificationImpact (and virDomainMemoryModFlags, which adds MAXIMUM). */
export const ModificationImpact = {
  CURRENT: 0, // the current state: live if running, else config
  LIVE: 1, // the running domain
  CONFIG: 2, // the persistent definition
  MAXIMUM: 4, // virDomainSetMemoryFlags: the maximum memory, not the balloon (not supported live)
} as const;

/** virDomainDeviceModifyFlags (attach, detach and update of a device). */
export const DeviceModifyFlags = {
  CURRENT: 0, // live if running, else config
  LIVE: 1, // the running domain
  CONFIG: 2, // the persistent definition
  FORCE: 4, // update-device: eject even a medium the guest locked
} as const;

/** virDomainMemoryStatTags. */
export const MemoryStatTag = {
  SWAP_IN: 0, // KiB swapped in
  SWAP_OUT: 1, // KiB swapped out
  MAJOR_FAULT: 2, // major page faults
  MINOR_FAULT: 3, // minor page faults
  UNUSED: 4, // KiB unused by the guest
  AVAILABLE: 5, // KiB usable by the guest
  ACTUAL_BALLOON: 6, // current balloon size in KiB
  RSS: 7, // resident set size of the qemu process in KiB
  USABLE: 8, // KiB the guest can use without swapping
  LAST_UPDATE: 9, // timestamp of the last guest stats update (seconds)
  DISK_CACHES: 10, // KiB of disk caches in the guest
} as const;

/** virVcpuState. */
export const VcpuState = {
  OFFLINE: 0,
  RUNNING: 1,
  BLOCKED: 2,
} as const;

/** virDomainJobType: what kind of job domjobinfo describes. */
export const JobType = {
  NONE: 0, // no job
  BOUNDED: 1, // the totals are known
  UNBOUNDED: 2, // the totals are still growing
  COMPLETED: 3, // the job finished (--completed)
  FAILED: 4, // the job failed (--completed)
  CANCELLED: 5, // the job was aborted (--completed)
} as const;

/** virDomainJobOperation: what an async job is doing, as domjobinfo reports it. */
export const JobOperation = {
  UNKNOWN: 0,
  START: 1,
  SAVE: 2,
  RESTORE: 3,
  MIGRATION_IN: 4,
  MIGRATION_OUT: 5,
  SNAPSHOT: 6,
  SNAPSHOT_REVERT: 7,
  DUMP: 8,
  BACKUP: 9,
  SNAPSHOT_DELETE: 10,
} as const;
