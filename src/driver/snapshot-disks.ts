/**
 * Which of a domain's disks an internal snapshot covers, as libvirt decides it: a writable qcow2 disk
 * holds one, a cdrom or read-only disk is left out, and a writable raw disk cannot hold one.
 */
import { TsvirtError } from '../errors.js';
import { buildBlockNodeNames } from '../domain/aliases.js';
import { resolveDiskPath } from '../domain/device-objects.js';
import type { DiskConfig, DomainConfig } from '../domain/types.js';
import type { SnapshotDisk } from '../domain/snapshot-xml.js';

/** A disk that holds an internal snapshot: its target, image path and (running) format node. */
export interface SnapshotTarget {
  target: string;
  path: string;
  node: string;
}

/** The `<disks>` of a new internal snapshot: every disk of `def`, with the client's choices applied. */
export function planSnapshotDisks(def: DomainConfig, asked: readonly SnapshotDisk[]): SnapshotDisk[] {
  const disks = def.devices.disks;
  for (const a of asked) {
    if (!disks.some((d) => matchesDisk(def, d, a.name))) {
      throw new TsvirtError(
        'ERR_INVALID_ARG',
        `no disk named '${a.name}' in domain '${def.name}'; expected one of ${disks.map((d) => d.targetDev).join(', ') || '(no disks)'}`,
        { field: 'disk', value: a.name, expected: disks.map((d) => d.targetDev) },
      );
    }
  }
  return disks.map((d) => {
    const a = asked.find((x) => matchesDisk(def, d, x.name));
    const mode = a?.snapshot ?? (d.device === 'cdrom' || d.readonly || !d.source ? 'no' : 'internal');
    if (mode === 'external') {
      throw new TsvirtError(
        'ERR_NOT_SUPPORTED',
        `disk ${d.targetDev}: external snapshots are not supported by tsvirt yet; use snapshot='internal' on qcow2 disks`,
        { field: 'snapshot', value: 'external', expected: 'internal or no' },
      );
    }
    if (mode === 'internal' && d.format !== 'qcow2') {
      throw new TsvirtError(
        'ERR_NOT_SUPPORTED',
        `unsupported configuration: internal snapshot for disk ${d.targetDev} unsupported for storage type ${d.format}`,
        { field: 'format', value: d.format, expected: 'qcow2' },
      );
    }
    return { name: d.targetDev, snapshot: mode };
  });
}

function matchesDisk(def: DomainConfig, d: DiskConfig, name: string): boolean {
  if (d.targetDev === name) return true;
  return name.startsWith('/') && d.source !== undefined && resolveDiskPath(def, d)?.path === name;
}

/** The disks of `def` that hold the snapshot's internal data (`disks` as the snapshot records them). */
export function findSnapshotTargets(def: DomainConfig, disks: readonly SnapshotDisk[]): SnapshotTarget[] {
  const out: SnapshotTarget[] = [];
  def.devices.disks.forEach((d, position) => {
    if (!disks.some((s) => s.name === d.targetDev && s.snapshot === 'internal')) return;
    const resolved = resolveDiskPath(def, d);
    if (!resolved) return;
    out.push({
      target: d.targetDev,
      path: resolved.path,
      node: buildBlockNodeNames(d.nodeIndex ?? position + 1).format,
    });
  });
  return out;
}

/** The targets, or ERR_OPERATION_INVALID when no disk can hold an internal snapshot. */
export function requireSnapshotTargets(
  def: DomainConfig,
  disks: readonly SnapshotDisk[],
): [SnapshotTarget, ...SnapshotTarget[]] {
  const targets = findSnapshotTargets(def, disks);
  const [first, ...rest] = targets;
  if (first) return [first, ...rest];
  throw new TsvirtError(
    'ERR_OPERATION_INVALID',
    `Requested operation is not valid: domain '${def.name}' has no qcow2 disk to hold an internal snapshot; add one`,
    { domain: def.name },
  );
}
