import { createRequire } from 'node:module';
import { constants } from 'node:os';
import type * as FfiRs from 'ffi-rs';

/**
 * The few libc calls tsvirt makes directly, through ffi-rs. This is the only module that loads
 * ffi-rs. Every call returns the C result and errno; callers decide what a failure means.
 * Pointers cross as 64-bit integers (DataType.BigInt), and Buffers are passed by address.
 */

const LIBRARY = 'tsvirt-libc';
let ffiModule: typeof FfiRs | undefined;

/**
 * ffi-rs, loaded on the first libc call rather than at import: loading the native addon costs a
 * CLI call about 9 ms, and most calls (list, start, storage) never reach libc.
 */
function ffi(): typeof FfiRs {
  if (!ffiModule) {
    ffiModule = createRequire(import.meta.url)('ffi-rs') as typeof FfiRs;
    ffiModule.open({ library: LIBRARY, path: '' });
  }
  return ffiModule;
}

/** ffi-rs's DataType values; reading them loads ffi-rs. */
function dataTypes(): typeof FfiRs.DataType {
  return ffi().DataType;
}

/** A C return value and the errno that came with it (meaningful only when the call failed). */
export interface SysResult<T> {
  value: T;
  errno: number;
}

/** open(2) flags, protections and mmap flags of Linux x86_64. */
export const SYS = {
  /** O_RDWR */
  O_RDWR: 0o2,
  /** O_CLOEXEC: no fd leaks into qemu or other children. */
  O_CLOEXEC: 0o2000000,
  /** PROT_READ | PROT_WRITE */
  PROT_RW: 0x3,
  /** MAP_SHARED: the vCPU's kvm_run area. */
  MAP_SHARED: 0x01,
  /** MAP_PRIVATE | MAP_ANONYMOUS: guest memory. */
  MAP_PRIVATE_ANONYMOUS: 0x22,
} as const;

/** mmap(2)'s MAP_FAILED, as the signed 64-bit value it returns. */
export const MAP_FAILED = -1n;

function call<T>(
  funcName: string,
  retType: FfiRs.DataType,
  paramsType: FfiRs.DataType[],
  paramsValue: unknown[],
): SysResult<T> {
  const r = ffi().load({
    library: LIBRARY,
    funcName,
    retType,
    paramsType,
    paramsValue,
    errno: true,
  }) as unknown as {
    value: T;
    errnoCode: number;
  };
  return { value: r.value, errno: r.errnoCode };
}

/** open(2) with O_CLOEXEC added. */
export function sysOpen(path: string, flags: number): SysResult<number> {
  const D = dataTypes();
  return call('open', D.I32, [D.String, D.I32], [path, flags | SYS.O_CLOEXEC]);
}

/** close(2). */
export function sysClose(fd: number): SysResult<number> {
  const D = dataTypes();
  return call('close', D.I32, [D.I32], [fd]);
}

/** ioctl(2) with an integer argument (or none: pass 0). */
export function sysIoctl(fd: number, request: number, arg = 0): SysResult<number> {
  const D = dataTypes();
  return call('ioctl', D.I32, [D.I32, D.U64, D.U64], [fd, request, arg]);
}

/** ioctl(2) with a pointer to `buf`; the kernel reads from or writes into it in place. */
export function sysIoctlBuffer(fd: number, request: number, buf: Buffer): SysResult<number> {
  const D = dataTypes();
  return call('ioctl', D.I32, [D.I32, D.U64, D.U8Array], [fd, request, buf]);
}

/** mmap(2) at an address the kernel picks; the value is the address, or MAP_FAILED. */
export function sysMmap(lengthBytes: number, prot: number, flags: number, fd: number): SysResult<bigint> {
  const D = dataTypes();
  const types = [D.BigInt, D.U64, D.I32, D.I32, D.I32, D.BigInt];
  const r = call<bigint | number>('mmap', D.BigInt, types, [0n, lengthBytes, prot, flags, fd, 0n]);
  return { value: BigInt(r.value), errno: r.errno };
}

/** munmap(2). */
export function sysMunmap(address: bigint, lengthBytes: number): SysResult<number> {
  const D = dataTypes();
  return call('munmap', D.I32, [D.BigInt, D.U64], [address, lengthBytes]);
}

/** Copies `src` to native memory at `address` (memcpy). */
export function copyToAddress(address: bigint, src: Buffer): void {
  const D = dataTypes();
  call('memcpy', D.BigInt, [D.BigInt, D.U8Array, D.U64], [address, src, src.length]);
}

/** Copies `lengthBytes` of native memory at `address` into a new Buffer (memcpy). */
export function copyFromAddress(address: bigint, lengthBytes: number): Buffer {
  const D = dataTypes();
  const dst = Buffer.alloc(lengthBytes);
  call('memcpy', D.BigInt, [D.U8Array, D.BigInt, D.U64], [dst, address, lengthBytes]);
  return dst;
}

/** sched_setaffinity(2) for one thread id, with a cpu_set_t mask. */
export function sysSchedSetaffinity(tid: number, mask: Buffer): SysResult<number> {
  const D = dataTypes();
  const types = [D.I32, D.U64, D.U8Array];
  return call('sched_setaffinity', D.I32, types, [tid, mask.length, mask]);
}

/** sched_getaffinity(2) for one thread id, into a cpu_set_t mask (filled in place). */
export function sysSchedGetaffinity(tid: number, mask: Buffer): SysResult<number> {
  const D = dataTypes();
  const types = [D.I32, D.U64, D.U8Array];
  return call('sched_getaffinity', D.I32, types, [tid, mask.length, mask]);
}

const ERRNO_NAMES = new Map<number, string>(
  Object.entries(constants.errno).map(([name, value]) => [value, name] as [number, string]),
);

/** The symbolic name of an errno value ("EACCES"), or "errno N". */
export function nameErrno(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
}

/** socketpair(2) into `sv` (two 32-bit fds, filled in place). */
export function sysSocketpair(domain: number, type: number, protocol: number, sv: Buffer): SysResult<number> {
  const D = dataTypes();
  return call('socketpair', D.I32, [D.I32, D.I32, D.I32, D.U8Array], [domain, type, protocol, sv]);
}

/** sendmsg(2) with a struct msghdr at a native address; the value is the bytes sent, or -1. */
export function sysSendmsg(fd: number, msgAddress: bigint, flags: number): SysResult<number> {
  const D = dataTypes();
  const r = call<number | bigint>('sendmsg', D.I64, [D.I32, D.BigInt, D.I32], [fd, msgAddress, flags]);
  return { value: Number(r.value), errno: r.errno };
}

/** recvmsg(2) with a struct msghdr at a native address; the value is the bytes read, or -1. */
export function sysRecvmsg(fd: number, msgAddress: bigint, flags: number): SysResult<number> {
  const D = dataTypes();
  const r = call<number | bigint>('recvmsg', D.I64, [D.I32, D.BigInt, D.I32], [fd, msgAddress, flags]);
  return { value: Number(r.value), errno: r.errno };
}
