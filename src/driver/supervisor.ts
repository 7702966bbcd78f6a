import { DomainState } from '../connection.js';
import { isTsvirtError } from '../errors.js';
import {
  cont,
  queryBalloon,
  queryStatus,
  systemReset,
  QMP_PROBE_TIMEOUT_MS,
  type QmpClient,
  type QmpEvent,
  type QmpTrace,
} from '../qmp/index.js';
import { NostateReason, PausedReason } from '../api/domain-enums.js';
import type { DriverContext } from './context.js';
import type { DomainObject, DomainRuntime } from './domain-object.js';
import { isQemuOfDomain, waitForExit } from './proc.js';
import { mapRunStatus } from './state-machine.js';
import { refreshLiveVcpus } from './vcpu-count.js';
import { isCpuDeletedEvent, isCpuEjectReport } from './vcpu-unplug.js';
import { markPaused, markResumed, markShuttingDown, markStopped, saveStatus } from './transitions.js';

/** QMP events that need no action here (named so that only unknown ones are logged). */
const QUIET_EVENTS = new Set([
  'RESET',
  'POWERDOWN',
  'RTC_CHANGE',
  'NIC_RX_FILTER_CHANGED',
  'VNC_CONNECTED',
  'VNC_INITIALIZED',
  'VNC_DISCONNECTED',
  'DEVICE_DELETED',
  'WAKEUP',
]);

/** Whether the definition restarts the guest when it powers itself off. */
export function restartsOnPoweroff(dom: DomainObject): boolean {
  const action = dom.liveDef?.onPoweroff;
  return action === 'restart' || action === 'rename-restart';
}

/** Follow a monitor: lifecycle events become state changes, and its close is checked for an exit. */
export function attachMonitor(
  ctx: DriverContext,
  dom: DomainObject,
  run: DomainRuntime,
  qmp: QmpClient,
): void {
  run.qmp = qmp;
  qmp.on('event', (e) => {
    void onQmpEvent(ctx, dom, run, e).catch((err: unknown) =>
      ctx.log(`domain '${dom.name}': handling QMP event ${e.event} failed: ${String(err)}`),
    );
  });
  qmp.on('protocol-error', (err) => ctx.log(`domain '${dom.name}': ${err.message}`));
  qmp.on('trace', (t) => onQmpTrace(ctx, dom, run, t));
  qmp.on('close', () => void onMonitorClosed(ctx, dom, run));
  trackBalloon(dom, run, qmp);
}

/**
 * Keep the balloon's actual size, as libvirt keeps cur_balloon: asked once here, then from BALLOON_CHANGE
 * events, so that dominfo never waits for qemu. No balloon device (`<memballoon model='none'/>`): never asked.
 */
function trackBalloon(dom: DomainObject, run: DomainRuntime, qmp: QmpClient): void {
  if (dom.liveDef?.devices.memballoon?.model === 'none') return;
  qmp.on('event', (e) => {
    // BALLOON_CHANGE {actual}: the guest's memory in bytes after the balloon moved.
    if (e.event === 'BALLOON_CHANGE' && typeof e.data['actual'] === 'number')
      run.balloonKiB = Math.floor(e.data['actual'] / 1024);
  });
  queryBalloon(qmp).then(
    (b) => (run.balloonKiB = Math.floor(b.actualBytes / 1024)),
    () => undefined, // no balloon, or no answer: dominfo gives <currentMemory> until an event comes
  );
}

/** The session's liveness checks: a check that got no answer marks the monitor hung; any answer, alive. */
function onQmpTrace(ctx: DriverContext, dom: DomainObject, run: DomainRuntime, t: QmpTrace): void {
  if (t.kind === 'probe-timeout') {
    const why = `qemu did not answer query-status within ${t.timeoutMs} ms after "${t.afterCommand}" timed out`;
    markMonitorHung(ctx, dom, run, why);
  } else void recoverMonitor(ctx, dom, run);
}

/** How long a job runs before the driver checks that qemu still answers on QMP. */
const JOB_MONITOR_CHECK_AFTER_MS = 1_000;

