/** Opens the host side of a guest's pty serial (a /dev/pts path qemu made) as a byte stream. */
import { close, constants, open } from 'node:fs';
import type { Socket } from 'node:net';
import { ReadStream } from 'node:tty';

/**
 * Open `path` read-write as a stream: O_NOCTTY, so that it never becomes the daemon's controlling
 * terminal, and O_NONBLOCK, so that libuv polls it rather than blocking a thread. The terminal modes
 * stay as qemu set them (raw). Destroying the stream closes the descriptor.
 */
export async function openPty(path: string): Promise<Socket> {
  // A plain descriptor, not a FileHandle: a FileHandle would close it when collected.
  const fd = await new Promise<number>((resolve, reject) => {
    open(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK, (err, n) =>
      err ? reject(err) : resolve(n),
    );
  });
  try {
    return new ReadStream(fd);
  } catch (err) {
    close(fd, () => undefined);
    throw err;
  }
}
