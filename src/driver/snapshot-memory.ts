/**
 * An external snapshot with memory (`<memory snapshot='external' file=.../>`, virsh --memspec): with
 * the vCPUs stopped, the memory and device state go to a save image at the given file (as virsh save
 * writes one), then each external disk gets its overlay at the same instant; the guest then runs on,
 * or stops with HALT. A failure leaves neither the memory file nor an overlay behind.
 */
import { access, unlink } from 'node:fs/promises';
import { DomainState } from '../connection.js';
import { TsvirtError } from '../errors.js';
import { formatDomainXml } from '../domain/format-domain.js';
import type { DomainConfig } from '../domain/types.js';
import type { SnapshotDef, SnapshotRequest } from '../domain/snapshot-xml.js';
import { PausedReason } from '../api/domain-enums.js';
import { SnapshotCreateFlags as F } from '../api/snapshot-enums.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import type { AsyncJobHandle } from './jobs-records.js';
import { SNAPSHOT_MEMORY_MASK } from './jobs-kinds.js';
import { requireMonitor } from './power.js';
import { RevertStack } from './revert-stack.js';
import { writeMemoryImage } from './save.js';
import { SavedState } from './save-image-format.js';
import { followOverlays } from './snapshot-disk-only.js';
import { createOverlays, planExternalDisks, switchLiveDisks } from './snapshot-external.js';
import { pauseVcpus, resumeVcpus, stopForSnapshot } from './snapshot-runtime.js';
import { saveConfig, saveStatus } from './transitions.js';

/** Take snapshot `name` of a running or paused `dom` with its memory in `req.memoryFile`. */
export async function takeMemorySnapshot(
  ctx: DriverContext,
  dom: DomainObject,
  job: AsyncJobHandle,
  req: SnapshotRequest,
  name: string,
  flags: number,
): Promise<SnapshotDef> {
  const file = await checkMemoryFile(dom, req.memoryFile);
  const qmp = requireMonitor(dom);
  const run = dom.run;
  const live = dom.liveDef as DomainConfig;
  const { disks, overlays } = planExternalDisks(live, req.disks, name);
  const wasRunning = dom.state === DomainState.RUNNING;
  const domainXml = formatDomainXml(live, undefined, { secure: true });
  const snap: SnapshotDef = {
    name,
    ...(req.description !== undefined ? { description: req.description } : {}),
    state: wasRunning ? 'running' : 'paused',
    creationTime: Math.floor(Date.now() / 1000),
    memory: 'external',
    memoryFile: file,
    disks,
    domainXml,
  };
  job.setMask(SNAPSHOT_MEMORY_MASK);
  job.setPhase('pausing');
  await pauseVcpus(ctx, dom, qmp, PausedReason.SNAPSHOT);
  const revert = new RevertStack((line) => ctx.log(`domain '${dom.name}': ${line}`));
  try {
    await revert.run(async () => {
      const state = wasRunning ? SavedState.RUNNING : SavedState.PAUSED;
      await writeMemoryImage(ctx, dom, job, file, { xml: domainXml, state, what: 'memory snapshot' });
      revert.push(`the memory file ${file}`, () => unlink(file));
      job.setPhase('creating overlays');
      await createOverlays(overlays, revert);
      job.setPhase('switching disks');
      dom.liveDef = await switchLiveDisks(ctx, dom, qmp, overlays, revert);
      await saveStatus(ctx, dom);
    });
  } catch (err) {
    if (wasRunning && dom.run === run && !qmp.closed && !dom.job.destroying) await resumeVcpus(ctx, dom, qmp);
    throw err;
  }
  if (dom.persistentDef) {
    dom.persistentDef = await followOverlays(dom, overlays, true);
    await saveConfig(dom);
  }
  if ((flags & F.HALT) !== 0) {
    job.setPhase('stopping');
    await stopForSnapshot(ctx, dom);
  } else if (wasRunning) {
    await resumeVcpus(ctx, dom, qmp);
  }
  return snap;
}

/** The memory file: an absolute path that does not exist yet, of a domain that runs. */
async function checkMemoryFile(dom: DomainObject, file: string | undefined): Promise<string> {
  if (!dom.active) {
    throw new TsvirtError(
      'ERR_OPERATION_INVALID',
      `Requested operation is not valid: memory state cannot be saved with offline or disk-only snapshot; domain '${dom.name}' is not running`,
      { domain: dom.name, field: 'memory', value: 'external' },
    );
  }
  if (file === undefined || !file.startsWith('/')) {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      `an external memory snapshot needs an absolute file path; give <memory snapshot='external' file='/path'/> (virsh --memspec file=/path)`,
      { field: 'memory.file', value: file ?? null, expected: 'an absolute path' },
    );
  }
  const exists = await access(file).then(
    () => true,
    () => false,
  );
  if (exists) {
    throw new TsvirtError(
      'ERR_OPERATION_INVALID',
      `Requested operation is not valid: external memory snapshot file ${file} already exists; give a new path`,
      { field: 'memory.file', value: file, expected: 'a path that does not exist yet' },
    );
  }
  return file;
}
