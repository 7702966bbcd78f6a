import { closeSync, fstatSync, openSync, readlinkSync } from 'node:fs';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  closeFd,
  createSocketPair,
  receiveWithFds,
  sendOnSocket,
  sendWithFds,
} from '../../src/kvm/fd-passing.js';

/** Reads everything `fd` gets until `totalBytes` arrived: the bytes, and where each descriptor came. */
async function drain(
  fd: number,
  totalBytes: number,
): Promise<{ data: Buffer; fdsAt: [number, number, number][] }> {
  const parts: Buffer[] = [];
  const fdsAt: [number, number, number][] = [];
  let got = 0;
  while (got < totalBytes) {
    const r = receiveWithFds(fd, 3000);
    if (r === 'again') {
      await new Promise((resolve) => setTimeout(resolve, 1));
      continue;
    }
    if (r.data.length === 0) break;
    for (const f of r.fds) fdsAt.push([f, got, got + r.data.length]);
    parts.push(r.data);
    got += r.data.length;
  }
  return { data: Buffer.concat(parts), fdsAt };
}

describe('fd passing over unix sockets', () => {
  it('sends a descriptor with one byte over a socketpair, and the receiver gets a working copy', () => {
    const [a, b] = createSocketPair();
    const file = openSync('/proc/self/status', 'r');
    try {
      expect(sendWithFds(a, Buffer.from([0]), [file])).toBe(1);
      const r = receiveWithFds(b);
      expect(r).not.toBe('again');
      const { data, fds } = r as { data: Buffer; fds: number[] };
      expect([...data]).toEqual([0]);
      expect(fds).toHaveLength(1);
      const got = fds[0] as number;
      expect(got).not.toBe(file);
      expect(readlinkSync(`/proc/self/fd/${got}`)).toBe(readlinkSync(`/proc/self/fd/${file}`));
      expect(fstatSync(got).ino).toBe(fstatSync(file).ino);
      closeFd(got);
      expect(receiveWithFds(b)).toBe('again');
    } finally {
      closeSync(file);
      closeFd(a);
      closeFd(b);
    }
  });

  it('answers again instead of blocking when the peer does not read', () => {
    const [a, b] = createSocketPair();
    try {
      const chunk = Buffer.alloc(3000, 1);
      let sent = 0;
      for (let i = 0; i < 10_000; i++) {
        const r = sendWithFds(a, chunk, [b]);
        if (r === 'again') break;
        sent += r;
      }
      expect(sent).toBeGreaterThan(0);
      expect(sendWithFds(a, chunk, [b])).toBe('again');
    } finally {
      closeFd(a);
      closeFd(b);
    }
  });

  it('keeps its place in a Node socket stream under load: queued bytes first, the fd on its byte, the rest after', async () => {
    const [a, b] = createSocketPair();
    const socket = new Socket({ fd: a, readable: false, writable: true });
    const file = openSync('/proc/self/status', 'r');
    try {
      const before: Buffer[] = [];
      for (let i = 0; i < 200; i++) before.push(Buffer.alloc(16_384, i % 251));
      for (const chunk of before) socket.write(chunk); // far more than the socket buffer holds
      expect(socket.writableLength).toBeGreaterThan(0);
      const marker = Buffer.from('FD');
      const reading = drain(b, 200 * 16_384 + 2 + 5);
      await sendOnSocket(socket, marker, [file]);
      socket.write('after');
      const { data, fdsAt } = await reading;
      expect(data.equals(Buffer.concat([...before, marker, Buffer.from('after')]))).toBe(true);
      expect(fdsAt).toHaveLength(1);
      const [got, from, to] = fdsAt[0] as [number, number, number];
      // The descriptor came with the read that holds the marker's first byte.
      expect(from <= 200 * 16_384 && 200 * 16_384 < to).toBe(true);
      expect(fstatSync(got).ino).toBe(fstatSync(file).ino);
      closeFd(got);
    } finally {
      socket.destroy();
      closeSync(file);
      closeFd(b);
    }
  });

  it('gives up on a peer that never reads, and on a closed socket', async () => {
    const [a, b] = createSocketPair();
    const socket = new Socket({ fd: a, readable: false, writable: true });
    try {
      for (let i = 0; i < 100; i++) socket.write(Buffer.alloc(65_536));
      await expect(sendOnSocket(socket, Buffer.from([0]), [b], 200)).rejects.toThrow(
        /read nothing for 200 ms/,
      );
      socket.destroy();
      await expect(sendOnSocket(socket, Buffer.from([0]), [b])).rejects.toThrow(/closed|no descriptor/);
    } finally {
      socket.destroy();
      closeFd(b);
    }
  });
});
