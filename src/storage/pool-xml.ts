import { generateRandomUuid } from '../fs/kernel-random.js';
import { isAbsolute } from 'node:path';
import { TsvirtError } from '../errors.js';
import { validateName } from './names.js';
import { attr, buildRoot, child, childText, invalid, parseRoot, type XmlNode } from './xml-common.js';

/** Pool types tsvirt implements. */
export type PoolType = 'dir' | 'logical';

// Types libvirt knows; tsvirt refuses them by name rather than accepting and ignoring them.
const KNOWN_TYPES = [
  'dir',
  'fs',
  'netfs',
  'logical',
  'disk',
  'iscsi',
  'iscsi-direct',
  'scsi',
  'mpath',
  'rbd',
  'sheepdog',
  'gluster',
  'zfs',
  'vstorage',
];

/** A pool definition, as libvirt's pool XML carries it. */
export interface PoolDef {
  type: PoolType;
  name: string;
  /** Lower-case canonical form. */
  uuid: string;
  source: {
    /** Block devices of a logical pool (`<device path=.../>`). */
    devices: string[];
    /** The volume group of a logical pool; defaults to the pool name. */
    name?: string;
    /** `lvm2` for logical pools. */
    format?: string;
  };
  target: {
    path: string;
    permissions?: { mode?: string; owner?: string; group?: string };
  };
}

/** Live sizes written into a running pool's XML. */
export interface PoolSizes {
  capacity: bigint;
  allocation: bigint;
  available: bigint;
}

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Parse libvirt pool XML; a missing uuid gets a fresh one. Throws ERR_XML_*, ERR_NOT_SUPPORTED. */
export function parsePoolXml(xml: string): PoolDef {
  const pool = parseRoot(xml, 'pool');
  const type = attr(pool, 'type');
  if (type === undefined)
    throw invalid('pool.type', 'the type attribute is missing', undefined, "'dir' or 'logical'");
  if (type !== 'dir' && type !== 'logical') {
    const known = KNOWN_TYPES.includes(type);
    throw new TsvirtError(
      known ? 'ERR_NOT_SUPPORTED' : 'ERR_XML_INVALID',
      `pool type '${type}' is ${known ? 'not supported' : 'unknown'}; use 'dir' or 'logical'`,
      { field: 'pool.type', value: type, expected: "'dir' or 'logical'" },
    );
  }
  const name = childText(pool, 'name');
  if (name === undefined) throw invalid('pool.name', 'the name is missing', undefined, 'a <name> element');
  validateName('pool', name);
  const source = parseSource(child(pool, 'source'), type, name);
  return {
    type,
    name,
    uuid: parseUuid(childText(pool, 'uuid')),
    source,
    target: parseTarget(child(pool, 'target'), type, source),
  };
}

function parseUuid(text: string | undefined): string {
  if (text === undefined) return generateRandomUuid();
  if (!UUID_RE.test(text))
    throw invalid(
      'pool.uuid',
      `'${text}' is not a UUID`,
      text,
      'a UUID such as 8c79f996-cb2a-d24d-9822-ac7547ab2d01',
    );
  const hex = text.replace(/-/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function parseSource(node: XmlNode | undefined, type: PoolType, name: string): PoolDef['source'] {
  // The parser is told to make <device> a list, but a mangled document can still give one node or text.
  const raw = node?.['device'] as XmlNode[] | XmlNode | string | undefined;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const devices = list.map((item) => {
    const d = typeof item === 'string' ? undefined : item;
    const path = attr(d, 'path');
    if (path === undefined || !isAbsolute(path))
      throw invalid(
        'pool.source.device',
        `device path '${path ?? ''}' is not absolute`,
        path,
        'an absolute device path',
      );
    return path;
  });
  if (type === 'dir') return { devices: [] };
  const format = attr(child(node, 'format'), 'type') ?? 'lvm2';
  if (format !== 'lvm2' && format !== 'auto')
    throw invalid('pool.source.format', `format '${format}' is not an LVM format`, format, "'lvm2'");
  const vg = childText(node, 'name') ?? name;
  validateName('pool', vg);
  return { devices, name: vg, format: 'lvm2' };
}

function parseTarget(
  node: XmlNode | undefined,
  type: PoolType,
  source: PoolDef['source'],
): PoolDef['target'] {
  const path = childText(node, 'path') ?? (type === 'logical' ? `/dev/${source.name}` : undefined);
  if (path === undefined || !isAbsolute(path))
    throw invalid(
      'pool.target.path',
      `target path '${path ?? ''}' is not absolute`,
      path,
      'an absolute folder path',
    );
  const perms = child(node, 'permissions');
  if (perms === undefined) return { path };
  const permissions = {
    mode: childText(perms, 'mode'),
    owner: childText(perms, 'owner'),
    group: childText(perms, 'group'),
  };
  if (permissions.mode !== undefined && !/^0?[0-7]{3,4}$/.test(permissions.mode))
    throw invalid(
      'pool.target.permissions.mode',
      `mode '${permissions.mode}' is not octal`,
      permissions.mode,
      'an octal mode such as 0711',
    );
  return { path, permissions };
}

/** Format a pool definition as libvirt writes it; `sizes` adds capacity, allocation and available. */
export function formatPoolXml(def: PoolDef, sizes?: PoolSizes): string {
  const node: XmlNode = { '@_type': def.type, name: def.name, uuid: def.uuid };
  if (sizes) {
    node['capacity'] = { '@_unit': 'bytes', '#text': String(sizes.capacity) };
    node['allocation'] = { '@_unit': 'bytes', '#text': String(sizes.allocation) };
    node['available'] = { '@_unit': 'bytes', '#text': String(sizes.available) };
  }
  if (def.type === 'logical') {
    node['source'] = {
      device: def.source.devices.map((path) => ({ '@_path': path })),
      name: def.source.name,
      format: { '@_type': def.source.format ?? 'lvm2' },
    };
  }
  const target: XmlNode = { path: def.target.path };
  const p = def.target.permissions;
  if (p) target['permissions'] = { mode: p.mode, owner: p.owner, group: p.group };
  node['target'] = target;
  return buildRoot('pool', node);
}
