/**
 * Passing file descriptors over unix sockets (SCM_RIGHTS), which Node.js has no API for: socketpair,
 * and sendmsg/recvmsg of one byte carrying descriptors, as libvirt's RPC and qemu's QMP expect them.
 * Every call is non-blocking (MSG_DONTWAIT): a full socket answers 'again', never stalls the event loop.
 * The struct msghdr, its iovec and its control message are laid out in one native page that this
 * module maps once; JavaScript is single-threaded, so one page serves every call.
 */
import type { Socket } from 'node:net';
import { TsvirtError } from '../errors.js';
import {
  MAP_FAILED,
  SYS,
  copyFromAddress,
  copyToAddress,
  nameErrno,
  sysClose,
  sysMmap,
  sysRecvmsg,
  sysSendmsg,
  sysSocketpair,
} from './libc.js';

/** Socket constants of Linux x86_64. */
const NET = {
  AF_UNIX: 1, // local sockets
  SOCK_STREAM: 1, // a byte stream
  SOCK_CLOEXEC: 0o2000000, // no descriptor leaks into children
  SOL_SOCKET: 1, // cmsg_level of SCM_RIGHTS
  SCM_RIGHTS: 1, // cmsg_type: the data is an array of int fds
  MSG_DONTWAIT: 0x40, // never block
  MSG_NOSIGNAL: 0x4000, // EPIPE instead of SIGPIPE
  MSG_CTRUNC: 0x8, // msg_flags: control data did not fit (descriptors were closed by the kernel)
  MSG_CMSG_CLOEXEC: 0x40000000, // received descriptors get close-on-exec
} as const;

/** errno values that mean "try again later". */
const EAGAIN = 11;
const EINTR = 4;
/** The most descriptors one receive takes (libvirt's VIR_NET_MESSAGE_NUM_FDS_MAX is 32). */
const MAX_FDS = 32;
/** Offsets in the scratch page: struct msghdr (56 bytes), struct iovec (16), cmsghdr + fds, data. */
const AT = { msghdr: 0, iovec: 64, control: 128, data: 512 } as const;
const PAGE_BYTES = 4096;
/** The largest payload one call carries. */
const MAX_DATA_BYTES = PAGE_BYTES - AT.data;
/** CMSG_LEN(n fds): the 16-byte cmsghdr and the ints. */
const cmsgLen = (n: number): number => 16 + 4 * n;
/** CMSG_SPACE(n fds): cmsgLen rounded up to 8. */
const cmsgSpace = (n: number): number => (cmsgLen(n) + 7) & ~7;

let page: bigint | undefined;

function scratch(): bigint {
  if (page === undefined) {
    const r = sysMmap(PAGE_BYTES, SYS.PROT_RW, SYS.MAP_PRIVATE_ANONYMOUS, -1);
    if (r.value === MAP_FAILED) throw sysError('mmap of the fd-passing page', r.errno);
    page = r.value;
  }
  return page;
}

function sysError(what: string, errno: number): TsvirtError {
  return new TsvirtError('ERR_IO', `${what} failed: ${nameErrno(errno)}`, { errno, call: what });
}

/** The msghdr of one call: one iovec of `dataBytes` at AT.data, and `controlBytes` of control space. */
function writeMsghdr(base: bigint, dataBytes: number, controlBytes: number): void {
  const msg = Buffer.alloc(56);
  msg.writeBigUInt64LE(base + BigInt(AT.iovec), 16); // msg_iov
  msg.writeBigUInt64LE(1n, 24); // msg_iovlen
  msg.writeBigUInt64LE(controlBytes > 0 ? base + BigInt(AT.control) : 0n, 32); // msg_control
  msg.writeBigUInt64LE(BigInt(controlBytes), 40); // msg_controllen
  const iov = Buffer.alloc(16);
  iov.writeBigUInt64LE(base + BigInt(AT.data), 0); // iov_base
  iov.writeBigUInt64LE(BigInt(dataBytes), 8); // iov_len
  copyToAddress(base + BigInt(AT.msghdr), msg);
  copyToAddress(base + BigInt(AT.iovec), iov);
}

/** A connected pair of unix stream sockets, both close-on-exec and blocking (the owner decides). */
export function createSocketPair(): [number, number] {
  const sv = Buffer.alloc(8);
  const r = sysSocketpair(NET.AF_UNIX, NET.SOCK_STREAM | NET.SOCK_CLOEXEC, 0, sv);
  if (r.value !== 0) throw sysError('socketpair', r.errno);
  return [sv.readInt32LE(0), sv.readInt32LE(4)];
}

/** Close a descriptor; errors are ignored (the descriptor is gone either way). */
export function closeFd(fd: number): void {
  sysClose(fd);
}

/**
 * Send `data` (1 to 3584 bytes) with `fds` attached, without blocking. 'again' when the socket's
 * buffer is full and nothing was sent; else the number of bytes sent (the descriptors went with them).
 */
