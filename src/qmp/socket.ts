import net from 'node:net';
import { TsvirtError } from '../errors.js';

/** errno values that mean "qemu has not created or opened its socket yet": worth another try. */
const RETRYABLE_ERRNOS = new Set(['ENOENT', 'ECONNREFUSED', 'EAGAIN']);

/** First and largest pause between connection attempts. */
const RETRY_FIRST_MS = 5;
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
  const deadline = performance.now() + timeoutMs;
  let pauseMs = RETRY_FIRST_MS;
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
      pauseMs = Math.min(pauseMs * 2, RETRY_MAX_MS);
    }
  }
}
