/**
 * tsvirtd's WebSocket front end and its client.
 *
 * Endpoints of one listener (ws_port, ws_listen_addr):
 * - `ws://ADDR:PORT/api`: JSON-RPC 2.0 in text frames. Method names and params: methods.ts (one table to
 *   the Connection methods); bigints travel as decimal strings. `subscribe` / `unsubscribe`
 *   (`{ "events": ["domain.lifecycle", "pool.lifecycle"] }`) push the events as notifications in order;
 *   `getAccess` answers `{ readOnly }`. An error carries `data: { code, fields, libvirtCode, libvirtDomain }`.
 *   A bad message gets an error and the socket stays open; one over maxMessageBytes closes it (1009); a
 *   client that leaves more than maxBufferedBytes unread is closed with 4008.
 * - `/console/NAME[?force=1]`: the serial console, binary frames both ways; one user at a time.
 * - `/vnc/NAME`: the domain's VNC (RFB) stream for noVNC; subprotocol `binary` when offered.
 * - `/volume/POOL/NAME`: plain HTTP, GET (`?offset=&length=`) and PUT (`?offset=`) of a volume's bytes
 *   (volume-http.ts; the client's end, volume-client.ts, is what WsConnection uses).
 * - `/`: the web page, only with `page: true`.
 *
 * Auth: on a loopback listener without a token file every client has full access, but only with a Host
 * header that is a loopback literal with the port, and browsers are held to the page's own origin
 * (browser-guard.ts: against DNS rebinding). Any other listen address needs `ws_auth_token_file` (format in auth.ts:
 * lines `rw TOKEN` / `ro TOKEN`); the token comes as `Authorization: Bearer TOKEN` or `?token=TOKEN`.
 * A read-only token is denied the methods in access.ts (MUTATING_METHODS), consoles and VNC included.
 */
export {
  startWsServer,
  isLoopbackHost,
  type WsServerOptions,
  type WsServerHandle,
  type WsLogLevel,
} from './server.js';
export { WsConnection, type WsConnectOptions } from './ws-connection.js';
export { METHODS, type MethodSpec, type TargetKind, type ParamSpec } from './methods.js';
export { MUTATING_METHODS } from './access.js';
export { parseTokenFile, type TokenAccess } from './auth.js';
export { WsCloseCode } from './api-session.js';
export { StreamCloseCode } from './byte-bridge.js';
