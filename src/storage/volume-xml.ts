import { TsvirtError } from '../errors.js';
import { validateName } from './names.js';
import { parseSize } from '../units.js';
import { attr, buildRoot, child, childText, invalid, parseRoot, type XmlNode } from './xml-common.js';

/** Image formats a file volume may have. */
export const FILE_FORMATS = ['raw', 'qcow2', 'vmdk'] as const;
/** One of FILE_FORMATS. */
export type FileFormat = (typeof FILE_FORMATS)[number];

/** A volume as a caller asks for it in volume XML. */
export interface VolumeSpec {
  name: string;
  /** Absent only when cloning (the source's capacity is used). */
  capacity?: bigint;
  /** Absent means fully allocated, as libvirt has it. */
  allocation?: bigint;
  format?: FileFormat;
  backing?: { path: string; format?: FileFormat };
}

/** A volume as a pool holds it. */
export interface VolumeDesc {
  name: string;
  /** The path for file volumes, the LV uuid for logical ones (as libvirt keys them). */
  key: string;
  path: string;
  type: 'file' | 'block';
  /** Format reported by qemu-img (may be one tsvirt does not create, e.g. 'vpc'). */
  format: string;
  capacity: bigint;
  allocation: bigint;
  backing?: { path: string; format?: string };
}

/** Parse libvirt volume XML. Throws ERR_XML_PARSE / ERR_XML_INVALID / ERR_INVALID_ARG (bad name). */
export function parseVolumeXml(xml: string): VolumeSpec {
  const vol = parseRoot(xml, 'volume');
  const name = childText(vol, 'name');
  if (name === undefined) throw invalid('volume.name', 'the name is missing', undefined, 'a <name> element');
  validateName('volume', name);
  const spec: VolumeSpec = { name };
  const capacity = parseSizeElement(vol, 'capacity');
  if (capacity !== undefined) spec.capacity = capacity;
  const allocation = parseSizeElement(vol, 'allocation');
  if (allocation !== undefined) spec.allocation = allocation;
  const format = parseFormat(child(vol, 'target'), 'volume.target.format');
  if (format !== undefined) spec.format = format;
  const backing = child(vol, 'backingStore');
  if (backing !== undefined) {
    const path = childText(backing, 'path');
    if (path === undefined)
      throw invalid('volume.backingStore.path', 'the backing path is missing', undefined, 'a <path> element');
    const backingFormat = parseFormat(backing, 'volume.backingStore.format');
    spec.backing = backingFormat === undefined ? { path } : { path, format: backingFormat };
  }
  return spec;
}

function parseSizeElement(vol: XmlNode, name: string): bigint | undefined {
  const node = child(vol, name);
  if (node === undefined) return undefined;
  const text = (node['#text'] as string | undefined) ?? '';
  try {
    return parseSize(text, attr(node, 'unit') ?? 'bytes', `volume.${name}`);
  } catch (err) {
    const cause = err as TsvirtError;
    throw new TsvirtError('ERR_XML_INVALID', cause.message, cause.fields, { cause });
  }
}

function parseFormat(parent: XmlNode | undefined, field: string): FileFormat | undefined {
  const type = attr(child(parent, 'format'), 'type');
  if (type === undefined) return undefined;
  if (!(FILE_FORMATS as readonly string[]).includes(type)) {
    throw new TsvirtError(
      'ERR_NOT_SUPPORTED',
      `volume format '${type}' is not supported; use raw, qcow2 or vmdk`,
      {
        field,
        value: type,
        expected: FILE_FORMATS.join(', '),
      },
    );
  }
  return type as FileFormat;
}

/** Format a volume as libvirt's vol-dumpxml shows it. */
export function formatVolumeXml(vol: VolumeDesc): string {
  const bytes = (n: bigint): XmlNode => ({ '@_unit': 'bytes', '#text': String(n) });
  const target: XmlNode = { path: vol.path };
  if (vol.type === 'file') target['format'] = { '@_type': vol.format };
  const node: XmlNode = {
    '@_type': vol.type,
    name: vol.name,
    key: vol.key,
    capacity: bytes(vol.capacity),
    allocation: bytes(vol.allocation),
    target,
  };
  if (vol.backing) {
    node['backingStore'] = {
      path: vol.backing.path,
      ...(vol.backing.format ? { format: { '@_type': vol.backing.format } } : {}),
    };
  }
  return buildRoot('volume', node);
}
