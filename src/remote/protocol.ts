/**
 * Wire constants of libvirt's RPC (virnetprotocol.x, virkeepaliveprotocol.x, remote_protocol.x).
 * Procedure numbers live in src/api/catalogue/procedure-numbers.ts (checked against remote_protocol.x).
 */

/** Program numbers and versions carried in every packet header. */
export const Program = {
  REMOTE: 0x20008086, // REMOTE_PROGRAM: the hypervisor API
  REMOTE_VERSION: 1, // REMOTE_PROTOCOL_VERSION
  KEEPALIVE: 0x6b656570, // KEEPALIVE_PROGRAM, ASCII "keep"
  KEEPALIVE_VERSION: 1, // KEEPALIVE_PROTOCOL_VERSION
} as const;

/** virNetMessageType. */
export const MessageType = {
  CALL: 0, // client to server
  REPLY: 1, // server to client, echoes the call's serial
  MESSAGE: 2, // asynchronous event or keepalive, either direction
  STREAM: 3, // stream data
  CALL_WITH_FDS: 4, // unix sockets only
  REPLY_WITH_FDS: 5, // unix sockets only
} as const;

/** virNetMessageStatus. */
export const MessageStatus = {
  OK: 0, // success; the body is the *_ret struct
  ERROR: 1, // failure; the body is remote_error
  CONTINUE: 2, // more stream data follows
} as const;

/** Keepalive procedures (program KEEPALIVE); both travel as MESSAGE with an empty body. */
export const KeepaliveProcedure = {
  PING: 1, // "are you there?"; the peer answers PONG
  PONG: 2, // answer to PING
} as const;

/** Size limits (virnetprotocol.x and remote_protocol.x). */
export const Limit = {
  MESSAGE_MAX: 16777216, // VIR_NET_MESSAGE_MAX: header + payload, not counting the length word
  HEADER_SIZE: 24, // VIR_NET_MESSAGE_HEADER_MAX: six 4-byte header fields
  LEN_SIZE: 4, // VIR_NET_MESSAGE_LEN_MAX: the length word
  STRING_MAX: 4194304, // REMOTE_STRING_MAX (and VIR_NET_MESSAGE_STRING_MAX)
  DOMAIN_LIST_MAX: 16384, // REMOTE_DOMAIN_LIST_MAX (also bounds the legacy id and name lists)
  STORAGE_POOL_LIST_MAX: 4096, // REMOTE_STORAGE_POOL_LIST_MAX (also bounds the legacy name lists)
  STORAGE_VOL_LIST_MAX: 16384, // REMOTE_STORAGE_VOL_LIST_MAX
  VCPUINFO_MAX: 16384, // REMOTE_VCPUINFO_MAX
  CPUMAP_MAX: 2048, // REMOTE_CPUMAP_MAX: bytes of one CPU bitmap
  CPUMAPS_MAX: 8388608, // REMOTE_CPUMAPS_MAX: bytes of all vCPU bitmaps together
  AUTH_TYPE_LIST_MAX: 20, // REMOTE_AUTH_TYPE_LIST_MAX
  DOMAIN_MEMORY_STATS_MAX: 1024, // REMOTE_DOMAIN_MEMORY_STATS_MAX
  SECURITY_MODEL_MAX: 257, // REMOTE_SECURITY_MODEL_MAX = VIR_SECURITY_MODEL_BUFLEN (256 + 1)
  SECURITY_DOI_MAX: 257, // REMOTE_SECURITY_DOI_MAX = VIR_SECURITY_DOI_BUFLEN (256 + 1)
  SECURITY_LABEL_MAX: 4097, // REMOTE_SECURITY_LABEL_MAX = VIR_SECURITY_LABEL_BUFLEN (4096 + 1)
  DOMAIN_MESSAGES_MAX: 2048, // REMOTE_DOMAIN_MESSAGES_MAX
  STREAM_CHUNK_MAX: 262144, // VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX: the data libvirtd puts in one STREAM packet
  NODE_MODEL_CHARS: 32, // char model[32] of remote_node_get_info_ret
  CONNECT_CPU_MODELS_MAX: 8192, // REMOTE_CONNECT_CPU_MODELS_MAX
  NODE_CPU_STATS_MAX: 16, // REMOTE_NODE_CPU_STATS_MAX
  NODE_MEMORY_STATS_MAX: 16, // REMOTE_NODE_MEMORY_STATS_MAX
  NODE_MAX_CELLS: 1024, // REMOTE_NODE_MAX_CELLS
  SECRET_LIST_MAX: 16384, // REMOTE_SECRET_LIST_MAX
  INTERFACE_LIST_MAX: 16384, // REMOTE_INTERFACE_LIST_MAX
  NODE_DEVICE_LIST_MAX: 65536, // REMOTE_NODE_DEVICE_LIST_MAX
} as const;

