/**
 * The destination's side of a migration (libvirt's Prepare and Finish phases). Prepare starts qemu with
 * `-incoming defer` for the definition the source sent, has it listen on a port of the migration range
 * and answers the URI the source sends to; Finish resumes the guest once its state has arrived, or, when
 * the source gave up, kills that qemu so that nothing is left here.
 */
import { hostname } from 'node:os';
import type { Writable } from 'node:stream';
import { DomainState } from '../../connection.js';
import { TsvirtError } from '../../errors.js';
import { formatDomainXml } from '../../domain/format-domain.js';
import { parseDomainXml } from '../../domain/parse-domain.js';
import { cont, migrateIncoming, queryMigrate, setMigrateCapabilities } from '../../qmp/index.js';
import {
  EventType,
  JobOperation,
  PausedReason,
  ResumedDetail,
  RunningReason,
  StartedDetail,
  SuspendedDetail,
} from '../../api/domain-enums.js';
import { MigrateFlags } from '../../api/migration-enums.js';
import type { TypedParam } from '../../api/types.js';
import type { DriverContext } from '../context.js';
import type { DomainObject } from '../domain-object.js';
import { defineDomain, registerForCreate } from '../definitions.js';
import { AsyncJob } from '../jobs-kinds.js';
import { requireMonitor, runAsyncDomainJob, runDomainJob } from '../power.js';
import { stopQemu } from '../qemu-process.js';
import { startDomain } from '../start.js';
import { checkAction } from '../state-machine.js';
import { emitLifecycle, markStopped, saveStatus } from '../transitions.js';
import { decodeMigrationCookie, encodeMigrationCookie } from './cookie.js';
import { readCookieHost } from './host-identity.js';
import { reserveMigrationPort } from './port.js';
import { copiesStorage, precreateDisks, startNbdServer, stopNbdServer } from './storage-copy.js';
import { buildQemuTcpUri, checkMigrateFlags, parseMigrationParams, parseMigrateUri } from './request.js';
import { openIncomingTunnel } from './tunnel.js';

/** An incoming migration between its Prepare and its Finish. */
interface Incoming {
  /** Absent for an offline migration of a domain this host does not have yet. */
  dom: DomainObject | undefined;
  flags: number;
  persistentXml: string | undefined;
  releasePort: () => void;
  /** Stops watching the preparing client's connection. */
  unwatch: () => void;
}

/** Incoming migrations by domain name, per driver. */
const incomings = new WeakMap<DriverContext, Map<string, Incoming>>();

function incomingOf(ctx: DriverContext): Map<string, Incoming> {
  let m = incomings.get(ctx);
  if (!m) incomings.set(ctx, (m = new Map()));
  return m;
}

/** How long Finish waits for qemu to report the incoming state complete. */
const FINISH_WAIT_MS = 30_000;

/** The definition the destination runs: the source's XML, renamed to `destName` when given. */
function buildIncomingXml(xml: string | undefined, destName: string | undefined): string {
  if (xml === undefined) {
    throw new TsvirtError('ERR_INVALID_ARG', 'an incoming migration needs the domain XML (destination_xml)', {
      field: 'destination_xml',
      value: undefined,
      expected: 'the domain XML from the Begin phase',
    });
  }
  if (destName === undefined) return xml;
  const def = parseDomainXml(xml);
  return formatDomainXml({ ...def, name: destName }, undefined, { secure: true });
}

/** Where qemu listens and the host the source is told: the URI's, the listen address, or the caller's. */
function chooseAddresses(
  uri: string | undefined,
  listen: string | undefined,
  reachedAt: string | undefined,
): { listenHost: string; advertiseHost: string; port?: number } {
  if (uri !== undefined) {
    const t = parseMigrateUri(uri);
    return { listenHost: listen ?? t.host, advertiseHost: t.host, ...(t.port ? { port: t.port } : {}) };
  }
  const any = listen === undefined || listen === '0.0.0.0' || listen === '::';
  return {
    listenHost: listen ?? '0.0.0.0',
    advertiseHost: any ? (reachedAt ?? hostname()) : (listen as string),
  };
}