/**
 * While a job runs longer than JOB_MONITOR_CHECK_AFTER_MS, check once that qemu answers on QMP (a
 * query-status bounded as the session's own liveness check); no answer marks the monitor hung, so
 * queries report it at once. Returns the function that ends the watch.
 */
export function watchMonitorDuringJob(ctx: DriverContext, dom: DomainObject, job: string): () => void {
  const run = dom.run;
  const timer = setTimeout(() => {
    const qmp = run?.qmp;
    if (!run || !qmp || qmp.closed || dom.job.starting || dom.run !== run) return;
    qmp.execute('query-status', undefined, { timeoutMs: QMP_PROBE_TIMEOUT_MS }).then(
      () => recoverMonitor(ctx, dom, run),
      () => {
        const waitedMs = JOB_MONITOR_CHECK_AFTER_MS + QMP_PROBE_TIMEOUT_MS;
        markMonitorHung(ctx, dom, run, `qemu has not answered QMP for ${waitedMs} ms during ${job}`);
      },
    );
  }, JOB_MONITOR_CHECK_AFTER_MS);
  timer.unref();
  return () => clearTimeout(timer);
}

/** QMP does not answer while qemu runs: NOSTATE with the reason, as for a monitor that closed. */
function markMonitorHung(ctx: DriverContext, dom: DomainObject, run: DomainRuntime, why: string): void {
  if (dom.run !== run || dom.job.destroying || dom.job.starting || run.hungFrom || !run.qmp) return;
  if (dom.state === DomainState.NOSTATE) return;
  run.hungFrom = { state: dom.state, reason: dom.reason };
  dom.monitorError = why;
  dom.setState(DomainState.NOSTATE, NostateReason.UNKNOWN);
  ctx.log(`domain '${dom.name}': ${why}; shown as no state until it answers, destroy it to recover`);
}

/** QMP answered again after a hang: the state comes back from query-status (events may have been missed). */
async function recoverMonitor(ctx: DriverContext, dom: DomainObject, run: DomainRuntime): Promise<void> {
  const from = run.hungFrom;
  const qmp = run.qmp;
  if (!from || !qmp || dom.run !== run) return;
  const status = await queryStatus(qmp).catch(() => undefined);
  if (!status || run.hungFrom !== from || dom.run !== run || dom.job.destroying) return;
  run.hungFrom = undefined;
  dom.monitorError = undefined;
  dom.setState(...mapRunStatus(status.status, from));
  ctx.log(`domain '${dom.name}': qemu answers on QMP again (${status.status})`);
  await saveStatus(ctx, dom);
}

async function onQmpEvent(
  ctx: DriverContext,
  dom: DomainObject,
  run: DomainRuntime,
  e: QmpEvent,
): Promise<void> {
  if (dom.run !== run) return;
  if (run.hungFrom) await recoverMonitor(ctx, dom, run);
  switch (e.event) {
    case 'SHUTDOWN':
      return onShutdownEvent(ctx, dom, run, e.data);
    case 'STOP':
      if (dom.job.starting || run.rebooting) return;
      return markPaused(ctx, dom, run.pauseReason ?? PausedReason.UNKNOWN);
    case 'RESUME':
      if (dom.job.starting || run.rebooting) return;
      return markResumed(ctx, dom);
    case 'BALLOON_CHANGE':
      return; // trackBalloon's
    case 'DEVICE_DELETED':
    case 'ACPI_DEVICE_OST':
      // A CPU ejected, perhaps after its unplug call gave up waiting: the live count follows qemu.
      if (isCpuDeletedEvent(e) || isCpuEjectReport(e)) return refreshLiveVcpus(ctx, dom);
      if (e.event === 'ACPI_DEVICE_OST')
        ctx.log(`domain '${dom.name}': QMP event ${e.event} ${JSON.stringify(e.data)}`);
      return;
    default:
      if (!QUIET_EVENTS.has(e.event))
        ctx.log(`domain '${dom.name}': QMP event ${e.event} ${JSON.stringify(e.data)}`);
  }
}

