import { ElementReader, invalid, notSupported } from './element-reader.js';
import { readAddress, readAlias } from './parse-address.js';
import { readDiskDriverOptions, readDiskExtras } from './parse-disk-options.js';
import { readBusAddress } from './parse-bus-devices.js';
import type { DiskConfig, DiskSource } from './types.js';
import { parseBackingStore } from './backing-store-xml.js';

const DISK_BUSES = ['virtio', 'ide', 'sata', 'scsi', 'usb'] as const;

/** Target device names: vdX, hdX, sdX with one to three letters (vda, hdc, sdaa). */
export const TARGET_DEV_PATTERN = /^(vd|hd|sd)([a-z]{1,3})$/;

/** The index a target name encodes, as libvirt counts it: vda -> 0, vdz -> 25, vdaa -> 26. */
export function targetDevIndex(dev: string): number {
  const letters = TARGET_DEV_PATTERN.exec(dev)?.[2] ?? 'a';
  let index = 0;
  for (const ch of letters) index = index * 26 + (ch.charCodeAt(0) - 96);
  return index - 1;
}

/** Whether a string is an absolute path qemu can open. */
export function isAbsolutePath(text: string): boolean {
  return text.startsWith('/') && !text.includes('\0');
}

/** Read one <disk>. */
export function parseDisk(r: ElementReader): DiskConfig {
  const type = r.enumAttr('type', ['file', 'block', 'volume'], 'file');
  const device = r.enumAttr('device', ['disk', 'cdrom'], 'disk');
  const driverEl = r.child('driver');
  const driver = readDiskDriverOptions(driverEl);
  const format = readDriver(driverEl);
  const sourceEl = r.child('source');
  // index='N': the block node index of a running domain's source (live XML), kept for re-adoption.
  const nodeIndex = sourceEl?.uintAttr('index');
  const source = sourceEl ? readSource(sourceEl, type) : undefined;
  // An empty <backingStore/> (libvirt's live and migratable XML show it for a disk with no chain): [].
  const backingChain = parseBackingStore(r.child('backingStore'));
  if (!source && device !== 'cdrom') {
    throw invalid(r.el, 'element <source> is missing', {
      expected: 'a <source> (only a cdrom may be empty)',
    });
  }
  const targetEl = r.child('target');
  if (!targetEl)
    throw invalid(r.el, 'element <target> is missing', { expected: "<target dev='vda' bus='virtio'/>" });
  const { targetDev, bus } = readTarget(targetEl);
  const readonlyEl = r.child('readonly');
  readonlyEl?.finish();
  const extras = readDiskExtras(r);
  const address = bus === 'usb' ? readBusAddress(r, 'usb') : readAddress(r, ['pci', 'drive']);
  const alias = readAlias(r);
  r.finish();
  return {
    device,
    format,
    ...(source ? { source } : {}),
    targetDev,
    bus,
    // libvirt treats every cdrom as read-only and shows <readonly/> for it.
    readonly: device === 'cdrom' || readonlyEl !== undefined,
    ...(address ? { address } : {}),
    ...(alias === undefined ? {} : { alias }),
    ...(source && nodeIndex !== undefined && nodeIndex > 0 ? { nodeIndex } : {}),
    ...(source && backingChain !== undefined ? { backingChain } : {}),
    ...(driver ? { driver } : {}),
    ...extras,
  };
}

function readDriver(r: ElementReader | undefined): DiskConfig['format'] {
  if (!r) return 'raw';
  r.enumAttr('name', ['qemu']);
  const format = r.enumAttr('type', ['raw', 'qcow2', 'vmdk'], 'raw');
  r.finish();
  return format;
}

function readSource(r: ElementReader, type: 'file' | 'block' | 'volume'): DiskSource {
  let source: DiskSource;
  if (type === 'volume') {
    const pool = r.requireAttr('pool', 'a storage pool name');
    const volume = r.requireAttr('volume', 'a volume name');
    if (pool.includes('/'))
      throw invalid(r.el, `pool name '${pool}' contains '/'`, {
        attribute: 'pool',
        value: pool,
        expected: 'a pool name',
      });
    if (volume.includes('/') || volume === '.' || volume === '..') {
      throw invalid(r.el, `volume name '${volume}' is not a plain name`, {
        attribute: 'volume',
        value: volume,
        expected: "a name without '/'",
      });
    }
    source = { kind: 'volume', pool, volume };
  } else {
    const attribute = type === 'file' ? 'file' : 'dev';
    const path = r.requireAttr(attribute, 'an absolute path');
    if (!isAbsolutePath(path))
      throw invalid(r.el, `'${path}' is not an absolute path`, {
        attribute,
        value: path,
        expected: 'an absolute path',
      });
    source = type === 'file' ? { kind: 'file', path } : { kind: 'block', dev: path };
  }
  r.finish();
  return source;
}

function readTarget(r: ElementReader): { targetDev: string; bus: DiskConfig['bus'] } {
  const targetDev = r.requireAttr('dev', 'a name such as vda, hda or sda');
  const m = TARGET_DEV_PATTERN.exec(targetDev);
  if (!m)
    throw invalid(r.el, `'${targetDev}' is not a disk target name`, {
      attribute: 'dev',
      value: targetDev,
      expected: 'vdX, hdX or sdX',
    });
  // libvirt derives the bus from the name when none is given: vd -> virtio, hd -> ide, sd -> scsi.
  const implied = m[1] === 'vd' ? 'virtio' : m[1] === 'hd' ? 'ide' : 'scsi';
  const bus = r.attr('bus') ?? implied;
  if (!(DISK_BUSES as readonly string[]).includes(bus)) {
    throw notSupported(r.el, { attribute: 'bus', value: bus, expected: DISK_BUSES });
  }
  r.finish();
  return { targetDev, bus: bus as DiskConfig['bus'] };
}