/**
 * Prepare: register the incoming domain (transient until Finish), start its qemu waiting for the state,
 * event STARTED/MIGRATED. Returns the cookie for Perform and the URI the source sends to. `reachedAt`:
 * the address the caller reached this daemon at, which the URI names unless the caller chose one.
 * With TUNNELLED there is no URI: the state is to be written into the returned `stream`.
 */
export async function prepareIncoming(
  ctx: DriverContext,
  params: readonly TypedParam[],
  cookieIn: Buffer,
  flags: number,
  reachedAt: string | undefined,
  callerGone?: AbortSignal,
): Promise<{ cookieOut: Buffer; uriOut: string | undefined; stream?: Writable }> {
  checkMigrateFlags(flags);
  const tunnelled = (flags & MigrateFlags.TUNNELLED) !== 0;
  const req = parseMigrationParams(params);
  const cookie = decodeMigrationCookie(cookieIn);
  const xml = buildIncomingXml(req.destXml, req.destName);
  const offline = (flags & MigrateFlags.OFFLINE) !== 0;
  if (offline) {
    // Nothing runs here until Finish defines the domain; the name is checked now, as libvirt does.
    const def = parseDomainXml(xml);
    ctx.registry.checkFree(def.name, def.uuid);
    const dom = ctx.registry.findByName(def.name);
    if (dom?.active) throw alreadyActive(def.name);
    incomingOf(ctx).set(def.name, {
      dom,
      flags,
      persistentXml: req.persistXml ?? xml,
      releasePort: () => undefined,
      unwatch: () => undefined,
    });
    return {
      cookieOut: encodeMigrationCookie({ name: def.name, uuid: def.uuid, ...(await readCookieHost()) }),
      // The client wants a URI even though nothing will be sent to it.
      uriOut: `tcp:${chooseAddresses(req.uri, req.listenAddress, reachedAt).advertiseHost}`,
    };
  }
  const { dom, def, added } = await registerForCreate(ctx, xml);
  if (incomingOf(ctx).has(dom.name)) throw alreadyActive(dom.name);
  const where = chooseAddresses(tunnelled ? undefined : req.uri, req.listenAddress, reachedAt);
  const port =
    where.port === undefined && !tunnelled
      ? await reserveMigrationPort(where.listenHost)
      : { port: where.port ?? 0, release: () => undefined };
  let stream: Writable | undefined;
  const copy = copiesStorage(flags);
  let nbdPort: { port: number; release: () => void } | undefined;
  const request = {
    kind: AsyncJob.MIGRATION_IN,
    name: 'migration in',
    operation: JobOperation.MIGRATION_IN,
    holdNormal: true,
  };
  try {
    await runAsyncDomainJob(ctx, dom, request, added ? 0 : ctx.jobWaitMs, async (job) => {
      checkAction('start', dom.subject);
      job.setPhase('prepare');
      if (copy) await precreateDisks(def, cookie?.nbd?.disks ?? []);
      await startDomain(ctx, dom, { incoming: 'defer', definition: def });
      try {
        if (copy) {
          nbdPort = await reserveMigrationPort(where.listenHost);
          await startNbdServer(requireMonitor(dom), dom.liveDef ?? dom.def, where.listenHost, nbdPort.port);
        }
        // Post-copy needs the capability on both sides before the stream starts.
        if ((flags & MigrateFlags.POSTCOPY) !== 0) await enablePostcopy(dom);
        if (tunnelled) stream = await openIncomingTunnel(dom, requireMonitor(dom));
        else await migrateIncoming(requireMonitor(dom), buildQemuTcpUri(where.listenHost, port.port));
      } catch (err) {
        await killIncoming(ctx, dom);
        throw err;
      }
      emitLifecycle(ctx, dom, EventType.STARTED, StartedDetail.MIGRATED);
    });
  } catch (err) {
    port.release();
    nbdPort?.release();
    if (added && !dom.active) ctx.registry.remove(dom);
    throw err;
  }
  const persistentXml = req.persistXml ?? cookie?.persistentXml;
  const releaseNbd = nbdPort?.release ?? ((): void => undefined);
  const releasePort = (): void => {
    port.release();
    releaseNbd();
  };
  const rec: Incoming = { dom, flags, persistentXml, releasePort, unwatch: () => undefined };
  incomingOf(ctx).set(dom.name, rec);
  watchCaller(ctx, rec, callerGone);
  return {
    cookieOut: encodeMigrationCookie({
      name: dom.name,
      uuid: dom.uuid,
      ...(await readCookieHost()),
      ...(nbdPort ? { nbd: { port: nbdPort.port, disks: [] } } : {}),
    }),
    uriOut: tunnelled ? undefined : buildQemuTcpUri(where.advertiseHost, port.port),
    ...(stream ? { stream } : {}),
  };
}

