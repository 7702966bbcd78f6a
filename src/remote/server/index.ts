/** libvirt's remote protocol, server side: tsvirtd hands each accepted socket to an RpcServer. */
export { RpcServer } from './server.js';
export type { RpcServerOptions, SocketInfo } from './server.js';
export { MUTATING_PROCEDURES, isDeniedReadOnly, readOnlyDeniedError } from './readonly.js';
export { PROCEDURE_TABLE, PRE_OPEN_PROCEDURES, implementedProcedures } from './dispatch-table.js';
export { DOMAIN_EVENT_ID_LAST, POOL_EVENT_ID_LAST } from './events.js';
