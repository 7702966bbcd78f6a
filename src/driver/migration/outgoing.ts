/**
 * The source's side of a migration (libvirt's Begin, Perform and Confirm phases). Begin gives the XML
 * the destination is to run; Perform sends the guest's state with qemu's `migrate` under the domain's
 * MIGRATION_OUT async job (domjobinfo shows it, domjobabort cancels it and the guest runs on); Confirm
 * stops the source qemu (shutoff/migrated) or, when the destination failed, resumes the guest.
 */
import { stopRunAs } from '../stop-run.js';
import type { Writable } from 'node:stream';
import { DomainState } from '../../connection.js';
import { TsvirtError } from '../../errors.js';
import { formatDomainXml } from '../../domain/format-domain.js';
import { parseDomainXml } from '../../domain/parse-domain.js';
import {
  cont,
  migrate,
  queryMigrate,
  setMigrateCapabilities,
  setMigrateParameters,
  stop,
  type QmpClient,
} from '../../qmp/index.js';
import { EventType, PausedReason, ResumedDetail, RunningReason } from '../../api/domain-enums.js';
import { MigrateFlags } from '../../api/migration-enums.js';
import type { TypedParam } from '../../api/types.js';
import type { DriverContext } from '../context.js';
import type { DomainObject } from '../domain-object.js';
import { undefineDomain } from '../definitions.js';
import { AsyncJob } from '../jobs-kinds.js';
import { POSTCOPY_ACTIVE, waitForMigration } from '../migration-wait.js';
import { requireMonitor, runAsyncDomainJob } from '../power.js';
import { emitLifecycle, markPaused, saveStatus } from '../transitions.js';
import { decodeMigrationCookie, encodeMigrationCookie } from './cookie.js';
import { readCookieHost } from './host-identity.js';
import { copiesStorage, describeDisks, endMirrors, startMirrors } from './storage-copy.js';
import { buildQemuTcpUri, checkMigrateFlags, parseMigrationParams, parseMigrateUri } from './request.js';
import { openOutgoingTunnel, type OutgoingTunnel } from './tunnel.js';
import { buildBandwidthBytes, getStoredPostcopySpeed, getStoredSpeed, setPostcopyAllowed } from './tuning.js';

/** Whether each outgoing migration's guest ran before Perform paused it, by domain, until Confirm. */
const wasRunning = new WeakMap<DomainObject, boolean>();

function isActive(dom: DomainObject): boolean {
  return dom.state === DomainState.RUNNING || dom.state === DomainState.PAUSED;
}

function notRunning(dom: DomainObject): TsvirtError {
  return new TsvirtError('ERR_OPERATION_INVALID', 'Requested operation is not valid: domain is not running', {
    domain: dom.name,
  });
}

/**
 * Begin: the domain XML the destination runs (the caller's `destination_xml`, which must name the same
 * uuid, or the live definition; the persistent one for OFFLINE) and the cookie for Prepare.
 */
export async function beginOutgoing(
  dom: DomainObject,
  params: readonly TypedParam[],
  flags: number,
): Promise<{ xml: string; cookieOut: Buffer }> {
  checkMigrateFlags(flags);
  const req = parseMigrationParams(params);
  const offline = (flags & MigrateFlags.OFFLINE) !== 0;
  if (offline) {
    if (!dom.persistentDef) {
      throw new TsvirtError(
        'ERR_OPERATION_INVALID',
        `offline migration of domain '${dom.name}' needs a persistent domain`,
        {
          domain: dom.name,
        },
      );
    }
    if ((flags & MigrateFlags.PERSIST_DEST) === 0) {
      throw new TsvirtError(
        'ERR_INVALID_ARG',
        'offline migration must be specified with the persistent flag set',
        {
          field: 'flags',
          value: flags,
          expected: 'offline (1024) with persist-dest (8)',
        },
      );
    }
  } else if (!isActive(dom)) {
    throw notRunning(dom);
  }
  const own = offline ? dom.persistentDef : (dom.liveDef ?? dom.def);
  let xml = formatDomainXml(own as NonNullable<typeof own>, undefined, { secure: true });
  if (req.destXml !== undefined) {
    const given = parseDomainXml(req.destXml);
    if (given.uuid !== dom.uuid) {
      throw new TsvirtError(
        'ERR_INVALID_ARG',
        `the migration XML names uuid ${given.uuid}, not ${dom.uuid} of domain '${dom.name}'`,
        {
          field: 'destination_xml',
          value: given.uuid,
          expected: dom.uuid,
        },
      );
    }
    xml = req.destXml;
  }
  const persist = (flags & MigrateFlags.PERSIST_DEST) !== 0 && dom.persistentDef;
  const cookieOut = encodeMigrationCookie({
    name: dom.name,
    uuid: dom.uuid,
    ...(await readCookieHost()),
    ...(persist ? { persistentXml: formatDomainXml(persist, undefined, { secure: true }) } : {}),
    ...(copiesStorage(flags) && !offline
      ? { nbd: { disks: await describeDisks(dom.liveDef ?? dom.def) } }
      : {}),
  });
  return { xml, cookieOut };
}

