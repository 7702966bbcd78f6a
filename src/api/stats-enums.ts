/**
 * libvirt's numbers for domain statistics (libvirt-domain.h): the groups of virConnectGetAllDomainStats,
 * its domain filters, and the disk error codes of virDomainGetDiskErrors.
 */

/** virDomainStatsTypes: the groups a bulk stats call may ask for. */
export const DomainStatsGroup = {
  STATE: 1, // VIR_DOMAIN_STATS_STATE: state.state, state.reason
  CPU_TOTAL: 2, // VIR_DOMAIN_STATS_CPU_TOTAL: cpu.time, cpu.user, cpu.system
  BALLOON: 4, // VIR_DOMAIN_STATS_BALLOON: balloon.current, balloon.maximum, guest memory figures
  VCPU: 8, // VIR_DOMAIN_STATS_VCPU: vcpu.current, vcpu.maximum, vcpu.N.*
  INTERFACE: 16, // VIR_DOMAIN_STATS_INTERFACE: net.count, net.N.*
  BLOCK: 32, // VIR_DOMAIN_STATS_BLOCK: block.count, block.N.*
  PERF: 64, // VIR_DOMAIN_STATS_PERF: perf events (not served)
  IOTHREAD: 128, // VIR_DOMAIN_STATS_IOTHREAD (not served)
  MEMORY: 256, // VIR_DOMAIN_STATS_MEMORY (not served)
  DIRTYRATE: 512, // VIR_DOMAIN_STATS_DIRTYRATE (not served)
  VM: 1024, // VIR_DOMAIN_STATS_VM (not served)
} as const;

/** The groups tsvirt fills; stats 0 means these. */
export const SERVED_STATS_GROUPS =
  DomainStatsGroup.STATE |
  DomainStatsGroup.CPU_TOTAL |
  DomainStatsGroup.BALLOON |
  DomainStatsGroup.VCPU |
  DomainStatsGroup.INTERFACE |
  DomainStatsGroup.BLOCK;

/** virConnectGetAllDomainStatsFlags. The filter bits are those of virConnectListAllDomains. */
export const GetAllStatsFlags = {
  ACTIVE: 1, // VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE
  INACTIVE: 2, // ..._INACTIVE
  PERSISTENT: 4, // ..._PERSISTENT
  TRANSIENT: 8, // ..._TRANSIENT
  RUNNING: 16, // ..._RUNNING
  PAUSED: 32, // ..._PAUSED
  SHUTOFF: 64, // ..._SHUTOFF
  OTHER: 128, // ..._OTHER
  NOWAIT: 1 << 29, // ..._NOWAIT: do not wait for a domain's job (tsvirt never does)
  BACKING: 1 << 30, // ..._BACKING: also the backing chain's images (tsvirt has none to add)
  ENFORCE_STATS: 2 ** 31, // ..._ENFORCE_STATS: fail when a group asked for is not served
} as const;

/** The filter bits of GetAllStatsFlags, which virDomainListGetStats refuses. */
export const GET_ALL_STATS_FILTERS = 0xff;

/** virDomainDiskErrorCode. */
export const DiskErrorCode = {
  NONE: 0, // no error
  UNSPEC: 1, // unspecified I/O error
  NO_SPACE: 2, // no space left on the device
} as const;
