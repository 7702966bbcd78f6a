/** Tap devices opened on /dev/net/tun (TUNSETIFF through libc), for guests' bridge and network NICs. */
import { closeSync } from 'node:fs';
import { TsvirtError } from '../errors.js';
import { nameErrno, SYS, sysIoctlBuffer, sysOpen } from '../kvm/libc.js';

/** linux/if_tun.h. */
const TUN = {
  /** _IOW('T', 202, int): attach the descriptor to a new (or named) tun/tap device. */
  TUNSETIFF: 0x400454ca,
  /** A layer-2 (Ethernet) device. */
  IFF_TAP: 0x0002,
  /** No packet-information header before each frame. */
  IFF_NO_PI: 0x1000,
} as const;

/** struct ifreq: a 16-byte name, then a union whose first member is the short flags. */
const IFREQ_BYTES = 40;
const IFNAMSIZ = 16;

/** An open tap: tsvirtd's descriptor and the kernel's name for it. */
export interface OpenTap {
  fd: number;
  name: string;
}

/**
 * Opens a new tap named `template` (a `%d` in it lets the kernel pick the first free number, as in
 * `vnet%d`). The tap lives while a descriptor of it is open: it goes when qemu, holding the last, exits.
 */
export function openTap(template: string): OpenTap {
  const opened = sysOpen('/dev/net/tun', SYS.O_RDWR);
  if (opened.value < 0) throw tapError(template, 'open /dev/net/tun', opened.errno);
  const ifr = Buffer.alloc(IFREQ_BYTES);
  ifr.write(template, 0, IFNAMSIZ - 1, 'latin1');
  ifr.writeUInt16LE(TUN.IFF_TAP | TUN.IFF_NO_PI, IFNAMSIZ);
  const set = sysIoctlBuffer(opened.value, TUN.TUNSETIFF, ifr);
  if (set.value < 0) {
    closeSync(opened.value);
    throw tapError(template, 'TUNSETIFF', set.errno);
  }
  const end = ifr.indexOf(0);
  return { fd: opened.value, name: ifr.toString('latin1', 0, end < 0 || end > IFNAMSIZ ? IFNAMSIZ : end) };
}

function tapError(template: string, step: string, errno: number): TsvirtError {
  return new TsvirtError(
    'ERR_OPERATION_FAILED',
    `tap '${template}': ${step} failed (${nameErrno(errno)}); tsvirtd needs root and the tun module (/dev/net/tun)`,
    { field: 'interface/target@dev', value: template, errno },
  );
}
