/** tsvirt's public API: re-exports only. */
export { connect, defaultUri } from './connect.js';
export type * from './connection.js';
export * from './api/enums.js';
export { TsvirtError, isTsvirtError } from './errors.js';
export type { ErrorCode, ErrorFields } from './errors.js';
export { EmbeddedConnection, buildEmbedUri } from './embedded/embedded-connection.js';
export type { EmbeddedOptions } from './embedded/embedded-connection.js';
export { RemoteConnection, connectRemote, parseRemoteUri } from './remote/index.js';
export { WsConnection, startWsServer } from './ws/index.js';
export type { WsServerOptions } from './ws/index.js';
export { RpcServer } from './remote/server/index.js';
export { probeHost, probeAccel } from './kvm/index.js';
export { parseDomainXml, formatDomainXml, buildQemuArgv } from './domain/index.js';
export type { DomainConfig } from './domain/index.js';
export { VERSION } from './version.js';
