export { run, buildLimitedArgv, buildChildEnv, DEFAULT_TIMEOUT_MS } from './run.js';
export type { RunOptions, RunResult, ResourceLimits } from './run.js';
export { spawnDetached } from './spawn-detached.js';
export type { DetachedOptions, DetachedChild } from './spawn-detached.js';
export { CommandFailedError } from './command-failed-error.js';
export type { CommandOutcome } from './command-failed-error.js';