async function onShutdownEvent(
  ctx: DriverContext,
  dom: DomainObject,
  run: DomainRuntime,
  data: Record<string, unknown>,
): Promise<void> {
  // A destroy's or a failed start's SIGTERM: the exit is theirs to report.
  if (dom.job.destroying || dom.job.starting) return;
  const guest = typeof data['guest'] === 'boolean' ? data['guest'] : undefined;
  const poweroff = guest === true && data['reason'] === 'guest-shutdown';
  if (run.fakeReboot || (poweroff && restartsOnPoweroff(dom))) return resetAfterShutdown(ctx, dom, run);
  run.gotShutdown = true;
  await markShuttingDown(ctx, dom, guest);
}

/**
 * A fake reboot, as libvirt's qemu driver does it: qemu paused on SHUTDOWN (set-action shutdown=pause),
 * so reset the machine and let it run again in the same process.
 */
async function resetAfterShutdown(ctx: DriverContext, dom: DomainObject, run: DomainRuntime): Promise<void> {
  const qmp = run.qmp;
  if (!qmp) return;
  run.rebooting = true;
  try {
    await systemReset(qmp);
    await contWhenReset(qmp);
    if (run.fakeReboot && !restartsOnPoweroff(dom)) await qmp.execute('set-action', { shutdown: 'poweroff' });
    run.fakeReboot = false;
    await saveStatus(ctx, dom);
  } finally {
    run.rebooting = false;
  }
}

/** `cont` right after `system_reset` may find the reset not yet done ("Resetting the Virtual Machine is required"). */
async function contWhenReset(qmp: QmpClient): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await cont(qmp);
    } catch (err) {
      if (attempt >= 20 || !isTsvirtError(err, 'ERR_QMP_COMMAND')) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

async function onMonitorClosed(ctx: DriverContext, dom: DomainObject, run: DomainRuntime): Promise<void> {
  if (dom.run !== run || ctx.closing) return;
  run.qmp = undefined;
  if (await waitForExit(run.pid, 2_000)) return onExit(ctx, dom, run);
  if (dom.job.destroying || dom.run !== run) return;
  dom.monitorError = 'the QMP connection closed while qemu still runs';
  dom.setState(DomainState.NOSTATE, 0);
  ctx.log(`domain '${dom.name}': qemu pid ${run.pid} runs but its QMP monitor closed; destroy it to recover`);
  watchExit(ctx, dom, run);
}

/** Notice when qemu exits: the exit promise of a child we spawned, else a /proc poll. */
export function watchExit(ctx: DriverContext, dom: DomainObject, run: DomainRuntime): void {
  if (run.exited) {
    void run.exited.then(() => onExit(ctx, dom, run));
    return;
  }
  if (run.pollTimer) return;
  run.pollTimer = setInterval(() => {
    if (!isQemuOfDomain(run.pid, dom.uuid, run.startTicks)) void onExit(ctx, dom, run);
  }, ctx.timeouts.exitPollMs);
  run.pollTimer.unref();
}

/**
 * qemu exited on its own: shutdown after a SHUTDOWN event, otherwise a crash (libvirt's rule). The
 * cleanup job waits for a start in progress, which cleans up itself when qemu dies under it.
 */
async function onExit(ctx: DriverContext, dom: DomainObject, run: DomainRuntime): Promise<void> {
  if (dom.run !== run || dom.job.destroying || ctx.closing) return;
  clearInterval(run.pollTimer);
  run.pollTimer = undefined;
  try {
    await dom.job.run('exit-cleanup', ctx.timeouts.internalJobWaitMs, async () => {
      if (dom.run !== run || dom.job.destroying) return;
      if (!run.gotShutdown)
        ctx.log(`domain '${dom.name}': qemu pid ${run.pid} exited without a SHUTDOWN event`);
      await markStopped(ctx, dom, run.gotShutdown ? 'shutdown' : 'crashed');
    });
  } catch (err) {
    ctx.log(`domain '${dom.name}': cleanup after qemu exit failed: ${String(err)}`);
  }
}
