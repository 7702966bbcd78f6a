/**
 * virDomainSnapshotCreateXML with REDEFINE: a snapshot's metadata given back (snapshot-edit, or
 * metadata carried from another host). Nothing in the images changes; the XML must be complete.
 */
import { TsvirtError } from '../errors.js';
import type { SnapshotDef, SnapshotRequest } from '../domain/snapshot-xml.js';
import { SnapshotCreateFlags as F } from '../api/snapshot-enums.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { findSnapshot, loadSnapshots, setCurrentSnapshot, writeSnapshot } from './snapshot-store.js';

/** Replace or add a snapshot's metadata; with CURRENT it becomes the current snapshot. Returns its name. */
export async function redefineSnapshot(
  ctx: DriverContext,
  dom: DomainObject,
  req: SnapshotRequest,
  flags: number,
): Promise<string> {
  const def = requireComplete(req);
  const set = await loadSnapshots(ctx, dom);
  if (def.parent !== undefined) findSnapshot(set, def.parent);
  if (def.parent === def.name) {
    throw new TsvirtError('ERR_INVALID_ARG', `snapshot '${def.name}' cannot be its own parent`, {
      field: 'parent',
      value: def.parent,
    });
  }
  const makeCurrent = (flags & F.CURRENT) !== 0 || set.current === def.name;
  await writeSnapshot(ctx, dom, def, makeCurrent);
  const at = set.list.findIndex((s) => s.name === def.name);
  if (at >= 0) set.list[at] = def;
  else set.list.push(def);
  if (makeCurrent) {
    const previous = set.current;
    set.current = def.name;
    if (previous !== def.name) await setCurrentSnapshot(ctx, dom, { ...set, current: previous }, def.name);
  }
  return def.name;
}

function requireComplete(req: SnapshotRequest): SnapshotDef {
  const missing = (['name', 'state', 'creationTime'] as const).filter((k) => req[k] === undefined);
  if (missing.length > 0) {
    throw new TsvirtError(
      'ERR_XML_INVALID',
      `a redefined snapshot needs <${missing.join('>, <')}>; give the whole XML of snapshot-dumpxml`,
      { field: missing[0], expected: 'name, state and creationTime' },
    );
  }
  return {
    ...(req as SnapshotDef),
    memory: req.memory ?? (req.state === 'shutoff' || req.state === 'disk-snapshot' ? 'no' : 'internal'),
  };
}
