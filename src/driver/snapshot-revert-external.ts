/**
 * Revert to an external disk-only snapshot, as libvirt (9.7 and later) does it: qemu is stopped if it
 * runs, the domain takes the snapshot's definition, and each disk the snapshot covered gets a new qcow2
 * overlay (named after the time of the revert) over the image the snapshot was made over, which stays
 * read-only as the base of every layer built on it. When the snapshot reverted to is the current one
 * and has no children, its former overlays (the state being discarded) are removed and the new ones
 * take their place in its metadata.
 */
import { access, unlink } from 'node:fs/promises';
import { TsvirtError } from '../errors.js';
import { parseDomainXml } from '../domain/parse-domain.js';
import { resolveDiskPath } from '../domain/device-objects.js';
import type { DiskConfig, DomainConfig } from '../domain/types.js';
import type { SnapshotDef } from '../domain/snapshot-xml.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { probeDefinitionChain } from './live-chain.js';
import { RevertStack } from './revert-stack.js';
import { applyOverlays, buildOverlayPath, createOverlays, type OverlayPlan } from './snapshot-external.js';
import { stopForSnapshot } from './snapshot-runtime.js';
import { childrenOf, writeSnapshot, type SnapshotSet } from './snapshot-store.js';
import { saveConfig } from './transitions.js';

/** Whether reverting to `snap` is an external revert (some disk of it is external). */
export function isExternalSnapshot(snap: SnapshotDef): boolean {
  return snap.disks.some((d) => d.snapshot === 'external') || snap.memory === 'external';
}

/** Refuse what an external revert does not cover, by name: memory state, a snapshot without its definition. */
export function checkExternalRevert(snap: SnapshotDef): void {
  if (snap.memory === 'external') {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `revert to snapshot '${snap.name}' with external memory state is not supported by tsvirt; revert to a disk-only snapshot, or restore its memory file with virsh restore`,
      { name: snap.name, field: 'memory', value: 'external' },
    );
  }
  if (snap.domainXml === undefined) {
    throw new TsvirtError(
      'ERR_OPERATION_INVALID',
      `Requested operation is not valid: snapshot '${snap.name}' keeps no domain definition, so the images its disks were made over are unknown`,
      { name: snap.name },
    );
  }
}

/** Revert `dom` to external snapshot `snap` (the caller holds the SNAPSHOT job and makes it current after). */
export async function revertExternal(
  ctx: DriverContext,
  dom: DomainObject,
  set: SnapshotSet,
  snap: SnapshotDef,
): Promise<void> {
  checkExternalRevert(snap);
  if (!dom.persistent) {
    throw new TsvirtError(
      'ERR_OPERATION_INVALID',
      `Requested operation is not valid: domain '${dom.name}' is transient; an external snapshot is reverted to by redefining the domain, so define it first`,
      { domain: dom.name },
    );
  }
  if (dom.active) await stopForSnapshot(ctx, dom);
  const def = parseDomainXml(snap.domainXml as string);
  const stamp = String(Math.floor(Date.now() / 1000));
  const plans = planRevertOverlays(def, snap, stamp);
  for (const p of plans) p.overlayPath = await findFreePath(p.overlayPath);
  const revert = new RevertStack((line) => ctx.log(`domain '${dom.name}': ${line}`));
  let next: DomainConfig = def;
  await revert.run(async () => {
    await createOverlays(plans, revert);
    next = applyOverlays(def, plans);
    for (const p of plans) {
      (next.devices.disks[p.index] as DiskConfig).backingChain = await probeDefinitionChain(p.overlayPath);
    }
  });
  dom.persistentDef = next;
  await saveConfig(dom);
  if (set.current === snap.name && childrenOf(set, snap.name).length === 0) {
    await replaceOverlays(ctx, dom, snap, plans);
  }
}

/** A new overlay over each external disk's image as the snapshot's definition names it. */
function planRevertOverlays(def: DomainConfig, snap: SnapshotDef, stamp: string): OverlayPlan[] {
  const plans: OverlayPlan[] = [];
  for (const d of snap.disks) {
    if (d.snapshot !== 'external') continue;
    const index = def.devices.disks.findIndex((x) => x.targetDev === d.name);
    const disk = def.devices.disks[index];
    const base = disk && resolveDiskPath(def, disk);
    if (!disk || base?.kind !== 'file') {
      throw new TsvirtError(
        'ERR_OPERATION_INVALID',
        `Requested operation is not valid: snapshot '${snap.name}' disk ${d.name} has no image file in the snapshot's definition to revert to`,
        { name: snap.name, disk: d.name },
      );
    }
    plans.push({
      index,
      target: d.name,
      basePath: base.path,
      baseFormat: disk.format,
      overlayPath: buildOverlayPath(base.path, stamp),
    });
  }
  return plans;
}

/** `path`, or `path-N` with the first N that names no file yet (two reverts within one second). */
async function findFreePath(path: string): Promise<string> {
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? path : `${path}-${n}`;
    const taken = await access(candidate).then(
      () => true,
      () => false,
    );
    if (!taken) return candidate;
  }
}

/** The snapshot's former overlays held only the state the revert discards: they go, the new ones stand in. */
async function replaceOverlays(
  ctx: DriverContext,
  dom: DomainObject,
  snap: SnapshotDef,
  plans: readonly OverlayPlan[],
): Promise<void> {
  for (const d of snap.disks) {
    const plan = plans.find((p) => p.target === d.name);
    if (d.snapshot !== 'external' || !plan || d.file === undefined) continue;
    await unlink(d.file).catch((err: unknown) =>
      ctx.log(`domain '${dom.name}': the former overlay ${String(d.file)} stays: ${String(err)}`),
    );
    d.file = plan.overlayPath;
  }
  await writeSnapshot(ctx, dom, snap, true);
}
