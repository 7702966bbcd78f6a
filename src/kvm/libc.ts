import { constants } from 'node:os';
import { DataType, load, open } from 'ffi-rs';

/**
 * The few libc calls tsvirt makes directly, through ffi-rs. This is the only module that loads
 * ffi-rs. Every call returns the C result and errno; callers decide what a failure means.
 * Pointers cross as 64-bit integers (DataType.BigInt), and Buffers are passed by address.
 */

const LIBRARY = 'tsvirt-libc';
let opened = false;

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
  retType: DataType,
  paramsType: DataType[],
  paramsValue: unknown[],
): SysResult<T> {
  if (!opened) {
    open({ library: LIBRARY, path: '' });
    opened = true;
  }
  const r = load({
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
  return call('open', DataType.I32, [DataType.String, DataType.I32], [path, flags | SYS.O_CLOEXEC]);
}

/** close(2). */
export function sysClose(fd: number): SysResult<number> {
  return call('close', DataType.I32, [DataType.I32], [fd]);
}

/** ioctl(2) with an integer argument (or none: pass 0). */
export function sysIoctl(fd: number, request: number, arg = 0): SysResult<number> {
  return call('ioctl', DataType.I32, [DataType.I32, DataType.U64, DataType.U64], [fd, request, arg]);
}

/** ioctl(2) with a pointer to `buf`; the kernel reads from or writes into it in place. */
export function sysIoctlBuffer(fd: number, request: number, buf: Buffer): SysResult<number> {
  return call('ioctl', DataType.I32, [DataType.I32, DataType.U64, DataType.U8Array], [fd, request, buf]);
}

/** mmap(2) at an address the kernel picks; the value is the address, or MAP_FAILED. */
export function sysMmap(lengthBytes: number, prot: number, flags: number, fd: number): SysResult<bigint> {
  const types = [DataType.BigInt, DataType.U64, DataType.I32, DataType.I32, DataType.I32, DataType.BigInt];
  const r = call<bigint | number>('mmap', DataType.BigInt, types, [0n, lengthBytes, prot, flags, fd, 0n]);
  return { value: BigInt(r.value), errno: r.errno };
}

/** munmap(2). */
export function sysMunmap(address: bigint, lengthBytes: number): SysResult<number> {
  return call('munmap', DataType.I32, [DataType.BigInt, DataType.U64], [address, lengthBytes]);
}

/** Copies `src` to native memory at `address` (memcpy). */
export function copyToAddress(address: bigint, src: Buffer): void {
  call(
    'memcpy',
    DataType.BigInt,
    [DataType.BigInt, DataType.U8Array, DataType.U64],
    [address, src, src.length],
  );
}

/** Copies `lengthBytes` of native memory at `address` into a new Buffer (memcpy). */
export function copyFromAddress(address: bigint, lengthBytes: number): Buffer {
  const dst = Buffer.alloc(lengthBytes);
  call(
    'memcpy',
    DataType.BigInt,
    [DataType.U8Array, DataType.BigInt, DataType.U64],
    [dst, address, lengthBytes],
  );
  return dst;
}

/** sched_setaffinity(2) for one thread id, with a cpu_set_t mask. */
export function sysSchedSetaffinity(tid: number, mask: Buffer): SysResult<number> {
  const types = [DataType.I32, DataType.U64, DataType.U8Array];
  return call('sched_setaffinity', DataType.I32, types, [tid, mask.length, mask]);
}

/** sched_getaffinity(2) for one thread id, into a cpu_set_t mask (filled in place). */
export function sysSchedGetaffinity(tid: number, mask: Buffer): SysResult<number> {
  const types = [DataType.I32, DataType.U64, DataType.U8Array];
  return call('sched_getaffinity', DataType.I32, types, [tid, mask.length, mask]);
}

const ERRNO_NAMES = new Map<number, string>(
  Object.entries(constants.errno).map(([name, value]) => [value, name] as [number, string]),
);

/** The symbolic name of an errno value ("EACCES"), or "errno N". */
export function nameErrno(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
}
