/** libvirt's migration vocabulary: virDomainMigrateFlags and the VIR_MIGRATE_PARAM_* typed parameters. */

/** virDomainMigrateFlags. */
export const MigrateFlags = {
  LIVE: 1 << 0, // the guest runs while its memory is copied
  PEER2PEER: 1 << 1, // the source daemon talks to the destination itself
  TUNNELLED: 1 << 2, // the stream travels through the libvirt connection
  PERSIST_DEST: 1 << 3, // define the domain on the destination
  UNDEFINE_SOURCE: 1 << 4, // undefine it on the source
  PAUSED: 1 << 5, // leave it paused on the destination
  NON_SHARED_DISK: 1 << 6, // copy every disk
  NON_SHARED_INC: 1 << 7, // copy the disks' top layers
  CHANGE_PROTECTION: 1 << 8, // no change to the domain from Begin to Confirm
  UNSAFE: 1 << 9, // skip the safety checks
  OFFLINE: 1 << 10, // move the definition only
  COMPRESSED: 1 << 11, // compress the stream
  ABORT_ON_ERROR: 1 << 12, // cancel on a disk I/O error
  AUTO_CONVERGE: 1 << 13, // throttle the vCPUs until it converges
  RDMA_PIN_ALL: 1 << 14,
  POSTCOPY: 1 << 15, // allow switching to post-copy
  TLS: 1 << 16,
  PARALLEL: 1 << 17,
  NON_SHARED_SYNCHRONOUS_WRITES: 1 << 18,
  POSTCOPY_RESUME: 1 << 19,
  ZEROCOPY: 1 << 20,
} as const;

/** VIR_MIGRATE_PARAM_* names, with the typed-parameter type each one has. */
export const MigrateParam = {
  URI: 'migrate_uri', // string: where qemu's stream goes (tcp:HOST:PORT)
  DEST_NAME: 'destination_name', // string: the domain's name on the destination
  DEST_XML: 'destination_xml', // string: the domain XML the destination runs
  PERSIST_XML: 'persistent_xml', // string: the XML the destination defines with PERSIST_DEST
  BANDWIDTH: 'bandwidth', // ullong: MiB/s
  GRAPHICS_URI: 'graphics_uri', // string
  LISTEN_ADDRESS: 'listen_address', // string: where the destination's qemu listens
  MIGRATE_DISKS: 'migrate_disks', // string, repeated
  DISKS_PORT: 'disks_port', // int
  DISKS_URI: 'disks_uri', // string
  COMPRESSION: 'compression', // string, repeated
  AUTO_CONVERGE_INITIAL: 'auto_converge.initial', // int
  AUTO_CONVERGE_INCREMENT: 'auto_converge.increment', // int
  PARALLEL_CONNECTIONS: 'parallel.connections', // int
  TLS_DESTINATION: 'tls.destination', // string
} as const;
