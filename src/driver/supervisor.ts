import { DomainState } from '../connection.js';
import { isTsvirtError } from '../errors.js';
import { cont, systemReset, type QmpClient, type QmpEvent } from '../qmp/index.js';
import { PausedReason } from './constants.js';
import type { DriverContext } from './context.js';
import type { DomainObject, DomainRuntime } from './domain-object.js';
import { isQemuOfDomain, waitForExit } from './proc.js';
import { markPaused, markResumed, markShuttingDown, markStopped, saveStatus } from './transitions.js';

/** QMP events that need no action here (named so that only unknown ones are logged). */
const QUIET_EVENTS = new Set([
  'RESET',
  'POWERDOWN',
  'RTC_CHANGE',
  'BALLOON_CHANGE',
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
  qmp.on('close', () => void onMonitorClosed(ctx, dom, run));
}

async function onQmpEvent(
  ctx: DriverContext,
  dom: DomainObject,
  run: DomainRuntime,
  e: QmpEvent,
): Promise<void> {
  if (dom.run !== run) return;
  switch (e.event) {
    case 'SHUTDOWN':
      return onShutdownEvent(ctx, dom, run, e.data);
    case 'STOP':
      if (run.starting || run.rebooting) return;
      return markPaused(ctx, dom, run.pauseReason ?? PausedReason.UNKNOWN);
    case 'RESUME':
      if (run.starting || run.rebooting) return;
      return markResumed(ctx, dom);
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
  if (run.beingDestroyed) return;
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
  if (run.beingDestroyed || dom.run !== run) return;
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
    if (!isQemuOfDomain(run.pid, dom.uuid)) void onExit(ctx, dom, run);
  }, ctx.timeouts.exitPollMs);
  run.pollTimer.unref();
}

/** qemu exited on its own: shutdown after a SHUTDOWN event, otherwise a crash (libvirt's rule). */
async function onExit(ctx: DriverContext, dom: DomainObject, run: DomainRuntime): Promise<void> {
  if (dom.run !== run || run.starting || run.beingDestroyed || ctx.closing) return;
  clearInterval(run.pollTimer);
  run.pollTimer = undefined;
  try {
    await dom.job.run('exit-cleanup', ctx.timeouts.internalJobWaitMs, async () => {
      if (dom.run !== run || run.beingDestroyed) return;
      if (!run.gotShutdown)
        ctx.log(`domain '${dom.name}': qemu pid ${run.pid} exited without a SHUTDOWN event`);
      await markStopped(ctx, dom, run.gotShutdown ? 'shutdown' : 'crashed');
    });
  } catch (err) {
    ctx.log(`domain '${dom.name}': cleanup after qemu exit failed: ${String(err)}`);
  }
}
