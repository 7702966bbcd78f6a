/**
 * A domain's migration tuning, as virsh migrate-setspeed, migrate-getspeed, migrate-setmaxdowntime,
 * migrate-getmaxdowntime and migrate-postcopy reach it. The speed is kept per domain (libvirt's
 * migMaxBandwidth, in memory, for the daemon's lifetime) and given to qemu when the domain runs; the
 * downtime lives in qemu only.
 */
import { TsvirtError } from '../../errors.js';
import { migrateStartPostcopy, queryMigrateParameters, setMigrateParameters } from '../../qmp/index.js';
import type { DriverContext } from '../context.js';
import type { DomainObject } from '../domain-object.js';
import { AsyncJob, NormalJob } from '../jobs-kinds.js';
import { requireMonitor, runDomainJob } from '../power.js';

/** libvirt's largest migration speed, in MiB/s (INT64_MAX bytes/s): also "no limit", its default. */
export const MAX_MIGRATE_SPEED_MIBS = 8796093022207n;

/** VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY: the speed of the post-copy phase. */
export const MAX_SPEED_POSTCOPY = 1;

/** The largest byte count qemu's JSON takes exactly: what "no limit" is sent as. */
const UNLIMITED_BYTES = Number.MAX_SAFE_INTEGER;

const speeds = new WeakMap<DomainObject, bigint>();
const postcopySpeeds = new WeakMap<DomainObject, bigint>();

/** Domains whose outgoing migration was started with POSTCOPY, until it ends. */
const postcopyAllowed = new WeakSet<DomainObject>();

/** qemu's bytes/s for a speed in MiB/s; the largest exact JSON integer stands for "no limit". */
export function buildBandwidthBytes(mibs: bigint): number {
  const bytes = mibs * 1024n * 1024n;
  return bytes > BigInt(UNLIMITED_BYTES) ? UNLIMITED_BYTES : Number(bytes);
}

/** The speed an outgoing migration of `dom` gets unless its parameters name one, in MiB/s. */
export function getStoredSpeed(dom: DomainObject): bigint {
  return speeds.get(dom) ?? MAX_MIGRATE_SPEED_MIBS;
}

/** The post-copy speed set with migrate-setspeed --postcopy; 0: unlimited. */
export function getStoredPostcopySpeed(dom: DomainObject): bigint {
  return postcopySpeeds.get(dom) ?? 0n;
}

/** Mark `dom`'s outgoing migration as one that may switch to post-copy (or no longer). */
export function setPostcopyAllowed(dom: DomainObject, allowed: boolean): void {
  if (allowed) postcopyAllowed.add(dom);
  else postcopyAllowed.delete(dom);
}

function checkFlags(flags: number, allowed: number, what: string): void {
  if ((flags & ~allowed) === 0) return;
  throw new TsvirtError(
    'ERR_INVALID_ARG',
    `unsupported flags (0x${(flags & ~allowed).toString(16)}) in ${what}`,
    {
      field: 'flags',
      value: flags,
      expected: `a mask of 0x${allowed.toString(16)}`,
    },
  );
}

function notRunning(dom: DomainObject): TsvirtError {
  return new TsvirtError('ERR_OPERATION_INVALID', 'Requested operation is not valid: domain is not running', {
    domain: dom.name,
  });
}

const migrationOp = (name: string) => ({ name, kind: NormalJob.MIGRATION_OP });

