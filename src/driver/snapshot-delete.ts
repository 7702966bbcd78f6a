/**
 * virDomainSnapshotDelete: a snapshot (CHILDREN: with its descendants; CHILDREN_ONLY: only those) goes
 * from the images (qemu's snapshot-delete job while qemu runs, `qemu-img snapshot -d` when shut off;
 * an external one's overlays merged into their bases, see snapshot-delete-external.ts) and from the
 * metadata (METADATA_ONLY: from the metadata alone). The children of a deleted snapshot move up to its
 * parent, and when the current snapshot goes, its parent becomes current, as in libvirt.
 */
import { TsvirtError } from '../errors.js';
import type { DomainConfig } from '../domain/types.js';
import type { SnapshotDef } from '../domain/snapshot-xml.js';
import { snapshotDelete } from '../qmp/index.js';
import { runImageSnapshot } from '../storage/qemu-img-snapshot.js';
import { SnapshotDeleteFlags as F } from '../api/snapshot-enums.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { requireMonitor } from './power.js';
import { SNAPSHOT_JOB_TIMEOUT_MS } from './snapshot-create.js';
import { findSnapshotTargets } from './snapshot-disks.js';
import { deleteExternalData } from './snapshot-delete-external.js';
import {
  descendantsOf,
  findSnapshot,
  loadSnapshots,
  removeSnapshotFile,
  writeSnapshot,
  type SnapshotSet,
} from './snapshot-store.js';

const KNOWN = F.CHILDREN | F.METADATA_ONLY | F.CHILDREN_ONLY;

/** Refuse unknown flags, and CHILDREN with CHILDREN_ONLY, as libvirt does. */
export function checkDeleteFlags(flags: number): void {
  if ((flags & ~KNOWN) !== 0 || ((flags & F.CHILDREN) !== 0 && (flags & F.CHILDREN_ONLY) !== 0)) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `unsupported flags (0x${flags.toString(16)}) in function virDomainSnapshotDelete`,
      {
        field: 'flags',
        value: flags,
        expected: 'children (1), metadata (2), children-only (4); not children with children-only',
      },
    );
  }
}

/** Delete snapshot `name` (and or its descendants) of `dom`; the caller holds the domain's job. */
export async function deleteSnapshot(
  ctx: DriverContext,
  dom: DomainObject,
  name: string,
  flags: number,
): Promise<void> {
  checkDeleteFlags(flags);
  const set = await loadSnapshots(ctx, dom);
  const snap = findSnapshot(set, name);
  const descendants = descendantsOf(set, name);
  const doomed = [
    ...((flags & (F.CHILDREN | F.CHILDREN_ONLY)) !== 0 ? descendants.reverse() : []),
    ...((flags & F.CHILDREN_ONLY) === 0 ? [snap] : []),
  ];
  const withData = (flags & F.METADATA_ONLY) === 0;
  if (withData && (flags & (F.CHILDREN | F.CHILDREN_ONLY)) !== 0 && doomed.some(isExternal)) {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      'unsupported configuration: deletion of external disk snapshots with children not supported; delete them one at a time, children first',
      { name, field: 'flags', value: flags },
    );
  }
  for (const s of doomed) {
    if (withData && isExternal(s)) await deleteExternalData(ctx, dom, set, s);
    else if (withData) await deleteSnapshotData(dom, s);
    await dropMetadata(ctx, dom, set, s);
  }
}

/** Whether a snapshot keeps anything outside the disk images' internal snapshots. */
function isExternal(snap: SnapshotDef): boolean {
  return snap.disks.some((d) => d.snapshot === 'external') || snap.memory === 'external';
}

/** Remove an internal snapshot's data from each disk that holds it. */
async function deleteSnapshotData(dom: DomainObject, snap: SnapshotDef): Promise<void> {
  if (dom.active) {
    const targets = findSnapshotTargets(dom.liveDef as DomainConfig, snap.disks);
    if (targets.length === 0) return;
    await snapshotDelete(
      requireMonitor(dom),
      { tag: snap.name, devices: targets.map((t) => t.node) },
      { timeoutMs: SNAPSHOT_JOB_TIMEOUT_MS },
    );
    return;
  }
  for (const t of findSnapshotTargets(dom.def, snap.disks))
    await runImageSnapshot('delete', t.path, snap.name);
}

/** Remove a snapshot's file: its children move up to its parent, which becomes current if it was. */
async function dropMetadata(
  ctx: DriverContext,
  dom: DomainObject,
  set: SnapshotSet,
  snap: SnapshotDef,
): Promise<void> {
  const wasCurrent = set.current === snap.name;
  if (wasCurrent) set.current = snap.parent;
  for (const child of set.list.filter((s) => s.parent === snap.name)) {
    if (snap.parent === undefined) delete child.parent;
    else child.parent = snap.parent;
    await writeSnapshot(ctx, dom, child, set.current === child.name);
  }
  const parent = set.list.find((s) => s.name === snap.parent);
  if (wasCurrent && parent) await writeSnapshot(ctx, dom, parent, true);
  await removeSnapshotFile(ctx, dom, snap.name);
  set.list = set.list.filter((s) => s !== snap);
}
