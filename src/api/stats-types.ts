/** The values of libvirt's statistics calls as the Connection interface returns them. */
import type { DomainRef, TypedParam } from './types.js';

/** One domain's record of virConnectGetAllDomainStats: its typed parameters, named as libvirt names them. */
export interface DomainStatsRecord {
  dom: DomainRef;
  params: TypedParam[];
}

/** virDomainBlockStats: a disk's (or, for path '', all disks') counters; -1 where qemu keeps none. */
export interface DomainBlockStats {
  rdReq: bigint;
  rdBytes: bigint;
  wrReq: bigint;
  wrBytes: bigint;
  errs: bigint;
}

/** virDomainInterfaceStats: a NIC's counters as the guest sees them (a tap's rx is the guest's tx). */
export interface DomainInterfaceStats {
  rxBytes: bigint;
  rxPackets: bigint;
  rxErrs: bigint;
  rxDrop: bigint;
  txBytes: bigint;
  txPackets: bigint;
  txErrs: bigint;
  txDrop: bigint;
}

/** virDomainGetBlockInfo, in bytes. */
export interface DomainBlockInfo {
  /** Host storage in use by the image. */
  allocation: bigint;
  /** The size the guest sees. */
  capacity: bigint;
  /** The host file's or device's size. */
  physical: bigint;
}

/** One entry of virDomainGetDiskErrors: a disk target and its virDomainDiskErrorCode. */
export interface DomainDiskError {
  disk: string;
  error: number;
}

/** One address of a guest NIC (remote_domain_ip_addr; virDomainIPAddress). */
export interface DomainIpAddress {
  /** 0 IPv4, 1 IPv6 (virIPAddrType). */
  type: number;
  addr: string;
  prefix: number;
}

/** A guest NIC and its addresses (remote_domain_interface; virDomainInterface). */
export interface DomainInterfaceAddresses {
  /** The host-side interface name (vnetN). */
  name: string;
  hwaddr: string | null;
  addrs: DomainIpAddress[];
}