/**
 * The tuning a migration asks qemu for before it starts: the speed (the parameter's, else the one
 * migrate-setspeed kept), auto-converge and postcopy-ram as the flags say. Set on every migration:
 * qemu keeps the last values.
 */
async function applyTuning(
  qmp: QmpClient,
  dom: DomainObject,
  bandwidthMiBs: bigint | undefined,
  flags: number,
): Promise<void> {
  const mibs = bandwidthMiBs !== undefined && bandwidthMiBs > 0n ? bandwidthMiBs : getStoredSpeed(dom);
  const postcopyMiBs = getStoredPostcopySpeed(dom);
  await setMigrateParameters(qmp, {
    maxBandwidthBytes: buildBandwidthBytes(mibs),
    maxPostcopyBandwidthBytes: postcopyMiBs === 0n ? 0 : buildBandwidthBytes(postcopyMiBs),
  });
  await setMigrateCapabilities(qmp, {
    'auto-converge': (flags & MigrateFlags.AUTO_CONVERGE) !== 0,
    'postcopy-ram': (flags & MigrateFlags.POSTCOPY) !== 0,
  });
}

/**
 * Perform: send the guest's state to the URI Prepare gave, under the MIGRATION_OUT async job. Without
 * LIVE the vCPUs stop first (paused/migration, SUSPENDED/MIGRATED); with it qemu stops them at the end.
 * On failure or abort (also when `callerGone` aborts: the driving client went away) the guest runs on
 * as before and the error is thrown. With `tunnel` (TUNNELLED) the state goes into that stream, which
 * ends once the destination confirmed every byte. Returns the cookie for Finish.
 */
export async function performOutgoing(
  ctx: DriverContext,
  dom: DomainObject,
  params: readonly TypedParam[],
  cookieIn: Buffer,
  flags: number,
  callerGone?: AbortSignal,
  tunnel?: Writable,
): Promise<Buffer> {
  try {
    return await sendState(ctx, dom, params, cookieIn, flags, callerGone, tunnel);
  } catch (err) {
    tunnel?.destroy();
    throw err;
  }
}

/** The qemu URI of a direct migration (the one Prepare gave) and the destination's host. */
function buildDirectUri(uri: string | undefined): { uri: string; host: string } {
  if (uri === undefined) {
    throw new TsvirtError('ERR_INVALID_ARG', 'perform needs the URI the destination prepared (migrate_uri)', {
      field: 'migrate_uri',
      value: undefined,
      expected: 'tcp:HOST:PORT',
    });
  }
  const target = parseMigrateUri(uri);
  if (target.port === undefined)
    throw new TsvirtError('ERR_INVALID_ARG', `migration URI '${uri}' names no port`, {
      field: 'migrate_uri',
      value: uri,
      expected: 'tcp:HOST:PORT',
    });
  return { uri: buildQemuTcpUri(target.host, target.port), host: target.host };
}

