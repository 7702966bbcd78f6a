import { TsvirtError } from '../errors.js';
import { cont, stop, systemPowerdown, systemReset, type QmpClient } from '../qmp/index.js';
import { CreateFlags, DestroyFlags, PausedReason, PowerFlags } from '../api/domain-enums.js';
import type { DriverContext } from './context.js';
import type { DomainObject } from './domain-object.js';
import type { AsyncJobHandle, AsyncJobRequest, NormalJobRequest } from './jobs-records.js';
import { AsyncJob } from './jobs-kinds.js';
import { startDomain, type StartOptions } from './start.js';
import { checkAction } from './state-machine.js';
import { stopQemu } from './qemu-process.js';
import { watchMonitorDuringJob } from './supervisor.js';
import { markPaused, markResumed, markStopped } from './transitions.js';

/** The monitor of an active domain; ERR_OPERATION_FAILED when it does not answer. */
export function requireMonitor(dom: DomainObject): QmpClient {
  const qmp = dom.run?.qmp;
  const destroying = dom.job.destroying;
  // A destroy under way, or a qemu whose monitor closed as it exits: libvirt's "domain is not running".
  if (destroying || (qmp?.closed && dom.monitorError === undefined)) {
    throw new TsvirtError(
      'ERR_OPERATION_INVALID',
      `domain '${dom.name}' is not running: it is being ${destroying ? 'destroyed' : 'stopped'}`,
      { domain: dom.name },
    );
  }
  if (!qmp || qmp.closed) {
    throw new TsvirtError(
      'ERR_OPERATION_FAILED',
      `domain '${dom.name}': qemu does not answer on QMP (${dom.monitorError ?? 'no monitor'}); destroy the domain to recover`,
      { domain: dom.name },
    );
  }
  return qmp;
}

/** Only the ACPI power button is implemented for shutdown and reboot; other modes are refused by name. */
export function checkPowerFlags(op: 'shutdown' | 'reboot', flags: number): void {
  if ((flags & ~PowerFlags.ACPI_POWER_BTN) === 0) return;
  throw new TsvirtError(
    'ERR_NOT_SUPPORTED',
    `${op} mode flags ${flags} are not supported; only the ACPI power button (acpi) is`,
    { field: 'flags', value: flags, expected: '0 or 1 (acpi)' },
  );
}

/** Start flags: PAUSED, and BYPASS_CACHE and FORCE_BOOT for a managed save image. */
export function checkCreateFlags(flags: number): void {
  const known = CreateFlags.PAUSED | CreateFlags.BYPASS_CACHE | CreateFlags.FORCE_BOOT;
  if ((flags & ~known) === 0) return;
  throw new TsvirtError(
    'ERR_NOT_SUPPORTED',
    `start flags ${flags} are not supported; only paused (1), bypass-cache (4) and force-boot (8) are`,
    { field: 'flags', value: flags, expected: 'a mask of 1, 4 and 8' },
  );
}

/** Press the ACPI power button; returns once sent (the guest decides when it stops). */
export async function shutdownDomain(dom: DomainObject): Promise<void> {
  await systemPowerdown(requireMonitor(dom));
}

/**
 * libvirt's fake reboot: qemu is told to pause instead of exiting on SHUTDOWN, the power button is
 * pressed, and the supervisor resets and resumes the machine when the guest has shut down.
 */
export async function rebootDomain(dom: DomainObject): Promise<void> {
  const qmp = requireMonitor(dom);
  await qmp.execute('set-action', { shutdown: 'pause' });
  if (dom.run) dom.run.fakeReboot = true;
  await systemPowerdown(qmp);
}