export function sendWithFds(socketFd: number, data: Buffer, fds: readonly number[]): number | 'again' {
  if (data.length === 0 || data.length > MAX_DATA_BYTES || fds.length === 0 || fds.length > MAX_FDS) {
    throw new TsvirtError('ERR_INVALID_ARG', `sendWithFds: ${data.length} bytes and ${fds.length} fds`, {
      field: 'data',
      value: data.length,
      expected: `1-${MAX_DATA_BYTES} bytes with 1-${MAX_FDS} fds`,
    });
  }
  const base = scratch();
  const control = Buffer.alloc(cmsgSpace(fds.length));
  control.writeBigUInt64LE(BigInt(cmsgLen(fds.length)), 0); // cmsg_len
  control.writeInt32LE(NET.SOL_SOCKET, 8);
  control.writeInt32LE(NET.SCM_RIGHTS, 12);
  fds.forEach((fd, i) => control.writeInt32LE(fd, 16 + 4 * i));
  copyToAddress(base + BigInt(AT.control), control);
  copyToAddress(base + BigInt(AT.data), data);
  writeMsghdr(base, data.length, control.length);
  for (;;) {
    const r = sysSendmsg(socketFd, base, NET.MSG_DONTWAIT | NET.MSG_NOSIGNAL);
    if (r.value >= 0) return r.value;
    if (r.errno === EINTR) continue;
    if (r.errno === EAGAIN) return 'again';
    throw sysError('sendmsg', r.errno);
  }
}

/** What one receive got: the bytes (empty at end of stream) and the descriptors that came with them. */
export interface Received {
  data: Buffer;
  fds: number[];
}

/** Receive up to `maxBytes` and any descriptors, without blocking; 'again' when nothing is there. */
export function receiveWithFds(socketFd: number, maxBytes = 1): Received | 'again' {
  const base = scratch();
  const want = Math.min(Math.max(1, maxBytes), MAX_DATA_BYTES);
  const space = cmsgSpace(MAX_FDS);
  copyToAddress(base + BigInt(AT.control), Buffer.alloc(space));
  writeMsghdr(base, want, space);
  let r: { value: number; errno: number };
  do r = sysRecvmsg(socketFd, base, NET.MSG_DONTWAIT | NET.MSG_CMSG_CLOEXEC);
  while (r.value < 0 && r.errno === EINTR);
  if (r.value < 0 && r.errno === EAGAIN) return 'again';
  if (r.value < 0) throw sysError('recvmsg', r.errno);
  const data = copyFromAddress(base + BigInt(AT.data), r.value);
  const msg = copyFromAddress(base + BigInt(AT.msghdr), 56);
  const controlBytes = Number(msg.readBigUInt64LE(40));
  const fds = readRights(copyFromAddress(base + BigInt(AT.control), Math.min(controlBytes, space)));
  if ((msg.readInt32LE(48) & NET.MSG_CTRUNC) !== 0) {
    for (const fd of fds) closeFd(fd);
    throw new TsvirtError('ERR_IO', 'recvmsg: the peer sent more descriptors than fit; they were closed', {
      expected: `at most ${MAX_FDS} fds`,
    });
  }
  return { data, fds };
}

/** The descriptors of every SCM_RIGHTS message in a control buffer. */
function readRights(control: Buffer): number[] {
  const fds: number[] = [];
  for (let at = 0; at + 16 <= control.length;) {
    const len = Number(control.readBigUInt64LE(at));
    if (len < 16 || at + len > control.length) break;
    if (control.readInt32LE(at + 8) === NET.SOL_SOCKET && control.readInt32LE(at + 12) === NET.SCM_RIGHTS) {
      for (let p = at + 16; p + 4 <= at + len; p += 4) fds.push(control.readInt32LE(p));
    }
    at += (len + 7) & ~7;
  }
  return fds;
}

/** How often a descriptor send that found the socket busy or full is tried again. */
const RETRY_MS = 5;

/**
 * Send `data` with `fds` on a Node.js socket that the event loop also writes: once everything the
 * socket has queued is written (so the bytes keep their place in the stream), in one sendmsg; a rest
 * that did not fit follows through the socket. The caller writes nothing else until this settles.
 * Rejects when the socket closes, or stays full for `timeoutMs` (its peer does not read).
 */
export async function sendOnSocket(
  socket: Socket,
  data: Buffer,
  fds: readonly number[],
  timeoutMs = 10_000,
): Promise<void> {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    throw new TsvirtError('ERR_NOT_SUPPORTED', 'this socket has no descriptor to pass fds on', {
      expected: 'a connected unix socket',
    });
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (socket.destroyed || socket.writableEnded) {
      throw new TsvirtError('ERR_IO', 'the socket closed before its descriptors were sent', {});
    }
    if (socket.writableLength === 0) {
      const sent = sendWithFds(fd, data, fds);
      if (sent !== 'again') {
        if (sent < data.length) socket.write(data.subarray(sent));
        return;
      }
    }
    if (Date.now() > deadline) {
      throw new TsvirtError('ERR_IO', `the peer read nothing for ${timeoutMs} ms; descriptors not sent`, {
        timeoutMs,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}