/** Smallest valid length word: the length word itself plus the 24-byte header. */
export const MIN_PACKET_BYTES = Limit.LEN_SIZE + Limit.HEADER_SIZE;
/** Largest valid length word: VIR_NET_MESSAGE_MAX plus the length word. */
export const MAX_PACKET_BYTES = Limit.MESSAGE_MAX + Limit.LEN_SIZE;

export { Procedure, type ProcedureNumber } from '../api/catalogue/procedure-numbers.js';

/** virDrvFeature values asked with CONNECT_SUPPORTS_FEATURE. */
export const Feature = {
  MIGRATION_P2P: 4, // VIR_MIGRATE_PEER2PEER: the source daemon opens the destination itself
  MIGRATION_V3: 6, // the Begin/Prepare/Perform/Finish/Confirm migration protocol
  FD_PASSING: 8, // descriptors travel with CALL_WITH_FDS / REPLY_WITH_FDS (unix sockets only)
  PROGRAM_KEEPALIVE: 10, // the peer answers keepalive PINGs
  MIGRATION_OFFLINE: 12, // VIR_MIGRATE_OFFLINE: the definition moves without a running guest
  MIGRATION_PARAMS: 13, // the Migrate*3Params procedures (typed parameters)
  REMOTE_EVENT_CALLBACK: 14, // events use procedures 316/317/318 with callback ids
  REMOTE_CLOSE_CALLBACK: 15, // procedures 360/361 exist
} as const;

/** remote_auth_type. */
export const AuthType = {
  NONE: 0, // no authentication
  SASL: 1, // SASL negotiation (procedures 67-69)
  POLKIT: 2, // polkit check (procedure 70)
} as const;

/** Event ids for CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY and the pool variant. */
export const EventId = {
  DOMAIN_LIFECYCLE: 0, // VIR_DOMAIN_EVENT_ID_LIFECYCLE
  DOMAIN_BLOCK_JOB: 8, // VIR_DOMAIN_EVENT_ID_BLOCK_JOB
  DOMAIN_DEVICE_REMOVED: 15, // VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED
  DOMAIN_BLOCK_JOB_2: 16, // VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2
  DOMAIN_DEVICE_ADDED: 19, // VIR_DOMAIN_EVENT_ID_DEVICE_ADDED
  DOMAIN_DEVICE_REMOVAL_FAILED: 22, // VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED
  DOMAIN_METADATA_CHANGE: 23, // VIR_DOMAIN_EVENT_ID_METADATA_CHANGE
  STORAGE_POOL_LIFECYCLE: 0, // VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE
  STORAGE_POOL_REFRESH: 1, // VIR_STORAGE_POOL_EVENT_ID_REFRESH
  NETWORK_LIFECYCLE: 0, // VIR_NETWORK_EVENT_ID_LIFECYCLE
} as const;

/** virConnectFlags for CONNECT_OPEN. */
export const OpenFlag = {
  READ_ONLY: 1, // VIR_CONNECT_RO
} as const;
