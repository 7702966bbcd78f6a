/**
 * What keeps a web page in the user's browser from driving a loopback listener that has no token file.
 *
 * DNS rebinding: a page at http://rebind.example:PORT can make rebind.example resolve to 127.0.0.1, and
 * its requests then reach the listener with `Host: rebind.example:PORT` and a matching Origin, so an
 * Origin-equals-Host check alone lets them through. A rebound name can never be an IP literal or
 * `localhost` (browsers resolve that themselves), so the Host header must be a loopback literal with the
 * listener's port; then the Origin, when a browser sends one, must name that same host.
 */
import type { IncomingMessage } from 'node:http';

/** Why a request was refused: the HTTP status and a message for the client. */
export interface Refusal {
  status: number;
  message: string;
}

/** Host names a rebound DNS name cannot pose as: 127.0.0.0/8, [::1] and localhost. */
const LOOPBACK_HOST_RE = /^(?:localhost|\[::1\]|127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/** Whether a Host header names a loopback literal with `port` (or no port when `port` is 80). */
export function isLoopbackHostHeader(header: string | undefined, port: number): boolean {
  if (header === undefined) return false;
  const match = /^(.*?)(?::(\d{1,5}))?$/.exec(header);
  if (!match || !LOOPBACK_HOST_RE.test(match[1] as string)) return false;
  return match[2] === undefined ? port === 80 : Number(match[2]) === port;
}

/** The refusal of a request to a tokenless listener, or undefined when it may be served. */
export function checkBrowserRequest(req: IncomingMessage): Refusal | undefined {
  const host = req.headers.host;
  if (!isLoopbackHostHeader(host, req.socket.localPort ?? 0)) {
    return {
      status: 403,
      message:
        `Host ${JSON.stringify(host ?? '')} is not a loopback address of this listener; ` +
        'connect through 127.0.0.1, [::1] or localhost with the port, or set ws_auth_token_file',
    };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && hostOfOrigin(origin) !== host?.toLowerCase()) {
    return { status: 403, message: `origin ${origin} may not use this listener; open the page it serves` };
  }
  return undefined;
}

function hostOfOrigin(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
