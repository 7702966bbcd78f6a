/**
 * The WebSocket a client uses: the `ws` package in Node.js (it can send an Authorization header), the
 * global WebSocket in a browser (the token then goes in `?token=`). Both expose the same event API.
 */
import { TsvirtError } from '../errors.js';

/** The part of the WebSocket API the client needs; both implementations have it. */
export interface SocketLike {
  readonly readyState: number;
  binaryType: string;
  send(data: string | ArrayBufferLike | Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (ev: never) => void): void;
}

/** Whether this runs in Node.js (rather than a browser). */
export function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === 'string';
}

/** Open a WebSocket to `url` and wait until it is open; `token` goes as a header in Node.js, else in the URL. */
export async function openSocket(
  url: string,
  opts: { token?: string; protocols?: string[]; timeoutMs?: number } = {},
): Promise<SocketLike> {
  let socket: SocketLike;
  if (isNode()) {
    const { WebSocket } = await import('ws');
    const headers = opts.token === undefined ? undefined : { authorization: `Bearer ${opts.token}` };
    socket = new WebSocket(url, opts.protocols, headers ? { headers } : {}) as unknown as SocketLike;
  } else {
    const target = new URL(url);
    if (opts.token !== undefined) target.searchParams.set('token', opts.token);
    socket = new WebSocket(target.toString(), opts.protocols) as unknown as SocketLike;
  }
  socket.binaryType = 'arraybuffer';
  await waitOpen(socket, url, opts.timeoutMs ?? 10_000);
  return socket;
}

function waitOpen(socket: SocketLike, url: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      reject(
        new TsvirtError(
          'ERR_CONNECTION_CLOSED',
          `${url}: cannot open the WebSocket (${why}); check the address and token`,
          {
            url,
          },
        ),
      );
    };
    const timer = setTimeout(() => {
      fail(`no answer in ${timeoutMs} ms`);
      socket.close();
    }, timeoutMs);
    socket.addEventListener('open', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.addEventListener('error', (ev: { message?: string }) => fail(ev.message ?? 'error'));
    socket.addEventListener('close', (ev: { code: number; reason: string }) =>
      fail(`closed ${ev.code} ${ev.reason}`),
    );
  });
}
