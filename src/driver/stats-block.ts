/**
 * Disk statistics: the block group of bulk stats, virDomainBlockStats(Flags), virDomainGetBlockInfo and
 * virDomainGetDiskErrors. A running domain's figures come from two QMP queries that cover every disk
 * (query-blockstats, query-block); an inactive one's sizes from the image file itself.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { TsvirtError } from '../errors.js';
import type { DiskConfig, DomainConfig } from '../domain/index.js';
import { buildBlockNodeNames, diskAlias } from '../domain/aliases.js';
import {
  queryBlockMedia,
  queryBlockstats,
  type QmpBlockDeviceStats,
  type QmpBlockMedium,
} from '../qmp/block-stats.js';
import type { TypedParam } from '../api/types.js';
import type { DomainBlockInfo, DomainBlockStats, DomainDiskError } from '../api/stats-types.js';
import { DiskErrorCode } from '../api/stats-enums.js';
import type { DomainObject } from './domain-object.js';
import { requireMonitor } from './power.js';
import { checkAction } from './state-machine.js';

/** What qemu reports for one disk of a running domain. */
export interface DiskSample {
  stats?: QmpBlockDeviceStats;
  medium?: QmpBlockMedium;
}

/** A disk's host path: its file or device, or a resolved volume's; undefined for an empty drive. */
export function diskSourcePath(disk: DiskConfig): string | undefined {
  const src = disk.source;
  if (src === undefined) return undefined;
  if (src.kind === 'file') return src.path;
  if (src.kind === 'block') return src.dev;
  return src.resolved?.path;
}

/** The disk named by its target (hda, vda) or its source path, as libvirt's virDomainDiskByName finds it. */
export function findDisk(def: DomainConfig, path: string): { disk: DiskConfig; index: number } | undefined {
  const index = def.devices.disks.findIndex((d) => d.targetDev === path || diskSourcePath(d) === path);
  return index < 0 ? undefined : { disk: def.devices.disks[index]!, index };
}

/** Both queries, matched to the definition's disks in order: by root node name, else by the device id. */
export async function sampleDisks(dom: DomainObject): Promise<DiskSample[]> {
  const qmp = requireMonitor(dom);
  const [stats, media] = await Promise.all([queryBlockstats(qmp), queryBlockMedia(qmp)]);
  return dom.def.devices.disks.map((disk, i) => {
    const node = buildBlockNodeNames(disk.nodeIndex ?? i + 1).format;
    const alias = diskAlias(disk);
    const isDisk = (e: { nodeName?: string; qdev?: string }): boolean =>
      e.nodeName === node || e.qdev === alias || (e.qdev?.includes(`/${alias}/`) ?? false);
    const s = stats.find(isDisk);
    const m = media.find(isDisk);
    return { ...(s ? { stats: s } : {}), ...(m ? { medium: m } : {}) };
  });
}

/** File sizes of an image: st_size, bytes allocated, and the guest size (a qcow2 header's, else st_size). */
export function readImageSizes(path: string, format: DiskConfig['format']): DomainBlockInfo | undefined {
  try {
    const st = statSync(path);
    const physical = BigInt(st.size);
    const capacity = format === 'qcow2' ? (readQcow2Size(path) ?? physical) : physical;
    return { allocation: BigInt(st.blocks) * 512n, capacity, physical };
  } catch {
    return undefined;
  }
}

/** The virtual size in a qcow2 header: "QFI\xfb", then the size as a big-endian u64 at offset 24. */
function readQcow2Size(path: string): bigint | undefined {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(32);
    if (readSync(fd, head, 0, 32, 0) < 32 || head.readUInt32BE(0) !== 0x514649fb) return undefined;
    return head.readBigUInt64BE(24);
  } finally {
    closeSync(fd);
  }
}

const ull = (name: string, value: number | bigint): TypedParam => ({
  name,
  type: 'ullong',
  value: BigInt(value),
});

/** The block group of one domain; `samples` is undefined for an inactive domain (sizes from the files). */
export function buildBlockParams(def: DomainConfig, samples: DiskSample[] | undefined): TypedParam[] {
  const out: TypedParam[] = [{ name: 'block.count', type: 'uint', value: def.devices.disks.length }];
  def.devices.disks.forEach((disk, i) => {
    const p = `block.${i}.`;
    out.push({ name: `${p}name`, type: 'string', value: disk.targetDev });
    const path = diskSourcePath(disk);
    if (path === undefined) return;
    out.push({ name: `${p}path`, type: 'string', value: path });
    if (samples === undefined) {
      const sizes = readImageSizes(path, disk.format);
      if (sizes)
        out.push(
          ull(`${p}allocation`, sizes.allocation),
          ull(`${p}capacity`, sizes.capacity),
          ull(`${p}physical`, sizes.physical),
        );
      return;
    }
    if (disk.nodeIndex !== undefined)
      out.push({ name: `${p}backingIndex`, type: 'uint', value: disk.nodeIndex });
    const { stats: s, medium: m } = samples[i] ?? {};
    if (s) {
      out.push(
        ull(`${p}rd.reqs`, s.rdReqs),
        ull(`${p}rd.bytes`, s.rdBytes),
        ull(`${p}rd.times`, s.rdTimeNs),
        ull(`${p}wr.reqs`, s.wrReqs),
        ull(`${p}wr.bytes`, s.wrBytes),
        ull(`${p}wr.times`, s.wrTimeNs),
        ull(`${p}fl.reqs`, s.flReqs),
        ull(`${p}fl.times`, s.flTimeNs),
        ull(`${p}allocation`, s.wrHighestOffset),
      );
    }
    if (m?.virtualSize !== undefined) out.push(ull(`${p}capacity`, m.virtualSize));
    if (m?.actualSize !== undefined) out.push(ull(`${p}physical`, m.actualSize));
  });
  return out;
}

