/** Which snapshots a list call selects (virDomainSnapshotListFlags), as libvirt's filters do. */
import { TsvirtError } from '../errors.js';
import { SnapshotListFlags as F } from '../api/snapshot-enums.js';
import { snapshotLocation, type SnapshotDef } from '../domain/snapshot-xml.js';
import { childrenOf, descendantsOf, type SnapshotSet } from './snapshot-store.js';

const KNOWN =
  F.ROOTS |
  F.METADATA |
  F.LEAVES |
  F.NO_LEAVES |
  F.NO_METADATA |
  F.INACTIVE |
  F.ACTIVE |
  F.DISK_ONLY |
  F.INTERNAL |
  F.EXTERNAL |
  F.TOPOLOGICAL;

/** Refuse list flags libvirt does not define. */
export function checkListFlags(flags: number, api: string): void {
  if ((flags & ~KNOWN) === 0) return;
  throw new TsvirtError(
    'ERR_INVALID_ARG',
    `unsupported flags (0x${(flags & ~KNOWN).toString(16)}) in function ${api}`,
    {
      field: 'flags',
      value: flags,
      expected: `a mask of 0x${KNOWN.toString(16)}`,
    },
  );
}

/** A domain's snapshots that `flags` select (ROOTS: those without a parent). */
export function selectSnapshots(set: SnapshotSet, flags: number): SnapshotDef[] {
  const base = (flags & F.ROOTS) !== 0 ? childrenOf(set, undefined) : set.list;
  return base.filter((s) => matches(set, s, flags));
}

/** The children (DESCENDANTS: all descendants) of `name` that `flags` select. */
export function selectChildren(set: SnapshotSet, name: string, flags: number): SnapshotDef[] {
  const base = (flags & F.DESCENDANTS) !== 0 ? descendantsOf(set, name) : childrenOf(set, name);
  return base.filter((s) => matches(set, s, flags));
}

/** The filter groups: within a group any flag may match; a group with no flag set passes all. */
function matches(set: SnapshotSet, s: SnapshotDef, flags: number): boolean {
  const leaf = childrenOf(set, s.name).length === 0;
  if ((flags & (F.LEAVES | F.NO_LEAVES)) !== 0) {
    if (!(((flags & F.LEAVES) !== 0 && leaf) || ((flags & F.NO_LEAVES) !== 0 && !leaf))) return false;
  }
  // Every snapshot tsvirt knows has metadata.
  if ((flags & (F.METADATA | F.NO_METADATA)) !== 0 && (flags & F.METADATA) === 0) return false;
  if ((flags & (F.INACTIVE | F.ACTIVE | F.DISK_ONLY)) !== 0) {
    const kind = s.state === 'shutoff' ? F.INACTIVE : s.state === 'disk-snapshot' ? F.DISK_ONLY : F.ACTIVE;
    if ((flags & kind) === 0) return false;
  }
  if ((flags & (F.INTERNAL | F.EXTERNAL)) !== 0) {
    const where = snapshotLocation(s) === 'internal' ? F.INTERNAL : F.EXTERNAL;
    if ((flags & where) === 0) return false;
  }
  return true;
}
