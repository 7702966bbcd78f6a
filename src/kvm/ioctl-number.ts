/**
 * Linux ioctl request numbers, as <asm-generic/ioctl.h> builds them on x86:
 * bits 0-7 the number, 8-15 the type ("magic"), 16-29 the argument size, 30-31 the direction.
 */

/** Directions of an ioctl argument, from the caller's point of view. */
export const IOC_DIR = {
  /** _IO: no argument, or an integer passed by value. */
  none: 0,
  /** _IOW: the caller writes a struct that the kernel reads. */
  write: 1,
  /** _IOR: the kernel writes a struct that the caller reads. */
  read: 2,
  /** _IOWR: both. */
  readWrite: 3,
} as const;

/** The size field is 14 bits wide. */
const MAX_SIZE = (1 << 14) - 1;

/** Encodes one ioctl request number (the kernel's _IOC macro). */
export function encodeIoctl(direction: number, type: number, nr: number, sizeBytes: number): number {
  if (sizeBytes < 0 || sizeBytes > MAX_SIZE) throw new RangeError(`ioctl size ${sizeBytes} exceeds 14 bits`);
  if (type < 0 || type > 0xff || nr < 0 || nr > 0xff) throw new RangeError('ioctl type and nr are bytes');
  return ((direction << 30) | (sizeBytes << 16) | (type << 8) | nr) >>> 0;
}

/** _IO(type, nr): a request without a struct argument. */
export function encodeIo(type: number, nr: number): number {
  return encodeIoctl(IOC_DIR.none, type, nr, 0);
}

/** _IOW(type, nr, struct): the kernel reads a struct of `sizeBytes` from the caller. */
export function encodeIow(type: number, nr: number, sizeBytes: number): number {
  return encodeIoctl(IOC_DIR.write, type, nr, sizeBytes);
}

/** _IOR(type, nr, struct): the kernel writes a struct of `sizeBytes` to the caller. */
export function encodeIor(type: number, nr: number, sizeBytes: number): number {
  return encodeIoctl(IOC_DIR.read, type, nr, sizeBytes);
}