/** libvirt's refusal of a path that names no disk of the domain. */
function invalidPath(path: string, notAssigned: boolean): TsvirtError {
  return new TsvirtError(
    'ERR_INVALID_ARG',
    notAssigned
      ? `invalid argument: invalid path ${path} not assigned to domain`
      : `invalid argument: invalid path: ${path}`,
    { field: 'path', value: path, expected: 'a disk target (hda, vda) or source path of the domain' },
  );
}

/** The eight counters of virDomainBlockStatsFlags, in virsh's order, for one disk or (path '') all. */
export async function blockStatsParams(dom: DomainObject, path: string): Promise<TypedParam[]> {
  checkAction('live-query', dom.subject);
  const samples = await sampleDisks(dom);
  let picked: DiskSample[];
  if (path === '') picked = samples;
  else {
    const found = findDisk(dom.def, path);
    if (!found) throw invalidPath(path, false);
    picked = [samples[found.index] ?? {}];
    if (!picked[0]?.stats) {
      throw new TsvirtError('ERR_OPERATION_FAILED', `cannot find statistics for device '${path}'`, {
        field: 'path',
        value: path,
      });
    }
  }
  const sum = (f: (s: QmpBlockDeviceStats) => number): bigint =>
    picked.reduce((t, x) => t + BigInt(x.stats ? f(x.stats) : 0), 0n);
  const ll = (name: string, f: (s: QmpBlockDeviceStats) => number): TypedParam => ({
    name,
    type: 'llong',
    value: sum(f),
  });
  return [
    ll('rd_operations', (s) => s.rdReqs),
    ll('rd_bytes', (s) => s.rdBytes),
    ll('wr_operations', (s) => s.wrReqs),
    ll('wr_bytes', (s) => s.wrBytes),
    ll('flush_operations', (s) => s.flReqs),
    ll('rd_total_times', (s) => s.rdTimeNs),
    ll('wr_total_times', (s) => s.wrTimeNs),
    ll('flush_total_times', (s) => s.flTimeNs),
  ];
}

/** virDomainBlockStats: requests and bytes; qemu counts no errors, so errs is -1 as libvirt gives it. */
export async function blockStats(dom: DomainObject, path: string): Promise<DomainBlockStats> {
  const params = await blockStatsParams(dom, path);
  const get = (name: string): bigint =>
    (params.find((p) => p.name === name)?.value as bigint | undefined) ?? -1n;
  return {
    rdReq: get('rd_operations'),
    rdBytes: get('rd_bytes'),
    wrReq: get('wr_operations'),
    wrBytes: get('wr_bytes'),
    errs: -1n,
  };
}

/**
 * virDomainGetBlockInfo. Running: capacity and allocation as qemu sees the image (virtual and actual
 * size), physical the file's size. Inactive: all three from the file (a qcow2 header's size as capacity).
 */
export async function blockInfo(dom: DomainObject, path: string): Promise<DomainBlockInfo> {
  const found = findDisk(dom.def, path);
  if (!found) throw invalidPath(path, true);
  const source = diskSourcePath(found.disk);
  const file = source === undefined ? undefined : readImageSizes(source, found.disk.format);
  if (!dom.active) {
    if (file) return file;
    throw new TsvirtError('ERR_OPERATION_FAILED', `disk '${path}' has no image to measure`, {
      field: 'path',
      value: path,
    });
  }
  const m = (await sampleDisks(dom))[found.index]?.medium;
  return {
    capacity: BigInt(m?.virtualSize ?? file?.capacity ?? 0),
    allocation: BigInt(m?.actualSize ?? file?.allocation ?? 0),
    physical: file?.physical ?? BigInt(m?.virtualSize ?? 0),
  };
}

/** virDomainGetDiskErrors: the disks whose device reports an I/O error (query-block's io-status). */
export async function diskErrors(dom: DomainObject): Promise<DomainDiskError[]> {
  checkAction('live-query', dom.subject);
  const media = await queryBlockMedia(requireMonitor(dom));
  const errors: DomainDiskError[] = [];
  dom.def.devices.disks.forEach((disk, i) => {
    const node = buildBlockNodeNames(disk.nodeIndex ?? i + 1).format;
    const m = media.find((e) => e.nodeName === node || e.qdev === diskAlias(disk));
    if (m?.ioStatus === 'failed') errors.push({ disk: disk.targetDev, error: DiskErrorCode.UNSPEC });
    if (m?.ioStatus === 'nospace') errors.push({ disk: disk.targetDev, error: DiskErrorCode.NO_SPACE });
  });
  return errors;
}
