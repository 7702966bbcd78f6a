import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { NormalJob } from './jobs-kinds.js';
import { stopQemu } from './qemu-process.js';
import { markStopped, type StopKind } from './transitions.js';

/**
 * Stop qemu once an operation has ended its run (a save, a snapshot that halts, a migration), under a
 * DESTROY-kind job so that the exit watcher's cleanup waits for it and then finds nothing to do, and
 * mark the domain stopped as `kind`. `before` runs first, holding that job (a post-copy waits there for
 * its last pages). Nothing happens when the run has already ended.
 */
export async function stopRunAs(
  ctx: DriverContext,
  dom: DomainObject,
  jobName: string,
  kind: StopKind,
  before?: () => Promise<void>,
): Promise<void> {
  const run = dom.run;
  if (!run) return;
  await dom.job.run({ name: jobName, kind: NormalJob.DESTROY }, ctx.timeouts.internalJobWaitMs, async () => {
    if (dom.run !== run) return;
    await before?.();
    run.qmp?.removeAllListeners();
    await stopQemu(run, dom.uuid, {
      graceful: false,
      termWaitMs: ctx.timeouts.termWaitMs,
      killWaitMs: ctx.timeouts.killWaitMs,
    });
    await markStopped(ctx, dom, kind);
  });
}
