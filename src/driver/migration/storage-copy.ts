/**
 * Migration with storage copy (--copy-storage-all, --copy-storage-inc): the disks are not shared, so the
 * destination makes an image of each disk's size, serves the incoming qemu's disk nodes over NBD on the
 * migration address, and the source mirrors each disk into it (an NBD client node and a blockdev-mirror
 * per disk) until every mirror is ready; the memory follows, and after the switch-over the mirrors are
 * cancelled (the destination holds the same data), as libvirt does.
 */
import { chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { TsvirtError } from '../../errors.js';
import { blockdevAdd, blockdevDel, blockJobCancel, queryBlockJobs, type QmpClient } from '../../qmp/index.js';
import { createImage, readImageInfo } from '../../storage/qemu-img.js';
import type { DiskConfig, DomainConfig } from '../../domain/types.js';
import { MigrateFlags } from '../../api/migration-enums.js';
import type { CopiedDisk } from './cookie.js';

/** Whether the flags ask for the disks to be copied. */
export function copiesStorage(flags: number): boolean {
  return (flags & (MigrateFlags.NON_SHARED_DISK | MigrateFlags.NON_SHARED_INC)) !== 0;
}

/** The disks a storage copy moves: writable, unshared disks backed by a file. */
function copiedDisks(def: DomainConfig): (DiskConfig & { source: { kind: 'file'; path: string } })[] {
  return def.devices.disks.filter(
    (d): d is DiskConfig & { source: { kind: 'file'; path: string } } =>
      d.device === 'disk' && !d.readonly && !d.shareable && d.source?.kind === 'file',
  );
}

/** The source's disks and their sizes, for the destination to make images of (Begin's cookie). */
export async function describeDisks(def: DomainConfig): Promise<CopiedDisk[]> {
  const out: CopiedDisk[] = [];
  for (const d of copiedDisks(def)) {
    const info = await readImageInfo(d.source.path, d.format);
    out.push({ target: d.targetDev, capacityBytes: info.virtualSizeBytes });
  }
  return out;
}

/** Destination: an image of the source's size for each copied disk whose file is not there yet. */
export async function precreateDisks(def: DomainConfig, sizes: readonly CopiedDisk[]): Promise<void> {
  for (const d of copiedDisks(def)) {
    if (existsSync(d.source.path)) continue;
    const size = sizes.find((s) => s.target === d.targetDev);
    if (!size) {
      throw new TsvirtError(
        'ERR_OPERATION_INVALID',
        `storage copy: the source names no size for disk '${d.targetDev}' and '${d.source.path}' does not exist here`,
        { field: 'cookie.nbd.disk', value: d.targetDev, expected: 'a disk size from the source' },
      );
    }
    await createImage(d.source.path, { format: d.format, sizeBytes: size.capacityBytes });
    // Only root until the start gives it to the qemu user (dynamic ownership), whatever the umask.
    await chmod(d.source.path, 0o600);
  }
}

function formatNode(d: DiskConfig): string {
  if (d.nodeIndex === undefined) {
    throw new TsvirtError('ERR_INTERNAL', `disk '${d.targetDev}' has no block node; report this`, {
      field: 'nodeIndex',
      value: undefined,
      expected: 'a node index assigned at start',
    });
  }
  return `libvirt-${d.nodeIndex}-format`;
}

/**
 * The NBD export name of a disk, as libvirt names it on both sides: 'drive-' and the disk's alias
 * (drive-ide0-0-0, drive-virtio-disk0), which the same XML gives the same on either host.
 */
function exportName(d: DiskConfig): string {
  if (d.alias === undefined) {
    throw new TsvirtError('ERR_INTERNAL', `disk '${d.targetDev}' has no alias; report this`, {
      field: 'alias',
      value: undefined,
      expected: 'an alias assigned at start',
    });
  }
  return `drive-${d.alias}`;
}

/** Destination: serve each copied disk's node, writable, over NBD on host:port. */
export async function startNbdServer(
  qmp: QmpClient,
  live: DomainConfig,
  host: string,
  port: number,
): Promise<void> {
  await qmp.execute('nbd-server-start', { addr: { type: 'inet', data: { host, port: String(port) } } });
  for (const d of copiedDisks(live)) {
    await qmp.execute('block-export-add', {
      type: 'nbd',
      id: exportName(d),
      'node-name': formatNode(d),
      name: exportName(d),
      writable: true,
    });
  }
}

/** Destination: stop serving (Finish, or the kill of a failed incoming qemu); a server not started is fine. */
export async function stopNbdServer(qmp: QmpClient): Promise<void> {
  await qmp.execute('nbd-server-stop').catch(() => undefined);
}

/** One disk the source mirrors. */
interface Mirror {
  jobId: string;
  targetNode: string;
}

/** How long the source waits for every mirror to catch up. */
const MIRROR_READY_MS = 600_000;

/**
 * Source: mirror each copied disk to the destination's export at host:port (sync full, or top for
 * INC) and wait until every mirror is ready. `failed` tells the caller's abort (domjobabort).
 */
export async function startMirrors(
  qmp: QmpClient,
  live: DomainConfig,
  host: string,
  port: number,
  flags: number,
  aborted: () => boolean,
): Promise<Mirror[]> {
  const mirrors: Mirror[] = [];
  const sync = (flags & MigrateFlags.NON_SHARED_INC) !== 0 ? 'top' : 'full';
  try {
    for (const d of copiedDisks(live)) {
      const targetNode = `migration-${d.targetDev}-storage`;
      await blockdevAdd(qmp, {
        driver: 'nbd',
        'node-name': targetNode,
        server: { type: 'inet', host, port: String(port) },
        export: exportName(d),
      });
      const jobId = `drive-${d.targetDev}-mirror`;
      mirrors.push({ jobId: '', targetNode });
      await qmp.execute('blockdev-mirror', {
        'job-id': jobId,
        device: formatNode(d),
        target: targetNode,
        sync,
        'auto-dismiss': true,
      });
      (mirrors.at(-1) as Mirror).jobId = jobId;
    }
    const deadline = Date.now() + MIRROR_READY_MS;
    for (;;) {
      const jobs = await queryBlockJobs(qmp);
      const mine = mirrors.map((m) => jobs.find((j) => j.id === m.jobId));
      if (mine.some((j) => j === undefined)) {
        throw new TsvirtError(
          'ERR_OPERATION_FAILED',
          'storage copy: a disk mirror to the destination ended early',
          {
            jobs: mirrors.map((m) => m.jobId),
          },
        );
      }
      if (mine.every((j) => j?.ready)) return mirrors;
      if (aborted() || Date.now() > deadline) {
        throw new TsvirtError('ERR_OPERATION_FAILED', 'storage copy: the disk mirrors did not complete', {
          jobs: mirrors.map((m) => m.jobId),
        });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await endMirrors(qmp, mirrors);
    throw err;
  }
}

/**
 * Source: cancel the mirrors (after the switch-over the destination has every write; on failure the
 * source's disks are untouched) and remove the NBD client nodes.
 */
export async function endMirrors(qmp: QmpClient, mirrors: readonly Mirror[]): Promise<void> {
  for (const m of mirrors) if (m.jobId) await blockJobCancel(qmp, m.jobId).catch(() => undefined);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const jobs = await queryBlockJobs(qmp).catch(() => []);
    if (!mirrors.some((m) => jobs.some((j) => j.id === m.jobId))) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const m of mirrors) await blockdevDel(qmp, m.targetNode).catch(() => undefined);
}
