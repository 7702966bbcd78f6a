import type { DiskConfig } from './types.js';
import { el, type XmlNode } from './xml-writer.js';

/** <driver>'s attributes after name and type, in libvirt's order: cache, io, discard, detect_zeroes. */
export function buildDiskDriverAttrs(disk: DiskConfig): Array<[string, string | undefined]> {
  const d = disk.driver;
  return [
    ['cache', d?.cache],
    ['io', d?.io],
    ['discard', d?.discard],
    ['detect_zeroes', d?.detectZeroes],
  ];
}

/** A device's <boot order='N'/>, or nothing. */
export function buildBootOrderNode(order: number | undefined): XmlNode | undefined {
  return order === undefined ? undefined : el('boot', [['order', order]]);
}