/** postcopy-ram on the incoming qemu; qemu refuses it when its user cannot open a userfaultfd. */
async function enablePostcopy(dom: DomainObject): Promise<void> {
  try {
    await setMigrateCapabilities(requireMonitor(dom), { 'postcopy-ram': true });
  } catch (err) {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `post-copy migration of domain '${dom.name}': qemu on this host refuses postcopy-ram (${String((err as Error).message)}); its user needs userfaultfd: set the sysctl vm.unprivileged_userfaultfd = 1, or migrate without --postcopy`,
      { domain: dom.name },
      { cause: err },
    );
  }
}

/**
 * libvirt's close callback: when the client that prepared an incoming migration goes away before
 * Finish, nobody will finish it, so its qemu is killed and nothing is left here.
 */
function watchCaller(ctx: DriverContext, rec: Incoming, callerGone: AbortSignal | undefined): void {
  const dom = rec.dom;
  if (!callerGone || !dom) return;
  const onGone = (): void => {
    if (incomingOf(ctx).get(dom.name) !== rec) return;
    incomingOf(ctx).delete(dom.name);
    rec.releasePort();
    ctx.log(
      `domain '${dom.name}': the client that prepared its incoming migration went away; killing its qemu`,
    );
    runDomainJob(ctx, dom, 'migration-cleanup', ctx.jobWaitMs, () => killIncoming(ctx, dom)).catch(
      (e: unknown) => ctx.log(`domain '${dom.name}': ${String(e)}`),
    );
  };
  if (callerGone.aborted) return onGone();
  callerGone.addEventListener('abort', onGone, { once: true });
  rec.unwatch = () => callerGone.removeEventListener('abort', onGone);
}

function alreadyActive(name: string): TsvirtError {
  return new TsvirtError('ERR_OPERATION_INVALID', `domain '${name}' is already active on this host`, {
    name,
  });
}

/**
 * Whether an adopted qemu is the destination of a migration whose Finish never came (tsvirtd died
 * between Prepare and Finish): it still waits for or reads the state (runstate inmigrate), or has it
 * all but was never resumed (paused for migration, its incoming migration completed). Either way
 * libvirt's rule holds: a migration that did not finish leaves nothing on the destination.
 */
export async function isInterruptedIncoming(dom: DomainObject, runStatus: string): Promise<boolean> {
  if (runStatus === 'inmigrate') return true;
  if (runStatus !== 'paused' || dom.state !== DomainState.PAUSED || dom.reason !== PausedReason.MIGRATION) {
    return false;
  }
  const qmp = dom.run?.qmp;
  return qmp !== undefined && (await queryMigrate(qmp)).status === 'completed';
}

/** Kill an incoming qemu: shutoff/failed, event STOPPED/FAILED as libvirt; a transient domain goes. */
export async function killIncoming(ctx: DriverContext, dom: DomainObject): Promise<void> {
  const run = dom.run;
  if (!run) return;
  run.qmp?.removeAllListeners();
  await stopQemu(run, dom.uuid, { graceful: false, termWaitMs: 0, killWaitMs: 5_000 }).catch((e: unknown) =>
    ctx.log(`domain '${dom.name}': cannot kill incoming qemu pid ${run.pid}: ${String(e)}`),
  );
  await markStopped(ctx, dom, 'migration-failed');
}

/**
 * Wait until qemu has taken the whole state (query-migrate completed), or, in post-copy, until it has
 * taken enough to run (postcopy-active); failed or too slow throws.
 */
