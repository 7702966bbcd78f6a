/** tsvirtd's main: arguments, config, settings, then the daemon in the foreground or detached (-d). */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DefinitionsReloaded } from '../embedded/embedded-connection.js';
import { TsvirtError } from '../errors.js';
import { spawnDetached } from '../exec/index.js';
import { VERSION } from '../version.js';
import { loadDaemonConf, type LoadedConf } from './conf.js';
import { Daemon } from './daemon.js';
import { createDaemonLog, type DaemonLog } from './log.js';
import { buildForegroundArgs, DAEMON_HELP, parseDaemonArgs } from './options.js';
import { readPidFile } from './pidfile.js';
import { resolveSettings, type DaemonSettings } from './settings.js';

/** How long -d waits for the detached daemon to write its pidfile. */
const DETACH_READY_MS = 60_000;

/** Runs tsvirtd with `argv` (without node and the script); resolves to the exit status. */
export async function runDaemonMain(argv: readonly string[], scriptPath: string): Promise<number> {
  try {
    const opts = parseDaemonArgs(argv);
    if (opts.help) return print(DAEMON_HELP);
    if (opts.version) return print(`tsvirtd (tsvirt) ${VERSION}\n`);
    const loaded: LoadedConf = opts.configFile
      ? await loadDaemonConf(opts.configFile)
      : { conf: {}, lines: {} };
    const settings = resolveSettings(opts, loaded, { uid: process.getuid?.() ?? -1, cwd: process.cwd() });
    if (opts.daemon) return await detach(settings, argv, scriptPath);
    return await serve(settings, createDaemonLog(settings.logLevel));
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

function print(text: string): number {
  process.stdout.write(text);
  return 0;
}

/** Serves until SIGTERM or SIGINT (or the idle timeout); guests keep running after it. */
async function serve(settings: DaemonSettings, log: DaemonLog): Promise<number> {
  const daemon = await Daemon.start(settings, log);
  const onStop = (signal: NodeJS.Signals): void => {
    log.info(`${signal}: stopping; the guests keep running`);
    void daemon.stop();
  };
  // As libvirtd: SIGHUP reloads the drivers' definitions; the daemon's own settings stay as started.
  const onHangup = (): void => {
    daemon.reloadDefinitions().then(
      (r) =>
        log.info(`SIGHUP: definitions read again: ${describeReload(r)}; tsvirtd.conf is read only at start`),
      (err: unknown) => log.warn(`SIGHUP: reloading the definitions failed: ${String(err)}`),
    );
  };
  // The last resort: every path that serves clients handles its own errors, but one that slips through
  // is logged with its stack instead of ending the daemon and every client with it.
  const onRejection = (reason: unknown): void => log.error(`unhandled rejection: ${describeFault(reason)}`);
  const onException = (err: Error): void => log.error(`uncaught exception: ${describeFault(err)}`);
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onHangup);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  log.info(`tsvirtd ${VERSION} serves ${settings.root} (pid ${process.pid})`);
  try {
    await daemon.whenStopped();
  } finally {
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    process.off('SIGHUP', onHangup);
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  }
  return 0;
}

/** An error's stack (or its text), cut to a few lines for the log. */
function describeFault(fault: unknown): string {
  const text = fault instanceof Error ? (fault.stack ?? fault.message) : String(fault);
  return text.split('\n').slice(0, 8).join('\n').slice(0, 4_000);
}

/** "domains: 1 added (web), 1 changed (db); pools: none changed" */
export function describeReload(r: DefinitionsReloaded): string {
  const part = (kind: string, x: { added: string[]; updated: string[] }): string => {
    const bits = [
      x.added.length ? `${x.added.length} added (${x.added.join(', ')})` : '',
      x.updated.length ? `${x.updated.length} changed (${x.updated.join(', ')})` : '',
    ].filter(Boolean);
    return `${kind}: ${bits.length ? bits.join(', ') : 'none changed'}`;
  };
  return `${part('domains', r.domains)}; ${part('pools', r.pools)}`;
}

/** -d: starts a detached copy without -d and returns once it has written its pidfile. */
async function detach(
  settings: DaemonSettings,
  argv: readonly string[],
  scriptPath: string,
): Promise<number> {
  const logDir = join(settings.root, 'log');
  await mkdir(logDir, { recursive: true });
  const logFile = join(logDir, 'tsvirtd.log');
  const child = await spawnDetached([process.execPath, scriptPath, ...buildForegroundArgs(argv)], {
    logFile,
  });
  let exit: { exitCode: number | undefined; signal: string | undefined } | undefined;
  void child.exited.then((e) => (exit = e));
  const deadline = Date.now() + DETACH_READY_MS;
  while (Date.now() < deadline) {
    if ((await readPidFile(settings.pidFile)) === child.pid) return 0;
    if (exit) {
      const tail = (await readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-5).join('\n');
      throw new TsvirtError(
        'ERR_OPERATION_FAILED',
        `tsvirtd: the detached daemon exited (${exit.signal ?? `status ${exit.exitCode}`}) before serving; its log ${logFile} ends with:\n${tail}`,
        { logFile, pid: child.pid },
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new TsvirtError(
    'ERR_OPERATION_FAILED',
    `tsvirtd: the detached daemon (pid ${child.pid}) wrote no pidfile ${settings.pidFile} within ${DETACH_READY_MS} ms; see ${logFile}`,
    { logFile, pid: child.pid },
  );
}
