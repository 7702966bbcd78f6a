/** tsvirtd: config file, settings, listeners, pidfile and the daemon's life. */
export { buildDaemonConf, loadDaemonConf, parseConf, CONF_KEYS } from './conf.js';
export type { AuthScheme, ConfEntry, ConfValue, DaemonConf, LoadedConf } from './conf.js';
export { parseDaemonArgs, buildForegroundArgs, DAEMON_HELP } from './options.js';
export type { DaemonOptions } from './options.js';
export { resolveSettings, isLoopbackAddress, SYSTEM_ROOT } from './settings.js';
export type { DaemonEnv, DaemonSettings, ServerLimits } from './settings.js';
export { Daemon } from './daemon.js';
export { createDaemonLog } from './log.js';
export type { DaemonLog } from './log.js';
export { clearSocketPath, isSocketLive, listenTcp, listenUnix } from './listeners.js';
export { readPidFile, writePidFile, removePidFile, checkPidFileFree } from './pidfile.js';
export { findGroupId, lookupGroupId } from './group.js';
export { runDaemonMain } from './main.js';