async function waitIncomingComplete(dom: DomainObject): Promise<void> {
  const qmp = requireMonitor(dom);
  const deadline = Date.now() + FINISH_WAIT_MS;
  for (;;) {
    const info = await queryMigrate(qmp);
    if (info.status === 'completed' || info.status === 'postcopy-active') return;
    if (info.status === 'failed' || info.status === 'cancelled' || Date.now() > deadline) {
      throw new TsvirtError(
        'ERR_OPERATION_FAILED',
        `incoming migration of domain '${dom.name}' did not complete: qemu reports ${info.status}${info.errorDesc ? `: ${info.errorDesc}` : ''}`,
        { domain: dom.name, status: info.status },
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Finish: with `cancelled` (the source failed), kill the incoming qemu and fail; else run the guest
 * (running/migrated, event RESUMED/MIGRATED) or, with PAUSED, leave it paused; PERSIST_DEST defines it.
 */
export async function finishIncoming(
  ctx: DriverContext,
  params: readonly TypedParam[],
  cookieIn: Buffer,
  flags: number,
  cancelled: boolean,
): Promise<{ dom: DomainObject; cookieOut: Buffer }> {
  const req = parseMigrationParams(params);
  // libvirt's source sends the definition to keep in Perform's cookie; tsvirt's, in Begin's as well.
  const performed = decodeMigrationCookie(cookieIn);
  const name = req.destName;
  const rec = name === undefined ? undefined : incomingOf(ctx).get(name);
  if (!rec || name === undefined) {
    throw new TsvirtError(
      'ERR_DOMAIN_NOT_FOUND',
      `no incoming migration of domain '${name ?? ''}' on this host`,
      {
        name,
      },
    );
  }
  incomingOf(ctx).delete(name);
  rec.unwatch();
  rec.releasePort();
  if ((rec.flags & MigrateFlags.OFFLINE) !== 0) {
    if (cancelled) throw cancelledError(name);
    const dom = await defineDomain(ctx, rec.persistentXml as string);
    return { dom, cookieOut: Buffer.alloc(0) };
  }
  const dom = rec.dom;
  if (!dom) throw new TsvirtError('ERR_DOMAIN_NOT_FOUND', `domain '${name}' is not here`, { name });
  if (cancelled) {
    await runDomainJob(ctx, dom, 'migration-finish', ctx.jobWaitMs, () => killIncoming(ctx, dom));
    throw cancelledError(name);
  }
  await runDomainJob(ctx, dom, 'migration-finish', ctx.jobWaitMs, async () => {
    try {
      await waitIncomingComplete(dom);
      if (copiesStorage(rec.flags)) await stopNbdServer(requireMonitor(dom));
      await resumeIncoming(ctx, dom, (flags & MigrateFlags.PAUSED) !== 0);
    } catch (err) {
      await killIncoming(ctx, dom);
      throw err;
    }
  });
  if ((flags & MigrateFlags.PERSIST_DEST) !== 0) {
    const xml =
      rec.persistentXml ?? performed?.persistentXml ?? formatDomainXml(dom.def, undefined, { secure: true });
    await defineDomain(ctx, xml);
  }
  return {
    dom,
    cookieOut: encodeMigrationCookie({ name: dom.name, uuid: dom.uuid, ...(await readCookieHost()) }),
  };
}

function cancelledError(name: string): TsvirtError {
  return new TsvirtError(
    'ERR_OPERATION_FAILED',
    `migration of domain '${name}' was cancelled by the source; nothing is left on this host`,
    { name },
  );
}

/** The state has arrived: `cont` (running/migrated, RESUMED/MIGRATED), or paused/user with SUSPENDED/PAUSED. */
async function resumeIncoming(ctx: DriverContext, dom: DomainObject, paused: boolean): Promise<void> {
  const qmp = requireMonitor(dom);
  if (paused) {
    dom.setState(DomainState.PAUSED, PausedReason.USER);
    await saveStatus(ctx, dom);
    emitLifecycle(ctx, dom, EventType.SUSPENDED, SuspendedDetail.PAUSED);
    return;
  }
  dom.setState(DomainState.RUNNING, RunningReason.MIGRATED);
  await Promise.all([cont(qmp), saveStatus(ctx, dom)]);
  emitLifecycle(ctx, dom, EventType.RESUMED, ResumedDetail.MIGRATED);
}
