import { ElementReader, invalid } from './element-reader.js';
import type { DiskConfig, DiskDriverOptions } from './types.js';

const CACHE_MODES = ['default', 'none', 'writethrough', 'writeback', 'directsync', 'unsafe'] as const;
const IO_MODES = ['native', 'threads', 'io_uring'] as const;

/** The longest <serial> qemu keeps (virtio-blk's ID string is 20 bytes; libvirt does not cut it). */
const SERIAL_PATTERN = /^[A-Za-z0-9_ .+-]{1,36}$/;

/** Read <driver>'s cache, io, discard and detect_zeroes (the name and type are parse-disk's). */
export function readDiskDriverOptions(r: ElementReader | undefined): DiskDriverOptions | undefined {
  if (!r) return undefined;
  const options: DiskDriverOptions = {};
  const cache = r.enumAttr('cache', CACHE_MODES);
  const io = r.enumAttr('io', IO_MODES);
  const discard = r.enumAttr('discard', ['unmap', 'ignore']);
  const detectZeroes = r.enumAttr('detect_zeroes', ['off', 'on', 'unmap']);
  if (cache !== undefined) options.cache = cache;
  if (io !== undefined) options.io = io;
  if (discard !== undefined) options.discard = discard;
  if (detectZeroes !== undefined) options.detectZeroes = detectZeroes;
  // qemu opens an image with Linux native AIO only when it bypasses the host's page cache.
  if (io === 'native' && cache !== 'none' && cache !== 'directsync') {
    throw invalid(r.el, `io='native' needs the host page cache bypassed (cache is '${cache ?? 'default'}')`, {
      attribute: 'cache',
      value: cache ?? 'default',
      expected: "cache='none' or cache='directsync' with io='native'",
    });
  }
  return Object.keys(options).length === 0 ? undefined : options;
}

/** Read <serial>, <shareable/> and <boot order=.../> of a <disk>. */
export function readDiskExtras(r: ElementReader): Pick<DiskConfig, 'serial' | 'shareable' | 'bootOrder'> {
  const extras: Pick<DiskConfig, 'serial' | 'shareable' | 'bootOrder'> = {};
  const serial = r.child('serial');
  if (serial) {
    serial.finish();
    const text = serial.text();
    if (!SERIAL_PATTERN.test(text)) {
      throw invalid(serial.el, `'${text}' is not a disk serial`, {
        value: text,
        expected: '1-36 of A-Z a-z 0-9 _ space . + -',
      });
    }
    extras.serial = text;
  }
  const shareable = r.child('shareable');
  if (shareable) {
    shareable.finish();
    extras.shareable = true;
  }
  const bootOrder = readBootOrder(r);
  if (bootOrder !== undefined) extras.bootOrder = bootOrder;
  return extras;
}

/** Read a device's <boot order='N'/> (N from 1). */
export function readBootOrder(r: ElementReader): number | undefined {
  const boot = r.child('boot');
  if (!boot) return undefined;
  const order = boot.uintAttr('order');
  boot.finish();
  if (order === undefined || order < 1) {
    throw invalid(boot.el, order === undefined ? "attribute 'order' is missing" : "order='0'", {
      attribute: 'order',
      expected: 'an integer of 1 or more',
    });
  }
  return order;
}
