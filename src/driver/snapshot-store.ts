/**
 * A domain's snapshot metadata, kept as libvirt keeps it: one `<domainsnapshot>` file per snapshot
 * under etc/qemu/snapshot/DOMAIN/NAME.xml, written atomically, the current one marked `<active>1`.
 * The parent links make the tree; this module answers the questions about it.
 */
import { readdirSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TsvirtError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { formatSnapshotXml, parseSnapshotXml, type SnapshotDef } from '../domain/snapshot-xml.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { readIfExists, removeFile } from './runtime-files.js';

/** A domain's snapshots, in creation order (each parent before its children), and the current one. */
export interface SnapshotSet {
  list: SnapshotDef[];
  current: string | undefined;
}

/** etc/qemu/snapshot/DOMAIN: the folder of one domain's snapshot files. */
export function snapshotDir(ctx: DriverContext, dom: DomainObject): string {
  return join(ctx.dirs.etc, 'snapshot', dom.name);
}

/**
 * Whether the domain has snapshot metadata (a NAME.xml in its snapshot folder, which sits beside its
 * config): list --with-snapshot. Synchronous, as the list filters are; a listing reads one folder each.
 */
export function hasSnapshotMetadata(dom: Pick<DomainObject, 'paths' | 'name'>): boolean {
  try {
    return readdirSync(join(dirname(dom.paths.config), 'snapshot', dom.name)).some((n) => n.endsWith('.xml'));
  } catch {
    return false;
  }
}

/** Read every snapshot file of a domain (none when the folder is absent). */
export async function loadSnapshots(ctx: DriverContext, dom: DomainObject): Promise<SnapshotSet> {
  const dir = snapshotDir(ctx, dom);
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const list: SnapshotDef[] = [];
  let current: string | undefined;
  for (const file of names.filter((n) => n.endsWith('.xml')).sort()) {
    const text = await readIfExists(join(dir, file));
    if (text === undefined) continue;
    const parsed = parseSnapshotXml(text);
    if (parsed.name === undefined || parsed.state === undefined) {
      ctx.log(`${join(dir, file)}: snapshot metadata without a name or state; ignored`);
      continue;
    }
    list.push(parsed as SnapshotDef);
    if (parsed.current) current = parsed.name;
  }
  return { list: orderTopologically(list), current };
}

/** Parents before children; siblings by creation time, then name. */
function orderTopologically(list: SnapshotDef[]): SnapshotDef[] {
  const byTime = [...list].sort((a, b) => a.creationTime - b.creationTime || a.name.localeCompare(b.name));
  const out: SnapshotDef[] = [];
  const visit = (parent: string | undefined): void => {
    for (const s of byTime) {
      if (s.parent !== parent || out.includes(s)) continue;
      out.push(s);
      visit(s.name);
    }
  };
  visit(undefined);
  // A snapshot whose parent's file is missing is shown as a root rather than dropped.
  for (const s of byTime) if (!out.includes(s)) out.push(s);
  return out;
}

/** Write one snapshot's file. */
export async function writeSnapshot(
  ctx: DriverContext,
  dom: DomainObject,
  def: SnapshotDef,
  current: boolean,
): Promise<void> {
  const dir = snapshotDir(ctx, dom);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(join(dir, `${def.name}.xml`), formatSnapshotXml(def, { current }));
}

/** Remove one snapshot's file. */
export async function removeSnapshotFile(ctx: DriverContext, dom: DomainObject, name: string): Promise<void> {
  await removeFile(join(snapshotDir(ctx, dom), `${name}.xml`));
}

/** Remove every snapshot file of a domain (undefine --snapshots-metadata). */
export async function removeAllSnapshots(ctx: DriverContext, dom: DomainObject): Promise<void> {
  await rm(snapshotDir(ctx, dom), { recursive: true, force: true });
}

/** Make `name` (or none) the current snapshot, rewriting the files whose mark changes. */
export async function setCurrentSnapshot(
  ctx: DriverContext,
  dom: DomainObject,
  set: SnapshotSet,
  name: string | undefined,
): Promise<void> {
  if (set.current === name) return;
  const old = set.list.find((s) => s.name === set.current);
  if (old) await writeSnapshot(ctx, dom, old, false);
  const next = set.list.find((s) => s.name === name);
  if (next) await writeSnapshot(ctx, dom, next, true);
  set.current = next?.name;
}

/** The snapshot named `name`, or ERR_SNAPSHOT_NOT_FOUND as libvirt words it. */
export function findSnapshot(set: SnapshotSet, name: string): SnapshotDef {
  const found = set.list.find((s) => s.name === name);
  if (found) return found;
  throw new TsvirtError(
    'ERR_SNAPSHOT_NOT_FOUND',
    `Domain snapshot not found: no domain snapshot with matching name '${name}'`,
    { name },
  );
}

/** The direct children of `name` (undefined: the roots). */
export function childrenOf(set: SnapshotSet, name: string | undefined): SnapshotDef[] {
  return set.list.filter((s) => s.parent === name);
}

/** Every descendant of `name`, parents before children. */
export function descendantsOf(set: SnapshotSet, name: string): SnapshotDef[] {
  const out: SnapshotDef[] = [];
  const visit = (n: string): void => {
    for (const c of childrenOf(set, n)) {
      out.push(c);
      visit(c.name);
    }
  };
  visit(name);
  return out;
}
