/**
 * A block commit run to its end on behalf of another operation (an external snapshot's deletion): the
 * job's own block-job-2 events say when it is ready (then an active commit pivots) or done.
 */
import { TsvirtError } from '../errors.js';
import { BlockCommitFlags, BlockJobAbortFlags, BlockJobType } from '../api/domain-enums.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import { abortBlockJob, commitBlock } from './block-jobs.js';

/** virConnectDomainEventBlockJobStatus. */
const Status = { COMPLETED: 0, FAILED: 1, CANCELED: 2, READY: 3 } as const;

/**
 * Merge `top` of disk `target` into `base`, and wait: a commit of the active layer pivots the disk onto
 * `base` once ready; a commit below it waits for its end (the chain is updated by then).
 */
export async function commitAndWait(
  ctx: DriverContext,
  dom: DomainObject,
  target: string,
  layers: { top: string; base: string; active: boolean },
  timeoutMs: number,
): Promise<void> {
  const type = layers.active ? BlockJobType.ACTIVE_COMMIT : BlockJobType.COMMIT;
  let settle: (status: number) => void = () => undefined;
  const ended = new Promise<number>((resolve) => (settle = resolve));
  const sub = ctx.events.subscribe(
    'block-job-2',
    (ev) => {
      if (ev.path === target && ev.type === type) settle(ev.status);
    },
    dom.uuid,
  );
  const timer = setTimeout(() => settle(-1), timeoutMs);
  try {
    await commitBlock(ctx, dom, target, {
      base: layers.base,
      top: layers.active ? undefined : layers.top,
      bandwidth: 0n,
      flags: layers.active ? BlockCommitFlags.ACTIVE : 0,
    });
    const status = await ended;
    if (status === Status.READY) {
      await abortBlockJob(ctx, dom, target, BlockJobAbortFlags.PIVOT);
      return;
    }
    if (status !== Status.COMPLETED) {
      const what =
        status === -1
          ? `did not end within ${timeoutMs} ms`
          : status === Status.FAILED
            ? 'failed'
            : 'was canceled';
      throw new TsvirtError(
        'ERR_OPERATION_FAILED',
        `disk ${target}: the commit of ${layers.top} into ${layers.base} ${what}; see blockjob ${target} --info`,
        { disk: target, top: layers.top, base: layers.base },
      );
    }
  } finally {
    clearTimeout(timer);
    sub.unsubscribe();
  }
}
