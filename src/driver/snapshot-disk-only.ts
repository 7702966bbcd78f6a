/**
 * A disk-only snapshot (VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY) from start to end: overlays made, the
 * running disks switched (or the shut-off definition changed), then the live and persistent
 * definitions saved with each disk on its overlay. Its metadata is the caller's business.
 */
import { DomainState } from '../connection.js';
import { formatDomainXml } from '../domain/format-domain.js';
import type { DiskConfig, DomainConfig } from '../domain/types.js';
import type { SnapshotDef, SnapshotRequest } from '../domain/snapshot-xml.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import type { AsyncJobHandle } from './jobs-records.js';
import { requireMonitor } from './power.js';
import { RevertStack } from './revert-stack.js';
import { followLiveDisk, probeDefinitionChain } from './live-chain.js';
import {
  applyOverlays,
  createOverlays,
  planExternalDisks,
  switchLiveDisks,
  type OverlayPlan,
} from './snapshot-external.js';
import { saveConfig, saveStatus } from './transitions.js';

/** Take the snapshot `name` of `dom`'s disks; returns its definition (state disk-snapshot, memory no). */
export async function takeDiskOnlySnapshot(
  ctx: DriverContext,
  dom: DomainObject,
  job: AsyncJobHandle,
  req: SnapshotRequest,
  name: string,
): Promise<SnapshotDef> {
  const active = dom.state === DomainState.RUNNING || dom.state === DomainState.PAUSED;
  const def = (active ? dom.liveDef : (dom.persistentDef ?? dom.liveDef)) as DomainConfig;
  const { disks, overlays } = planExternalDisks(def, req.disks, name);
  const snap: SnapshotDef = {
    name,
    ...(req.description !== undefined ? { description: req.description } : {}),
    state: 'disk-snapshot',
    creationTime: Math.floor(Date.now() / 1000),
    memory: 'no',
    disks,
    domainXml: formatDomainXml(def, undefined, { secure: true }),
  };
  const revert = new RevertStack((line) => ctx.log(`domain '${dom.name}': ${line}`));
  await revert.run(async () => {
    job.setPhase('creating overlays');
    await createOverlays(overlays, revert);
    if (active) {
      job.setPhase('switching disks');
      dom.liveDef = await switchLiveDisks(ctx, dom, requireMonitor(dom), overlays, revert);
      await saveStatus(ctx, dom);
    }
  });
  // The disks are on their overlays now: the persistent definition follows, as libvirt's does.
  if (dom.persistentDef) {
    dom.persistentDef = await followOverlays(dom, overlays, active);
    await saveConfig(dom);
  }
  return snap;
}

/** The persistent definition with each disk that still had the overlay's base on its overlay, chain and all. */
export async function followOverlays(
  dom: DomainObject,
  overlays: readonly OverlayPlan[],
  active: boolean,
): Promise<DomainConfig> {
  const persistent = dom.persistentDef as DomainConfig;
  if (active) {
    const next = structuredClone(persistent);
    for (const o of overlays) {
      followLiveDisk(next, (dom.liveDef as DomainConfig).devices.disks[o.index] as DiskConfig, o.basePath);
    }
    return next;
  }
  const onPersistent = overlays.filter((o) => samePath(persistent, o.index, o.basePath));
  const next = applyOverlays(persistent, onPersistent);
  for (const o of onPersistent) {
    (next.devices.disks[o.index] as DiskConfig).backingChain = await probeDefinitionChain(o.overlayPath);
  }
  return next;
}

/** Whether the persistent disk at `index` still has the image the overlay was put on. */
function samePath(def: DomainConfig, index: number, path: string): boolean {
  const d = def.devices.disks[index];
  return d?.source?.kind === 'file' && d.source.path === path;
}
