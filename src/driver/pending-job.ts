/**
 * The save or internal snapshot a domain has under way, recorded in its status file before it changes
 * anything, so that a tsvirtd killed part-way finds it at re-adoption (job-recovery.ts) and undoes it.
 */
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import type { PendingJob } from './status-jobs.js';
import { saveStatus } from './transitions.js';

/** Record `job` as under way in the domain's status file (written before the call returns). */
export async function recordPendingJob(
  ctx: DriverContext,
  dom: DomainObject,
  job: PendingJob,
): Promise<void> {
  if (!dom.run) return;
  dom.run.pendingJob = job;
  await saveStatus(ctx, dom);
}

/** The operation ended (done or undone): nothing is left for a restart to resolve. */
export async function clearPendingJob(ctx: DriverContext, dom: DomainObject): Promise<void> {
  if (!dom.run?.pendingJob) return;
  dom.run.pendingJob = undefined;
  await saveStatus(ctx, dom);
}
