/**
 * The one public interface to a hypervisor, shaped after libvirt's public API so that knowledge of
 * libvirt carries over. EmbeddedConnection (the drivers in this process) and RemoteConnection (a
 * libvirt protocol client) implement it; the CLI, the WebSocket API, the RPC server and tests all use
 * it. It is the union of one interface per driver (src/api/): each driver implements its part.
 */
import type { DomainApi } from './api/domain-api.js';
import type { HostApi } from './api/host-api.js';
import type { NetworkApi } from './api/network-api.js';
import type { StoragePoolApi } from './api/storage-pool-api.js';
import type { StorageVolApi } from './api/storage-vol-api.js';
import type { DomainSnapshotApi } from './api/snapshot-api.js';

export { DomainState, type DomainStateValue } from './api/domain-enums.js';
export type * from './api/types.js';
export type { DomainApi, HostApi, NetworkApi, StoragePoolApi, StorageVolApi, DomainSnapshotApi };
export type { SnapshotRef } from './api/snapshot-api.js';

/** The hypervisor connection. Method names follow libvirt's C API without the `vir` prefix. */
export interface Connection
  extends HostApi, DomainApi, StoragePoolApi, StorageVolApi, NetworkApi, DomainSnapshotApi {
  readonly uri: string;
  readonly readOnly: boolean;
  close(): Promise<void>;
}
