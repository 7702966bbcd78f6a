/**
 * REMOTE_PROGRAM procedure numbers (REMOTE_PROC_* of remote_protocol.x) that tsvirt speaks: the one place
 * a number is written. The catalogue entries (this folder) name them; protocol.ts re-exports the table.
 * This module imports nothing, so the wire constants can re-export it without an import cycle.
 */

/** REMOTE_PROGRAM procedure numbers (REMOTE_PROC_*) used by tsvirt. */
export const Procedure = {
  CONNECT_OPEN: 1, // remote_string name; uint flags -> void
  CONNECT_CLOSE: 2, // void -> void
  CONNECT_GET_TYPE: 3, // void -> string type
  CONNECT_GET_VERSION: 4, // void -> uhyper hv_ver
  CONNECT_GET_MAX_VCPUS: 5, // remote_string type -> int max_vcpus
  NODE_GET_INFO: 6, // void -> char model[32]; uhyper memory; int cpus, mhz, nodes, sockets, cores, threads
  CONNECT_GET_CAPABILITIES: 7, // void -> string capabilities
  DOMAIN_ATTACH_DEVICE: 8, // dom; string xml -> void
  DOMAIN_CREATE: 9, // dom -> void
  DOMAIN_CREATE_XML: 10, // string xml_desc; uint flags -> dom
  DOMAIN_DEFINE_XML: 11, // string xml -> dom
  DOMAIN_DESTROY: 12, // dom -> void
  DOMAIN_DETACH_DEVICE: 13, // dom; string xml -> void
  DOMAIN_GET_XML_DESC: 14, // dom; uint flags -> string xml
  DOMAIN_GET_AUTOSTART: 15, // dom -> int autostart
  DOMAIN_GET_INFO: 16, // dom -> uchar state; uhyper maxMem, memory; ushort nrVirtCpu; uhyper cpuTime
  DOMAIN_GET_OS_TYPE: 19, // dom -> string type
  DOMAIN_GET_VCPUS: 20, // dom; int maxinfo; int maplen -> vcpu_info info<>; opaque cpumaps<>
  CONNECT_LIST_DEFINED_DOMAINS: 21, // int maxnames -> string names<16384> (legacy listing)
  DOMAIN_LOOKUP_BY_ID: 22, // int id -> dom
  DOMAIN_LOOKUP_BY_NAME: 23, // string name -> dom
  DOMAIN_LOOKUP_BY_UUID: 24, // uuid -> dom
  CONNECT_NUM_OF_DEFINED_DOMAINS: 25, // void -> int num (legacy listing)
  DOMAIN_PIN_VCPU: 26, // dom; uint vcpu; opaque cpumap<> -> void
  DOMAIN_REBOOT: 27, // dom; uint flags -> void
  DOMAIN_RESUME: 28, // dom -> void
  DOMAIN_SET_AUTOSTART: 29, // dom; int autostart -> void
  DOMAIN_SET_MAX_MEMORY: 30, // dom; uhyper memory -> void
  DOMAIN_SET_MEMORY: 31, // dom; uhyper memory -> void
  DOMAIN_SET_VCPUS: 32, // dom; uint nvcpus -> void
  DOMAIN_SHUTDOWN: 33, // dom -> void
  DOMAIN_SUSPEND: 34, // dom -> void
  DOMAIN_UNDEFINE: 35, // dom -> void
  CONNECT_LIST_DEFINED_NETWORKS: 36, // int maxnames -> string names<16384> (legacy listing)
  CONNECT_LIST_DOMAINS: 37, // int maxids -> int ids<16384> (legacy listing)
  CONNECT_LIST_NETWORKS: 38, // int maxnames -> string names<16384> (legacy listing)
  NETWORK_CREATE: 39, // net -> void
  NETWORK_CREATE_XML: 40, // string xml -> net
  NETWORK_DEFINE_XML: 41, // string xml -> net
  NETWORK_DESTROY: 42, // net -> void
  NETWORK_GET_XML_DESC: 43, // net; uint flags -> string xml
  NETWORK_GET_AUTOSTART: 44, // net -> int autostart
  NETWORK_GET_BRIDGE_NAME: 45, // net -> string name
  NETWORK_LOOKUP_BY_NAME: 46, // string name -> net
  NETWORK_LOOKUP_BY_UUID: 47, // uuid -> net
  NETWORK_SET_AUTOSTART: 48, // net; int autostart -> void
  NETWORK_UNDEFINE: 49, // net -> void
  CONNECT_NUM_OF_DEFINED_NETWORKS: 50, // void -> int num (legacy listing)
  CONNECT_NUM_OF_DOMAINS: 51, // void -> int num (legacy listing)
  CONNECT_NUM_OF_NETWORKS: 52, // void -> int num (legacy listing)
  DOMAIN_CORE_DUMP: 53, // dom; remote_nonnull_string to; uint flags -> void
  DOMAIN_RESTORE: 54, // remote_nonnull_string from -> void
  DOMAIN_SAVE: 55, // dom; remote_nonnull_string to -> void
  DOMAIN_GET_SCHEDULER_TYPE: 56, // dom -> string type; int nparams
  DOMAIN_GET_SCHEDULER_PARAMETERS: 57, // dom; int nparams -> typed_param params<16>
  DOMAIN_SET_SCHEDULER_PARAMETERS: 58, // dom; typed_param params<16> -> void
  CONNECT_GET_HOSTNAME: 59, // void -> string hostname
  CONNECT_SUPPORTS_FEATURE: 60, // int feature -> int supported
  DOMAIN_BLOCK_STATS: 64, // dom; string path -> hyper rd_req, rd_bytes, wr_req, wr_bytes, errs
  DOMAIN_INTERFACE_STATS: 65, // dom; string path -> hyper rx_bytes, rx_packets, rx_errs, rx_drop, tx_* (8 hypers)
  AUTH_LIST: 66, // void -> remote_auth_type types<20>
  CONNECT_NUM_OF_STORAGE_POOLS: 71, // void -> int num (legacy listing)
  CONNECT_LIST_STORAGE_POOLS: 72, // int maxnames -> string names<16384>
  CONNECT_NUM_OF_DEFINED_STORAGE_POOLS: 73, // void -> int num
  CONNECT_LIST_DEFINED_STORAGE_POOLS: 74, // int maxnames -> string names<16384>
  STORAGE_POOL_CREATE_XML: 76, // string xml; uint flags -> pool
  STORAGE_POOL_DEFINE_XML: 77, // string xml; uint flags -> pool
  STORAGE_POOL_CREATE: 78, // pool; uint flags -> void
  STORAGE_POOL_BUILD: 79, // pool; uint flags -> void
  STORAGE_POOL_DESTROY: 80, // pool -> void
  STORAGE_POOL_DELETE: 81, // pool; uint flags -> void
  STORAGE_POOL_UNDEFINE: 82, // pool -> void
  STORAGE_POOL_REFRESH: 83, // pool; uint flags -> void
  STORAGE_POOL_LOOKUP_BY_NAME: 84, // string name -> pool
  STORAGE_POOL_LOOKUP_BY_UUID: 85, // uuid -> pool
  STORAGE_POOL_LOOKUP_BY_VOLUME: 86, // vol -> pool
  STORAGE_POOL_GET_INFO: 87, // pool -> uchar state; uhyper capacity, allocation, available
  STORAGE_POOL_GET_XML_DESC: 88, // pool; uint flags -> string xml
  STORAGE_POOL_GET_AUTOSTART: 89, // pool -> int autostart
  STORAGE_POOL_SET_AUTOSTART: 90, // pool; int autostart -> void
  STORAGE_POOL_NUM_OF_VOLUMES: 91, // pool -> int num (legacy listing)
  STORAGE_POOL_LIST_VOLUMES: 92, // pool; int maxnames -> string names<16384>
  STORAGE_VOL_CREATE_XML: 93, // pool; string xml; uint flags -> vol
  STORAGE_VOL_DELETE: 94, // vol; uint flags -> void
  STORAGE_VOL_LOOKUP_BY_NAME: 95, // pool; string name -> vol
  STORAGE_VOL_LOOKUP_BY_KEY: 96, // string key -> vol
  STORAGE_VOL_LOOKUP_BY_PATH: 97, // string path -> vol
  STORAGE_VOL_GET_INFO: 98, // vol -> char type; uhyper capacity, allocation
  STORAGE_VOL_GET_XML_DESC: 99, // vol; uint flags -> string xml
  STORAGE_VOL_GET_PATH: 100, // vol -> string name
  NODE_GET_CELLS_FREE_MEMORY: 101, // int startCell; int maxcells -> uhyper cells<1024>
  NODE_GET_FREE_MEMORY: 102, // void -> uhyper freeMem
  DOMAIN_EVENT_LIFECYCLE: 107, // MESSAGE (legacy): dom; int event; int detail
  CONNECT_GET_URI: 110, // void -> string uri
  DOMAIN_GET_SECURITY_LABEL: 121, // dom -> char label<4097>; int enforcing
  NODE_GET_SECURITY_MODEL: 122, // void -> char model<257>; char doi<257>
  STORAGE_VOL_CREATE_XML_FROM: 125, // pool; string xml; vol clonevol; uint flags -> vol
  CONNECT_NUM_OF_SECRETS: 139, // void -> int num (legacy listing)
  DOMAIN_IS_ACTIVE: 150, // dom -> int active
  DOMAIN_IS_PERSISTENT: 151, // dom -> int persistent
  NETWORK_IS_ACTIVE: 152, // net -> int active
  NETWORK_IS_PERSISTENT: 153, // net -> int persistent
  STORAGE_POOL_IS_ACTIVE: 154, // pool -> int active
  STORAGE_POOL_IS_PERSISTENT: 155, // pool -> int persistent
  CONNECT_GET_LIB_VERSION: 157, // void -> uhyper lib_ver
  DOMAIN_MEMORY_STATS: 159, // dom; uint maxStats; uint flags -> memory_stat stats<1024>
  DOMAIN_ATTACH_DEVICE_FLAGS: 160, // dom; string xml; uint flags -> void
  DOMAIN_DETACH_DEVICE_FLAGS: 161, // dom; string xml; uint flags -> void
  DOMAIN_GET_JOB_INFO: 163, // dom -> int type; uhyper timeElapsed, timeRemaining, data*, mem*, file* (11 uhypers)
  DOMAIN_ABORT_JOB: 164, // dom -> void
  STORAGE_VOL_WIPE: 165, // vol; uint flags -> void
  DOMAIN_MIGRATE_SET_MAX_DOWNTIME: 166, // dom; uhyper downtime (ms); uint flags -> void
  CONNECT_DOMAIN_EVENT_REGISTER_ANY: 167, // int eventID -> void (legacy events, delivered as 107)
  CONNECT_DOMAIN_EVENT_DEREGISTER_ANY: 168, // int eventID -> void
  DOMAIN_UPDATE_DEVICE_FLAGS: 174, // dom; string xml; uint flags -> void
  DOMAIN_MANAGED_SAVE: 182, // dom; uint flags -> void
  DOMAIN_HAS_MANAGED_SAVE_IMAGE: 183, // dom; uint flags -> int result
  DOMAIN_MANAGED_SAVE_REMOVE: 184, // dom; uint flags -> void
  DOMAIN_SNAPSHOT_CREATE_XML: 185, // dom; string xml_desc; uint flags -> snap
  DOMAIN_SNAPSHOT_GET_XML_DESC: 186, // snap; uint flags -> string xml
  DOMAIN_SNAPSHOT_NUM: 187, // dom; uint flags -> int num
  DOMAIN_SNAPSHOT_LIST_NAMES: 188, // dom; int maxnames; uint flags -> names<16384>
  DOMAIN_SNAPSHOT_LOOKUP_BY_NAME: 189, // dom; string name; uint flags -> snap
  DOMAIN_HAS_CURRENT_SNAPSHOT: 190, // dom; uint flags -> int result
  DOMAIN_SNAPSHOT_CURRENT: 191, // dom; uint flags -> snap
  DOMAIN_REVERT_TO_SNAPSHOT: 192, // snap; uint flags -> void
  DOMAIN_SNAPSHOT_DELETE: 193, // snap; uint flags -> void
  DOMAIN_GET_BLOCK_INFO: 194, // dom; string path; uint flags -> uhyper allocation, capacity, physical
  DOMAIN_CREATE_WITH_FLAGS: 196, // dom; uint flags -> dom
  DOMAIN_SET_VCPUS_FLAGS: 199, // dom; uint nvcpus; uint flags -> void
  DOMAIN_GET_VCPUS_FLAGS: 200, // dom; uint flags -> int num
  DOMAIN_OPEN_CONSOLE: 201, // dom; remote_string dev_name; uint flags -> void, then STREAM packets
  CONNECT_GET_SYSINFO: 203, // uint flags -> string sysinfo
  DOMAIN_SET_MEMORY_FLAGS: 204, // dom; uhyper memory; uint flags -> void
  DOMAIN_MIGRATE_SET_MAX_SPEED: 207, // dom; uhyper bandwidth (MiB/s); uint flags -> void
  STORAGE_VOL_UPLOAD: 208, // vol; uhyper offset; uhyper length; uint flags -> void, then STREAM packets in
  STORAGE_VOL_DOWNLOAD: 209, // vol; uhyper offset; uhyper length; uint flags -> void, then STREAM packets out
  DOMAIN_INJECT_NMI: 210, // dom; uint flags -> void
  DOMAIN_SCREENSHOT: 211, // dom; uint screen; uint flags -> remote_string mime, then STREAM packets out
  DOMAIN_GET_STATE: 212, // dom; uint flags -> int state; int reason
  DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS: 219, // dom; typed_param params<16>; uint flags -> void
  DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS: 223, // dom; int nparams; uint flags -> typed_param params<16>
  DOMAIN_PIN_VCPU_FLAGS: 225, // dom; uint vcpu; opaque cpumap<>; uint flags -> void
  DOMAIN_SEND_KEY: 226, // dom; uint codeset; uint holdtime; uint keycodes<16>; uint flags -> void
  NODE_GET_CPU_STATS: 227, // int cpuNum; int nparams; uint flags -> node_get_cpu_stats params<16>; int nparams
  NODE_GET_MEMORY_STATS: 228, // int nparams; int cellNum; uint flags -> node_get_memory_stats params<16>; int nparams
  DOMAIN_GET_VCPU_PIN_INFO: 230, // dom; int ncpumaps; int maplen; uint flags -> opaque cpumaps<>; int num
  DOMAIN_UNDEFINE_FLAGS: 231, // dom; uint flags -> void
  DOMAIN_SAVE_FLAGS: 232, // dom; string to; remote_string dxml; uint flags -> void
  DOMAIN_RESTORE_FLAGS: 233, // string from; remote_string dxml; uint flags -> void
  DOMAIN_DESTROY_FLAGS: 234, // dom; uint flags -> void
  DOMAIN_SAVE_IMAGE_GET_XML_DESC: 235, // string file; uint flags -> string xml
  DOMAIN_SAVE_IMAGE_DEFINE_XML: 236, // string file; string dxml; uint flags -> void
  DOMAIN_MIGRATE_GET_MAX_SPEED: 242, // dom; uint flags -> uhyper bandwidth (MiB/s)
  DOMAIN_BLOCK_STATS_FLAGS: 243, // dom; string path; int nparams; uint flags -> typed_param params<16>; int nparams
  DOMAIN_SNAPSHOT_GET_PARENT: 244, // snap; uint flags -> snap
  DOMAIN_RESET: 245, // dom; uint flags -> void
  DOMAIN_SNAPSHOT_NUM_CHILDREN: 246, // snap; uint flags -> int num
  DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES: 247, // snap; int maxnames; uint flags -> names<16384>
  DOMAIN_BLOCK_JOB_ABORT: 237, // dom; string path; uint flags -> void
  DOMAIN_GET_BLOCK_JOB_INFO: 238, // dom; string path; uint flags -> int found, type; uhyper bandwidth, cur, end
  DOMAIN_BLOCK_PULL: 240, // dom; string path; uhyper bandwidth; uint flags -> void
  DOMAIN_BLOCK_RESIZE: 251, // dom; string disk; uhyper size; uint flags -> void
  DOMAIN_SHUTDOWN_FLAGS: 258, // dom; uint flags -> void
  STORAGE_VOL_RESIZE: 260, // vol; uhyper capacity; uint flags -> void
  DOMAIN_GET_DISK_ERRORS: 263, // dom; uint maxerrors; uint flags -> disk_error errors<256>; int nerrors
  DOMAIN_SET_METADATA: 264, // dom; int type; string? metadata; string? key; string? uri; uint flags -> void
  DOMAIN_GET_METADATA: 265, // dom; int type; string? uri; uint flags -> string metadata
  DOMAIN_SNAPSHOT_IS_CURRENT: 271, // snap; uint flags -> int current
  DOMAIN_SNAPSHOT_HAS_METADATA: 272, // snap; uint flags -> int metadata
  CONNECT_LIST_ALL_DOMAINS: 273, // int need_results; uint flags -> dom domains<>; uint ret
  DOMAIN_LIST_ALL_SNAPSHOTS: 274, // dom; int need_results; uint flags -> snapshots<16384>; int ret
  DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN: 275, // snapshot; int need_results; uint flags -> snapshots<16384>; int ret
  CONNECT_LIST_ALL_STORAGE_POOLS: 281, // int need_results; uint flags -> pool pools<>; uint ret
  STORAGE_POOL_LIST_ALL_VOLUMES: 282, // pool; int need_results; uint flags -> vol vols<>; uint ret
  CONNECT_LIST_ALL_NETWORKS: 283, // int need_results; uint flags -> net nets<16384>; uint ret
  CONNECT_LIST_ALL_INTERFACES: 284, // int need_results; uint flags -> interface ifaces<>; uint ret
  CONNECT_LIST_ALL_NODE_DEVICES: 285, // int need_results; uint flags -> node_device devices<>; uint ret
  CONNECT_LIST_ALL_SECRETS: 287, // int need_results; uint flags -> secret secrets<>; uint ret
  NETWORK_UPDATE: 291, // net; uint command; uint section; int parentIndex; string xml; uint flags -> void
  NODE_GET_CPU_MAP: 293, // int need_map; int need_online; uint flags -> opaque cpumap<>; uint online; int ret
  DOMAIN_GET_JOB_STATS: 298, // dom; uint flags -> int type; typed_param params<64>
  DOMAIN_MIGRATE_BEGIN3_PARAMS: 302, // dom; typed_param params<64>; uint flags -> opaque cookie_out; string xml
  DOMAIN_MIGRATE_PREPARE3_PARAMS: 303, // params<64>; opaque cookie_in; uint flags -> opaque cookie_out; remote_string uri_out
  DOMAIN_MIGRATE_PREPARE_TUNNEL3_PARAMS: 304, // params<64>; opaque cookie_in; uint flags -> opaque cookie_out, then STREAM packets in
  DOMAIN_MIGRATE_PERFORM3_PARAMS: 305, // dom; remote_string dconnuri; params<64>; opaque cookie_in; uint flags -> opaque cookie_out
  DOMAIN_MIGRATE_FINISH3_PARAMS: 306, // params<64>; opaque cookie_in; uint flags; int cancelled -> dom; opaque cookie_out
  DOMAIN_MIGRATE_CONFIRM3_PARAMS: 307, // dom; params<64>; opaque cookie_in; uint flags; int cancelled -> void
  CONNECT_GET_CPU_MODEL_NAMES: 312, // string arch; int need_results; uint flags -> string models<8192>; int ret
  CONNECT_NETWORK_EVENT_REGISTER_ANY: 313, // int eventID; remote_network net -> int callbackID
  CONNECT_NETWORK_EVENT_DEREGISTER_ANY: 314, // int callbackID -> void
  NETWORK_EVENT_LIFECYCLE: 315, // MESSAGE: int callbackID; net; int event; int detail
  CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY: 316, // int eventID; remote_domain dom -> int callbackID
  CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY: 317, // int callbackID -> void
  DOMAIN_EVENT_CALLBACK_LIFECYCLE: 318, // MESSAGE: int callbackID; dom; int event; int detail
  DOMAIN_EVENT_CALLBACK_BLOCK_JOB: 326, // MESSAGE: int callbackID; dom; string path; int type; int status
  DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED: 333, // MESSAGE: int callbackID; dom; string devAlias
  DOMAIN_BLOCK_COMMIT: 290, // dom; string disk; string? base, top; uhyper bandwidth; uint flags -> void
  DOMAIN_CORE_DUMP_WITH_FORMAT: 334, // dom; string to; uint dumpformat; uint flags -> void
  DOMAIN_EVENT_BLOCK_JOB_2: 339, // MESSAGE: int callbackID; dom; string dst; int type; int status
  NETWORK_GET_DHCP_LEASES: 341, // net; string? mac; int need_results; uint flags -> lease leases<65536>; uint ret
  CONNECT_GET_DOMAIN_CAPABILITIES: 342, // string? emulatorbin, arch, machine, virttype; uint flags -> string capabilities
  DOMAIN_OPEN_GRAPHICS_FD: 343, // dom; uint idx; uint flags -> void, the reply (REPLY_WITH_FDS) carries one fd
  CONNECT_GET_ALL_DOMAIN_STATS: 344, // dom doms<16384>; uint stats; uint flags -> domain_stats_record retStats<16384>
  DOMAIN_DEFINE_XML_FLAGS: 350, // string xml; uint flags -> dom
  DOMAIN_INTERFACE_ADDRESSES: 353, // dom; uint source; uint flags -> domain_interface ifaces<2048>
  DOMAIN_EVENT_CALLBACK_DEVICE_ADDED: 354, // MESSAGE: int callbackID; dom; string devAlias
  CONNECT_REGISTER_CLOSE_CALLBACK: 360, // void -> void
  CONNECT_UNREGISTER_CLOSE_CALLBACK: 361, // void -> void
  DOMAIN_MIGRATE_START_POST_COPY: 364, // dom; uint flags -> void
  DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED: 367, // MESSAGE: int callbackID; dom; string devAlias
  DOMAIN_EVENT_CALLBACK_METADATA_CHANGE: 379, // MESSAGE: int callbackID; dom; int type; string? nsuri
  CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY: 368, // int eventID; remote_storage_pool pool -> int callbackID
  CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY: 369, // int callbackID -> void
  STORAGE_POOL_EVENT_LIFECYCLE: 370, // MESSAGE: int callbackID; pool; int event; int detail
  STORAGE_POOL_EVENT_REFRESH: 373, // MESSAGE: int callbackID; pool
  DOMAIN_MIGRATE_GET_MAX_DOWNTIME: 387, // dom; uint flags -> uhyper downtime (ms)
  DOMAIN_MANAGED_SAVE_GET_XML_DESC: 388, // dom; uint flags -> string xml
  DOMAIN_MANAGED_SAVE_DEFINE_XML: 389, // dom; remote_string dxml; uint flags -> void
  DOMAIN_DETACH_DEVICE_ALIAS: 392, // dom; string alias; uint flags -> void
  DOMAIN_GET_MESSAGES: 426, // dom; uint flags -> string msgs<2048>
} as const;
/** One REMOTE_PROGRAM procedure number. */
export type ProcedureNumber = (typeof Procedure)[keyof typeof Procedure];
