export { QmpClient } from './client.js';
export type { QmpClientEvents } from './client.js';
export type { QmpClientOptions, QmpEvent, QmpGreeting, QmpTrace, WaitForEventOptions } from './types.js';
export { QmpDecoder, decodeMessage, encodeCommand, DEFAULT_MAX_LINE_BYTES } from './codec.js';
export type { QmpMessage } from './codec.js';
export { QMP_TIMEOUTS_MS, QMP_PROBE_TIMEOUT_MS, resolveTimeoutMs } from './timeouts.js';
export * from './commands.js';
export * from './chardev-commands.js';
export * from './migration.js';