async function sendState(
  ctx: DriverContext,
  dom: DomainObject,
  params: readonly TypedParam[],
  cookieIn: Buffer,
  flags: number,
  callerGone: AbortSignal | undefined,
  tunnel: Writable | undefined,
): Promise<Buffer> {
  checkMigrateFlags(flags);
  const req = parseMigrationParams(params);
  const prepared = decodeMigrationCookie(cookieIn);
  const direct = tunnel ? undefined : buildDirectUri(req.uri);
  const uri = direct?.uri ?? 'the destination (tunnelled)';
  // The client that drives the migration went away: nobody would Finish or Confirm, so cancel it.
  const onGone = (): void => {
    ctx.log(`domain '${dom.name}': the client driving its migration went away; cancelling it`);
    dom.job.abort(ctx.jobWaitMs).catch((e: unknown) => ctx.log(`domain '${dom.name}': ${String(e)}`));
  };
  if (callerGone?.aborted) throw callerGone.reason;
  callerGone?.addEventListener('abort', onGone, { once: true });
  await runAsyncDomainJob(ctx, dom, { kind: AsyncJob.MIGRATION_OUT }, ctx.jobWaitMs, async (job) => {
    if (!isActive(dom)) throw notRunning(dom);
    const qmp = requireMonitor(dom);
    const run = dom.run;
    const running = dom.state === DomainState.RUNNING;
    wasRunning.set(dom, running);
    let mirrors: Awaited<ReturnType<typeof startMirrors>> = [];
    let tunnelOut: OutgoingTunnel | undefined;
    if (run) run.pauseReason = PausedReason.MIGRATION;
    try {
      job.setPhase('perform');
      await applyTuning(qmp, dom, req.bandwidthMiBs, flags);
      if (running && (flags & MigrateFlags.LIVE) === 0) {
        await stop(qmp);
        await markPaused(ctx, dom, PausedReason.MIGRATION);
      }
      const postcopy = (flags & MigrateFlags.POSTCOPY) !== 0;
      if (copiesStorage(flags)) {
        const nbdPort = prepared?.nbd?.port;
        if (nbdPort === undefined) {
          throw new TsvirtError('ERR_OPERATION_FAILED', 'storage copy: the destination named no NBD port', {
            field: 'cookie_in',
            value: undefined,
            expected: "<nbd port='N'>",
          });
        }
        job.setPhase('storage copy');
        mirrors = await startMirrors(
          qmp,
          dom.liveDef ?? dom.def,
          direct?.host ?? '',
          nbdPort,
          flags,
          () => job.signal.aborted,
        );
      }
      if (tunnel) {
        tunnelOut = await openOutgoingTunnel(ctx, dom, tunnel);
        await migrate(qmp, tunnelOut.uri);
      } else {
        await migrate(qmp, uri);
      }
      setPostcopyAllowed(dom, postcopy);
      // In post-copy the destination runs the guest once Finish resumes it; Confirm waits for the rest.
      await waitForMigration(qmp, job, `migration of domain '${dom.name}' to ${uri}`, postcopy).finally(() =>
        setPostcopyAllowed(dom, false),
      );
      // qemu stopped the vCPUs at the switch-over; its STOP event may come after this.
      await markPaused(ctx, dom, PausedReason.MIGRATION);
      await endMirrors(qmp, mirrors);
      await tunnelOut?.done;
    } catch (err) {
      await endMirrors(qmp, mirrors).catch(() => undefined);
      await tunnelOut?.close();
      if (run) run.pauseReason = undefined;
      wasRunning.delete(dom);
      if (running && dom.run === run && !dom.job.destroying) await resumeSource(ctx, dom);
      throw err;
    }
  }).finally(() => callerGone?.removeEventListener('abort', onGone));
  // As libvirt does, the definition to keep goes to Finish in this cookie, as a mandatory feature.
  const persist = (flags & MigrateFlags.PERSIST_DEST) !== 0 && dom.persistentDef;
  return encodeMigrationCookie({
    name: dom.name,
    uuid: dom.uuid,
    ...(await readCookieHost()),
    ...(persist
      ? {
          features: ['persistent' as const],
          persistentXml: formatDomainXml(persist, undefined, { secure: true }),
        }
      : {}),
  });
}

/** The guest runs again on the source: running/migration-canceled, event RESUMED/MIGRATED (libvirt's). */
async function resumeSource(ctx: DriverContext, dom: DomainObject): Promise<void> {
  try {
    if (dom.state !== DomainState.PAUSED) return;
    await cont(requireMonitor(dom));
    dom.setState(DomainState.RUNNING, RunningReason.MIGRATION_CANCELED);
    emitLifecycle(ctx, dom, EventType.RESUMED, ResumedDetail.MIGRATED);
    await saveStatus(ctx, dom);
  } catch (err) {
    ctx.log(`domain '${dom.name}': cannot resume after a failed migration: ${String(err)}`);
  }
}

/** The pages a post-copy migration still sends: qemu must run until it reports the migration done. */
async function waitPostcopyDone(ctx: DriverContext, dom: DomainObject): Promise<void> {
  const qmp = dom.run?.qmp;
  if (!qmp || qmp.closed) return;
  for (;;) {
    const info = await queryMigrate(qmp).catch(() => undefined);
    if (info?.status !== POSTCOPY_ACTIVE) {
      if (info && info.status !== 'completed') {
        ctx.log(`domain '${dom.name}': post-copy migration ended ${info.status}: ${info.errorDesc ?? ''}`);
      }
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Confirm: the destination runs the guest, so stop the source qemu (shutoff/migrated, STOPPED/MIGRATED)
 * and with UNDEFINE_SOURCE undefine it; or, `cancelled`, resume the guest if Perform paused it.
 */
export async function confirmOutgoing(
  ctx: DriverContext,
  dom: DomainObject,
  cookieIn: Buffer,
  flags: number,
  cancelled: boolean,
): Promise<void> {
  decodeMigrationCookie(cookieIn);
  const ran = wasRunning.get(dom) ?? false;
  wasRunning.delete(dom);
  if (dom.run) dom.run.pauseReason = undefined;
  if ((flags & MigrateFlags.OFFLINE) !== 0) {
    if (!cancelled && (flags & MigrateFlags.UNDEFINE_SOURCE) !== 0 && dom.persistent) {
      await dom.job.run('undefine', ctx.jobWaitMs, () => undefineDomain(ctx, dom));
    }
    return;
  }
  if (cancelled) {
    if (ran) await dom.job.run('resume', ctx.jobWaitMs, () => resumeSource(ctx, dom));
    return;
  }
  await stopRunAs(ctx, dom, 'migration-confirm', 'migrated', () => waitPostcopyDone(ctx, dom));
  if ((flags & MigrateFlags.UNDEFINE_SOURCE) !== 0 && dom.persistent) {
    await dom.job.run('undefine', ctx.jobWaitMs, () => undefineDomain(ctx, dom));
  }
}
