import { existsSync } from 'node:fs';
import { DomainState, type DomainStateValue } from '../connection.js';
import { assignDeviceAddresses } from '../domain/device-identity.js';
import { formatDomainXml } from '../domain/format-domain.js';
import { parseDomainXml } from '../domain/parse-domain.js';
import type { DomainConfig } from '../domain/types.js';
import { QmpClient, queryStatus } from '../qmp/index.js';
import { DefinedDetail, EventType, ShutoffReason } from '../api/domain-enums.js';
import type { DriverContext } from './context.js';
import { DomainObject, buildRuntime } from './domain-object.js';
import { readVncPort } from './info.js';
import { readSpicePort } from './graphics-runtime.js';
import { isQemuOfDomain, readProcStat } from './proc.js';
import {
  buildDomainPaths,
  listXmlNames,
  readIfExists,
  removeRuntimeFiles,
  type DomainPaths,
} from './runtime-files.js';
import { parseStatusXml, type DomainStatus } from './status-file.js';
import { restoreOwners } from './guest-files.js';
import { mapRunStatus } from './state-machine.js';
import { attachMonitor, watchExit } from './supervisor.js';
import { reclaimResources, releaseResources } from './guest-resources.js';
import { emitLifecycle, saveStatus } from './transitions.js';
import { readSerialPtys } from './serial-ptys.js';
import { isInterruptedIncoming, killIncoming } from './migration/incoming.js';
import { recoverOutgoing } from './migration/recover.js';
import { chooseGreetingWaitMs, recoverPendingJob } from './job-recovery.js';
import { reattachBlockJobs } from './block-job-reattach.js';

/** Load every persistent definition from etc/qemu and its autostart mark; a bad file is logged, not fatal. */
export async function loadDefinitions(ctx: DriverContext): Promise<void> {
  for (const name of await listXmlNames(ctx.dirs.etc)) {
    const paths = buildDomainPaths(ctx.dirs, name);
    const def = await readDefinition(ctx, paths, name);
    if (!def) continue;
    try {
      const dom = new DomainObject(def.name, def.uuid, paths);
      dom.persistentDef = def;
      dom.autostart = existsSync(paths.autostart);
      ctx.registry.add(dom);
    } catch (err) {
      ctx.log(`${paths.config}: cannot load (${(err as Error).message}); fix or remove the file`);
    }
  }
}

/** What reloadDefinitions found: the domains it added and those whose definition changed. */
export interface ReloadReport {
  added: string[];
  updated: string[];
}

/**
 * Read etc/qemu again, as libvirt's driver reload (SIGHUP) does: a new file adds a domain, a changed
 * one replaces the persistent definition (a running domain keeps its live one until it stops), and
 * the autostart marks are read again. A domain whose file is gone stays, as in libvirt. Each change
 * sends DEFINED (ADDED or UPDATED); a bad file is logged and changes nothing.
 */
export async function reloadDefinitions(ctx: DriverContext): Promise<ReloadReport> {
  const report: ReloadReport = { added: [], updated: [] };
  for (const name of await listXmlNames(ctx.dirs.etc)) {
    const paths = buildDomainPaths(ctx.dirs, name);
    const def = await readDefinition(ctx, paths, name);
    if (!def) continue;
    const dom = ctx.registry.findByName(name);
    try {
      ctx.registry.checkFree(def.name, def.uuid);
      if (!dom) {
        const added = new DomainObject(def.name, def.uuid, paths);
        added.persistentDef = def;
        added.autostart = existsSync(paths.autostart);
        ctx.registry.add(added);
        emitLifecycle(ctx, added, EventType.DEFINED, DefinedDetail.ADDED);
        report.added.push(name);
        continue;
      }
      await dom.job.run('reload', ctx.jobWaitMs, async () => {
        dom.autostart = existsSync(paths.autostart);
        const before = dom.persistentDef && formatDomainXml(dom.persistentDef, undefined, { secure: true });
        if (before === formatDomainXml(def, undefined, { secure: true })) return;
        // A running transient domain that gets a file becomes persistent: ADDED, as a define would say.
        const wasPersistent = dom.persistent;
        dom.persistentDef = def;
        emitLifecycle(
          ctx,
          dom,
          EventType.DEFINED,
          wasPersistent ? DefinedDetail.UPDATED : DefinedDetail.ADDED,
        );
        (wasPersistent ? report.updated : report.added).push(name);
      });
    } catch (err) {
      ctx.log(`${paths.config}: not reloaded (${(err as Error).message})`);
    }
  }
  return report;
}

/** The definition in etc/qemu/NAME.xml, or undefined (logged) when it is bad or names another domain. */
async function readDefinition(
  ctx: DriverContext,
  paths: DomainPaths,
  name: string,
): Promise<DomainConfig | undefined> {
  try {
    // A definition kept before tsvirt assigned addresses gets them here, as libvirt's load does.
    const def = assignDeviceAddresses(parseDomainXml((await readIfExists(paths.config)) ?? ''));
    if (def.name !== name) throw new Error(`it defines domain '${def.name}', not '${name}'`);
    return def;
  } catch (err) {
    ctx.log(`${paths.config}: cannot load (${(err as Error).message}); fix or remove the file`);
    return undefined;
  }
}

