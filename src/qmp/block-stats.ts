/**
 * Typed wrappers of the QMP queries behind disk statistics (QEMU 7.2 qapi/block-core.json): the I/O
 * counters of every device, and every device's image sizes and I/O status. One call covers all disks.
 */
import type { QmpClient } from './client.js';

/** One device's I/O counters (query-blockstats, BlockDeviceStats), times in ns. */
export interface QmpBlockDeviceStats {
  /** The root node's name (libvirt-N-format); absent for a device without a node name. */
  nodeName?: string;
  /** The device's qdev id or QOM path. */
  qdev?: string;
  rdReqs: number;
  rdBytes: number;
  rdTimeNs: number;
  wrReqs: number;
  wrBytes: number;
  wrTimeNs: number;
  flReqs: number;
  flTimeNs: number;
  /** The highest offset written since start (BlockStats wr_highest_offset of the root node). */
  wrHighestOffset: number;
}

/** One device's medium as query-block shows it: sizes of its image and the I/O status. */
export interface QmpBlockMedium {
  qdev?: string;
  /** The root node's name; absent when no medium is inserted. */
  nodeName?: string;
  /** The guest-visible size in bytes (image virtual-size). */
  virtualSize?: number;
  /** Host bytes the image takes (image actual-size). */
  actualSize?: number;
  /** BlockDeviceIoStatus: ok, failed or nospace; absent where the device keeps none. */
  ioStatus?: 'ok' | 'failed' | 'nospace';
}

/** `query-blockstats` → [BlockStats {device, qdev, node-name, stats: BlockDeviceStats, ...}]. */
export async function queryBlockstats(c: QmpClient): Promise<QmpBlockDeviceStats[]> {
  type Wire = {
    qdev?: string;
    'node-name'?: string;
    stats: {
      rd_operations: number;
      rd_bytes: number;
      rd_total_time_ns: number;
      wr_operations: number;
      wr_bytes: number;
      wr_total_time_ns: number;
      flush_operations: number;
      flush_total_time_ns: number;
      wr_highest_offset: number;
    };
  };
  const r = await c.execute<Wire[]>('query-blockstats');
  return r.map((b) => ({
    ...(b['node-name'] === undefined ? {} : { nodeName: b['node-name'] }),
    ...(b.qdev === undefined ? {} : { qdev: b.qdev }),
    rdReqs: b.stats.rd_operations,
    rdBytes: b.stats.rd_bytes,
    rdTimeNs: b.stats.rd_total_time_ns,
    wrReqs: b.stats.wr_operations,
    wrBytes: b.stats.wr_bytes,
    wrTimeNs: b.stats.wr_total_time_ns,
    flReqs: b.stats.flush_operations,
    flTimeNs: b.stats.flush_total_time_ns,
    wrHighestOffset: b.stats.wr_highest_offset,
  }));
}

/** `query-block` → [BlockInfo {qdev, io-status, inserted: {node-name, image: {virtual-size, actual-size}}}]. */
export async function queryBlockMedia(c: QmpClient): Promise<QmpBlockMedium[]> {
  type Image = { 'virtual-size'?: number; 'actual-size'?: number };
  type Wire = {
    qdev?: string;
    'io-status'?: 'ok' | 'failed' | 'nospace';
    inserted?: { 'node-name'?: string; image?: Image };
  };
  const r = await c.execute<Wire[]>('query-block');
  return r.map((b) => {
    const image = b.inserted?.image;
    return {
      ...(b.qdev === undefined ? {} : { qdev: b.qdev }),
      ...(b.inserted?.['node-name'] === undefined ? {} : { nodeName: b.inserted['node-name'] }),
      ...(image?.['virtual-size'] === undefined ? {} : { virtualSize: image['virtual-size'] }),
      ...(image?.['actual-size'] === undefined ? {} : { actualSize: image['actual-size'] }),
      ...(b['io-status'] === undefined ? {} : { ioStatus: b['io-status'] }),
    };
  });
}