/** virDomainMigrateSetMaxSpeed: kept for the next migration; a running qemu gets it at once. */
export async function setMaxSpeed(
  ctx: DriverContext,
  dom: DomainObject,
  mibs: bigint,
  flags: number,
): Promise<void> {
  checkFlags(flags, MAX_SPEED_POSTCOPY, 'virDomainMigrateSetMaxSpeed');
  if (mibs < 0n || mibs > MAX_MIGRATE_SPEED_MIBS) {
    throw new TsvirtError('ERR_INVALID_ARG', `bandwidth must be less than ${MAX_MIGRATE_SPEED_MIBS + 1n}`, {
      field: 'bandwidth',
      value: mibs,
      expected: `0 to ${MAX_MIGRATE_SPEED_MIBS} MiB/s`,
    });
  }
  const postcopy = (flags & MAX_SPEED_POSTCOPY) !== 0;
  await runDomainJob(ctx, dom, migrationOp('migrate-set-speed'), ctx.jobWaitMs, async () => {
    if (dom.active) {
      const bytes = buildBandwidthBytes(mibs);
      await setMigrateParameters(
        requireMonitor(dom),
        postcopy ? { maxPostcopyBandwidthBytes: mibs === 0n ? 0 : bytes } : { maxBandwidthBytes: bytes },
      );
    }
    (postcopy ? postcopySpeeds : speeds).set(dom, mibs);
  });
}

/** virDomainMigrateGetMaxSpeed: the speed kept for `dom`, MiB/s. */
export function getMaxSpeed(dom: DomainObject, flags: number): bigint {
  checkFlags(flags, MAX_SPEED_POSTCOPY, 'virDomainMigrateGetMaxSpeed');
  return (flags & MAX_SPEED_POSTCOPY) !== 0 ? getStoredPostcopySpeed(dom) : getStoredSpeed(dom);
}

/** virDomainMigrateSetMaxDowntime: qemu's downtime-limit, in ms, for the running domain. */
export async function setMaxDowntime(
  ctx: DriverContext,
  dom: DomainObject,
  downtimeMs: bigint,
  flags: number,
): Promise<void> {
  checkFlags(flags, 0, 'virDomainMigrateSetMaxDowntime');
  // qemu's own bound on downtime-limit (2000 seconds).
  if (downtimeMs < 0n || downtimeMs > 2_000_000n) {
    throw new TsvirtError('ERR_INVALID_ARG', `downtime ${downtimeMs} ms is out of range`, {
      field: 'downtime',
      value: downtimeMs,
      expected: '0 to 2000000 ms',
    });
  }
  await runDomainJob(ctx, dom, migrationOp('migrate-set-downtime'), ctx.jobWaitMs, async () => {
    if (!dom.active) throw notRunning(dom);
    await setMigrateParameters(requireMonitor(dom), { downtimeLimitMs: Number(downtimeMs) });
  });
}

/** virDomainMigrateGetMaxDowntime: qemu's downtime-limit, in ms. */
export async function getMaxDowntime(ctx: DriverContext, dom: DomainObject, flags: number): Promise<bigint> {
  checkFlags(flags, 0, 'virDomainMigrateGetMaxDowntime');
  return runDomainJob(
    ctx,
    dom,
    { name: 'migrate-get-downtime', kind: NormalJob.QUERY },
    ctx.jobWaitMs,
    async () => {
      if (!dom.active) throw notRunning(dom);
      return BigInt((await queryMigrateParameters(requireMonitor(dom))).downtimeLimitMs);
    },
  );
}

/** virDomainMigrateStartPostCopy: switch the outgoing migration, started with POSTCOPY, to post-copy. */
export async function startPostCopy(ctx: DriverContext, dom: DomainObject, flags: number): Promise<void> {
  checkFlags(flags, 0, 'virDomainMigrateStartPostCopy');
  await runDomainJob(ctx, dom, migrationOp('migrate-start-postcopy'), ctx.jobWaitMs, async () => {
    if (!dom.active) throw notRunning(dom);
    if (!dom.job.isAsync(AsyncJob.MIGRATION_OUT)) {
      throw new TsvirtError('ERR_OPERATION_INVALID', `domain '${dom.name}' is not being migrated out`, {
        domain: dom.name,
      });
    }
    if (!postcopyAllowed.has(dom)) {
      throw new TsvirtError(
        'ERR_OPERATION_INVALID',
        `post-copy cannot be started: the migration of domain '${dom.name}' was not started with the postcopy flag`,
        { domain: dom.name },
      );
    }
    await migrateStartPostcopy(requireMonitor(dom));
  });
}