/**
 * Re-adopt every domain with a status file in run/qemu: a live qemu with this domain's uuid in its
 * cmdline gets its monitor back and its state from query-status; a dead one becomes shutoff/crashed
 * and its runtime files go; a live one whose QMP does not answer is shown in NOSTATE with the error.
 */
export async function adoptRunning(ctx: DriverContext): Promise<void> {
  const names = await listXmlNames(ctx.dirs.run);
  // Each domain waits on its own qemu's QMP socket, so a few re-adopt at once: with ten guests
  // running, every one-shot CLI call (and every tsvirtd start) would otherwise wait for ten in turn.
  for (let i = 0; i < names.length; i += ADOPT_PARALLEL) {
    await Promise.all(
      names.slice(i, i + ADOPT_PARALLEL).map((name) =>
        adoptOne(ctx, name).catch((err: unknown) => {
          ctx.log(`domain '${name}': cannot re-adopt (${(err as Error).message})`);
        }),
      ),
    );
  }
}

/** How many domains re-adopt at once. */
const ADOPT_PARALLEL = 16;

async function adoptOne(ctx: DriverContext, name: string): Promise<void> {
  const paths = buildDomainPaths(ctx.dirs, name);
  const statusText = (await readIfExists(paths.status)) ?? '';
  const status = parseStatusXml(statusText, paths.status);
  const known = ctx.registry.findByName(name);
  // The live definition keeps the aliases and block node names this qemu runs with.
  const live: DomainConfig = parseDomainXml(status.domainXml, { live: true });
  const dom = known ?? new DomainObject(name, live.uuid, paths);
  if (dom.uuid !== live.uuid)
    throw new Error(`${paths.status} has uuid ${live.uuid}, the definition ${dom.uuid}`);
  if (!isSameProcess(status, dom.uuid)) {
    await releaseResources(ctx.resources, live, ctx.log);
    await restoreOwners(ctx, paths, dom);
    await removeRuntimeFiles(paths);
    dom.setState(DomainState.SHUTOFF, ShutoffReason.CRASHED);
    ctx.log(`domain '${name}': qemu pid ${status.pid} is gone; marked shut off (crashed)`);
    return;
  }
  if (!known) ctx.registry.add(dom);
  const { pid, startTicks, startedAt, diskPaths } = status;
  const run = buildRuntime({ pid, startTicks, startedAt, diskPaths, exited: undefined });
  // Kept until resolved below, so that a qemu whose QMP does not answer keeps them in its status.
  run.pendingJob = status.pendingJob;
  for (const j of status.blockJobs ?? []) run.blockJobs.set(j.disk, j);
  dom.liveDef = live;
  await reclaimResources(ctx.resources, live, ctx.log);
  dom.id = status.id;
  dom.run = run;
  dom.setState(status.state as DomainStateValue, status.reason);
  try {
    // The monitor recorded at start: a qemu started by an older tsvirt serves it elsewhere.
    const qmp = await QmpClient.connect(status.qmpSocket || paths.qmpSocket, {
      connectTimeoutMs: ctx.timeouts.adoptQmpMs,
      greetingTimeoutMs: chooseGreetingWaitMs(status.pendingJob, ctx.timeouts.adoptQmpMs),
    });
    attachMonitor(ctx, dom, run, qmp);
    run.vncPort = await readVncPort(dom, qmp);
    run.spicePort = await readSpicePort(live, qmp);
    run.serialPtys = await readSerialPtys(live, qmp);
    const runStatus = (await queryStatus(qmp)).status;
    const [state, reason] = mapRunStatus(runStatus, dom);
    dom.setState(state, reason);
    if (await isInterruptedIncoming(dom, runStatus)) {
      ctx.log(`domain '${name}': its incoming migration was cut off by a tsvirtd restart; killing its qemu`);
      await killIncoming(ctx, dom);
      return;
    }
    await recoverOutgoing(ctx, dom, qmp).catch((err: unknown) =>
      ctx.log(`domain '${name}': cannot end its cut-off outgoing migration: ${String(err)}`),
    );
    const stopped = await recoverPendingJob(ctx, dom, qmp, status.pendingJob).catch((err: unknown) => {
      ctx.log(`domain '${name}': cannot resolve its cut-off ${status.pendingJob?.kind} job: ${String(err)}`);
      return false;
    });
    if (stopped) return;
    await reattachBlockJobs(ctx, dom, qmp, status.blockJobs ?? []).catch((err: unknown) =>
      ctx.log(`domain '${name}': cannot take back its block jobs: ${String(err)}`),
    );
  } catch (err) {
    run.qmp?.removeAllListeners();
    run.qmp?.close();
    run.qmp = undefined;
    dom.monitorError = (err as Error).message;
    dom.setState(DomainState.NOSTATE, 0);
    ctx.log(`domain '${name}': qemu pid ${status.pid} runs but QMP does not answer (${dom.monitorError})`);
  }
  watchExit(ctx, dom, run);
  await saveStatus(ctx, dom, statusText);
}

/** The pid is alive, is qemu with this uuid, and (when recorded) started when our qemu started. */
function isSameProcess(status: DomainStatus, uuid: string): boolean {
  if (!isQemuOfDomain(status.pid, uuid)) return false;
  return status.startTicks === 0 || readProcStat(status.pid)?.startTicks === status.startTicks;
}
