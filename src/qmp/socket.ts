import net from 'node:net';
import { TsvirtError } from '../errors.js';

/** errno values that mean "qemu has not created or opened its socket yet": worth another try. */
const RETRYABLE_ERRNOS = new Set(['ENOENT', 'ECONNREFUSED', 'EAGAIN']);

/**
 * Pauses between connection attempts: qemu creates its socket some 20-80 ms after spawn, and every
 * millisecond waited there is start-up time, so poll fast at first, then back off.
 */
const RETRY_FAST_MS = 1;
const FAST_PHASE_MS = 300;
const RETRY_MAX_MS = 50;

function attempt(path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    const onError = (err: Error): void => {
      socket.destroy();
      reject(err);
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/**
 * Connect to a unix socket, retrying while it is absent or refuses, until `timeoutMs` passes.
 * Rejects with ERR_QMP_TIMEOUT at the deadline and ERR_QMP_DISCONNECTED on any other error.
 */
export async function connectUnixSocket(path: string, timeoutMs: number): Promise<net.Socket> {
  const started = performance.now();
  const deadline = started + timeoutMs;
  let pauseMs = RETRY_FAST_MS;
  for (;;) {
    try {
      return await attempt(path);
    } catch (cause) {
      const errno = (cause as NodeJS.ErrnoException).code ?? 'unknown';
      if (!RETRYABLE_ERRNOS.has(errno)) {
        throw new TsvirtError(
          'ERR_QMP_DISCONNECTED',
          `qmp socket ${path}: cannot connect (${errno}); check its permissions and that it is qemu's monitor`,
          { path, errno },
          { cause },
        );
      }
      if (performance.now() + pauseMs > deadline) {
        throw new TsvirtError(
          'ERR_QMP_TIMEOUT',
          `qmp socket ${path} did not accept a connection within ${timeoutMs} ms (${errno}); check that qemu started, see its log`,
          { path, errno, timeoutMs },
          { cause },
        );
      }
      await new Promise((r) => setTimeout(r, pauseMs));
      if (performance.now() - started > FAST_PHASE_MS) pauseMs = Math.min(pauseMs * 2, RETRY_MAX_MS);
    }
  }
}