/** Wait until a domain has no qemu process, at most `timeoutMs`; true when it stopped. */
export async function waitInactive(dom: DomainObject, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (dom.active) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

/** Hard reset, like pressing the reset button: no lifecycle event. */
export async function resetDomain(dom: DomainObject): Promise<void> {
  await systemReset(requireMonitor(dom));
}

/**
 * Pause the vCPUs: paused/user, event SUSPENDED/PAUSED; during an outgoing migration (virsh migrate
 * --timeout-suspend) paused/migration, SUSPENDED/MIGRATED, as libvirt, so that the migration's end or
 * its failure decides what the guest does next.
 */
export async function suspendDomain(ctx: DriverContext, dom: DomainObject): Promise<void> {
  const qmp = requireMonitor(dom);
  const reason = dom.job.isAsync(AsyncJob.MIGRATION_OUT) ? PausedReason.MIGRATION : PausedReason.USER;
  const before = dom.run?.pauseReason;
  if (dom.run) dom.run.pauseReason = reason;
  try {
    await stop(qmp);
    await markPaused(ctx, dom, reason);
  } finally {
    // A migration's own pause reason stays for its Perform to see.
    if (dom.run) dom.run.pauseReason = reason === PausedReason.MIGRATION ? before : undefined;
  }
}

/** Run the vCPUs again: running/unpaused, event RESUMED/UNPAUSED. */
export async function resumeDomain(ctx: DriverContext, dom: DomainObject): Promise<void> {
  await cont(requireMonitor(dom));
  await markResumed(ctx, dom);
}

/**
 * Destroy, as libvirt does it: signal qemu first, without waiting for the domain's job (SIGTERM, SIGCONT,
 * then SIGKILL after termWaitMs unless GRACEFUL) and without asking a monitor that may not answer; the
 * job in progress then fails with ERR_DOMAIN_DESTROYED. Then, holding the job: shutoff/destroyed and
 * event STOPPED/DESTROYED.
 */
export async function destroyDomain(ctx: DriverContext, dom: DomainObject, flags: number): Promise<void> {
  const run = dom.run;
  if (!run) return;
  const graceful = (flags & DestroyFlags.GRACEFUL) !== 0;
  const endDestroy = dom.job.beginDestroy();
  try {
    const step = await stopQemu(run, dom.uuid, {
      graceful,
      termWaitMs: graceful ? ctx.timeouts.gracefulWaitMs : ctx.timeouts.termWaitMs,
      killWaitMs: ctx.timeouts.killWaitMs,
    });
    if (step === 'sigkill') ctx.log(`domain '${dom.name}': qemu pid ${run.pid} needed SIGKILL`);
    // qemu is gone, so the monitor can only fail now: close it, and a job waiting on it fails at once.
    run.qmp?.removeAllListeners();
    run.qmp?.close();
    // A DESTROY job runs beside any async job; it waits only for the normal job, which fails at once now.
    await dom.job.run('destroy', ctx.timeouts.internalJobWaitMs, async () => {
      if (dom.run === run) await markStopped(ctx, dom, 'destroyed');
    });
  } finally {
    endDestroy();
  }
}

/** The error of a job whose domain was destroyed under it (`cause`: what the job itself met). */
export function buildDestroyedError(dom: DomainObject, job: string, cause: unknown): TsvirtError {
  return new TsvirtError(
    'ERR_DOMAIN_DESTROYED',
    `domain '${dom.name}' was destroyed while ${job} was in progress`,
    { domain: dom.name, job },
    { cause },
  );
}

/**
 * Run `fn` as the domain's job. A destroy meanwhile makes it fail with ERR_DOMAIN_DESTROYED, and when it
 * runs long, the monitor is checked, so that a qemu that does not answer shows as such (NOSTATE).
 */
export async function runDomainJob<T>(
  ctx: DriverContext,
  dom: DomainObject,
  job: string | NormalJobRequest,
  waitMs: number,
  fn: () => Promise<T>,
): Promise<T> {
  const name = typeof job === 'string' ? job : job.name;
  return dom.job.run(job, waitMs, () => watchJob(ctx, dom, name, fn));
}

/** A start, as the START async job holding the normal job too: nothing but its own work runs meanwhile. */
export async function runStartJob(
  ctx: DriverContext,
  dom: DomainObject,
  waitMs: number,
  opts: StartOptions,
): Promise<void> {
  await runAsyncDomainJob(ctx, dom, { kind: AsyncJob.START, holdNormal: true }, waitMs, async () => {
    checkAction('start', dom.subject);
    await startDomain(ctx, dom, opts);
  });
}

/**
 * Run `fn` as the domain's async job (save, snapshot, migration, start): the normal jobs of its mask run
 * beside it; a destroy aborts its signal and makes it fail with ERR_DOMAIN_DESTROYED, as a normal job.
 */
export async function runAsyncDomainJob<T>(
  ctx: DriverContext,
  dom: DomainObject,
  req: AsyncJobRequest,
  waitMs: number,
  fn: (job: AsyncJobHandle) => Promise<T>,
): Promise<T> {
  return dom.job.runAsync(req, waitMs, (handle) => watchJob(ctx, dom, handle.name, () => fn(handle)));
}

/** Run a job's body: checked for a mute monitor when it runs long, and failed as destroyed when pre-empted. */
async function watchJob<T>(
  ctx: DriverContext,
  dom: DomainObject,
  job: string,
  fn: () => Promise<T>,
): Promise<T> {
  const destroys = dom.job.destroys;
  const stopWatch = watchMonitorDuringJob(ctx, dom, job);
  try {
    return await fn();
  } catch (err) {
    throw dom.job.destroys !== destroys ? buildDestroyedError(dom, job, err) : err;
  } finally {
    stopWatch();
  }
}
