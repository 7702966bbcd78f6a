/**
 * libvirt's `<domainsnapshot>` XML <-> SnapshotDef, pure. What a client sends to create a snapshot
 * (name, description, memory, disks) and what tsvirt keeps and shows (state, creationTime, parent, the
 * domain as it was). The `<domain>` inside is kept as text: it is a domain definition of its own.
 */
import { TsvirtError } from '../errors.js';
import { invalid, notSupported } from './element-reader.js';
import { parseXmlTree, type XmlElement } from './xml-tree.js';
import { el, renderXml, type XmlNode } from './xml-writer.js';

/** A snapshot's `<state>`: the domain's state when it was taken, or disk-snapshot. */
export type SnapshotState = 'running' | 'paused' | 'shutoff' | 'disk-snapshot';

/** Where a snapshot keeps a disk's or the memory's data. */
export type SnapshotLocation = 'no' | 'internal' | 'external';

/** One `<disk>` of `<disks>`. */
export interface SnapshotDisk {
  /** The disk's target (vda) or source path, as the client names it. */
  name: string;
  snapshot: SnapshotLocation;
  /** For an external disk: the new overlay's file and format. */
  file?: string;
  driverType?: string;
}

/** A snapshot, as kept in its metadata file. */
export interface SnapshotDef {
  name: string;
  description?: string;
  state: SnapshotState;
  /** Seconds since the epoch. */
  creationTime: number;
  parent?: string;
  memory: SnapshotLocation;
  memoryFile?: string;
  disks: SnapshotDisk[];
  /** The domain's definition when the snapshot was taken (libvirt domain XML). */
  domainXml?: string;
}

/** What a client's `<domainsnapshot>` asks for; the rest tsvirt fills in. */
export type SnapshotRequest = Partial<SnapshotDef> & {
  disks: SnapshotDisk[];
  /** A metadata file's `<active>`: whether the snapshot is the current one. */
  current?: boolean;
};

const STATES: readonly SnapshotState[] = ['running', 'paused', 'shutoff', 'disk-snapshot'];
const LOCATIONS: readonly SnapshotLocation[] = ['no', 'internal', 'external'];
/** Elements of a definition that tsvirt reads but that a client may send and tsvirt ignores. */
const IGNORED = new Set(['cookie', 'inactiveDomain', 'reason']);

/** Parse `<domainsnapshot>` XML. Throws ERR_XML_PARSE, ERR_XML_INVALID or ERR_NOT_SUPPORTED. */
export function parseSnapshotXml(xml: string): SnapshotRequest {
  const root = parseXmlTree(xml, 'snapshot XML');
  if (root.name !== 'domainsnapshot') {
    throw invalid(root, `root element is <${root.name}>`, { value: root.name, expected: '<domainsnapshot>' });
  }
  const out: SnapshotRequest = { disks: [] };
  for (const child of root.children) {
    switch (child.name) {
      case 'name':
        out.name = readName(child);
        break;
      case 'description':
        out.description = child.text;
        break;
      case 'state':
        out.state = pick(child, child.text.trim(), STATES);
        break;
      case 'creationTime':
        out.creationTime = readSeconds(child);
        break;
      case 'parent':
        out.parent = readParent(child);
        break;
      case 'memory':
        // A file without a location means external, as libvirt reads it (virsh --memspec file=PATH).
        out.memory = pick(
          child,
          child.attrs['snapshot'] ?? (child.attrs['file'] !== undefined ? 'external' : 'no'),
          LOCATIONS,
          'snapshot',
        );
        if (child.attrs['file'] !== undefined) out.memoryFile = child.attrs['file'];
        break;
      case 'disks':
        out.disks = child.children.map(readDisk);
        break;
      case 'active':
        out.current = child.text.trim() === '1';
        break;
      case 'domain':
        out.domainXml = extractDomainXml(xml);
        break;
      default:
        if (!IGNORED.has(child.name)) throw notSupported(child);
    }
  }
  return out;
}

function readName(e: XmlElement): string {
  const name = e.text.trim();
  if (name === '' || name.includes('/') || name === '.' || name === '..') {
    throw invalid(e, `snapshot name '${name}' is not usable`, {
      value: name,
      expected: "a name with no '/', not '.' or '..'",
    });
  }
  return name;
}

function readSeconds(e: XmlElement): number {
  const text = e.text.trim();
  if (!/^\d{1,12}$/.test(text))
    throw invalid(e, `'${text}' is not a time`, { value: text, expected: 'seconds since 1970' });
  return Number(text);
}

function readParent(e: XmlElement): string {
  const name = e.children.find((c) => c.name === 'name');
  if (!name) throw invalid(e, 'it has no <name>', { expected: '<parent><name>NAME</name></parent>' });
  return readName(name);
}

function readDisk(e: XmlElement): SnapshotDisk {
  if (e.name !== 'disk') throw notSupported(e);
  const name = e.attrs['name'];
  if (!name)
    throw invalid(e, "attribute 'name' is missing", { attribute: 'name', expected: 'a disk target' });
  const disk: SnapshotDisk = {
    name,
    snapshot: pick(e, e.attrs['snapshot'] ?? 'internal', LOCATIONS, 'snapshot'),
  };
  const source = e.children.find((c) => c.name === 'source');
  if (source?.attrs['file'] !== undefined) disk.file = source.attrs['file'];
  const driver = e.children.find((c) => c.name === 'driver');
  if (driver?.attrs['type'] !== undefined) disk.driverType = driver.attrs['type'];
  return disk;
}

function pick<T extends string>(e: XmlElement, value: string, allowed: readonly T[], attribute?: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw invalid(e, `'${value}' is not known`, {
    ...(attribute ? { attribute } : {}),
    value,
    expected: allowed.join(', '),
  });
}

/** The `<domain>...</domain>` text inside a snapshot document, as written. */
function extractDomainXml(xml: string): string {
  const start = xml.search(/<domain[\s>]/);
  const end = xml.lastIndexOf('</domain>');
  if (start < 0 || end < start) {
    throw new TsvirtError('ERR_XML_INVALID', 'snapshot XML: <domain> is not closed; expected </domain>', {
      element: 'domain',
    });
  }
  return unindent(xml.slice(start, end + '</domain>'.length));
}

/** Remove the common indent of every line but the first (the domain XML nested in a snapshot). */
function unindent(text: string): string {
  const lines = text.split('\n');
  const pads = lines
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => /^ */.exec(l)?.[0].length ?? 0);
  const cut = pads.length === 0 ? 0 : Math.min(...pads);
  return [lines[0], ...lines.slice(1).map((l) => l.slice(cut))].join('\n');
}

/** How formatSnapshotXml writes a snapshot. */
export interface SnapshotFormatOptions {
  /** The metadata file's form: adds `<active>` (1 for the current snapshot), as libvirt keeps it. */
  current?: boolean;
}

/** Write a snapshot as libvirt does (virsh snapshot-dumpxml), two-space indent. */
export function formatSnapshotXml(def: SnapshotDef, opts: SnapshotFormatOptions = {}): string {
  const root = el(
    'domainsnapshot',
    [],
    [
      el('name', [], def.name),
      def.description !== undefined && el('description', [], def.description),
      el('state', [], def.state),
      def.parent !== undefined && el('parent', [], [el('name', [], def.parent)]),
      el('creationTime', [], String(def.creationTime)),
      el('memory', [
        ['snapshot', def.memory],
        ['file', def.memoryFile],
      ]),
      def.disks.length > 0 && el('disks', [], def.disks.map(buildDiskNode)),
      def.domainXml !== undefined && buildVerbatim(def.domainXml),
      opts.current !== undefined && el('active', [], opts.current ? '1' : '0'),
    ],
  );
  return renderXml(root);
}

function buildDiskNode(d: SnapshotDisk): XmlNode {
  if (d.snapshot !== 'external')
    return el('disk', [
      ['name', d.name],
      ['snapshot', d.snapshot],
    ]);
  return el(
    'disk',
    [
      ['name', d.name],
      ['snapshot', 'external'],
      ['type', 'file'],
    ],
    [d.driverType !== undefined && el('driver', [['type', d.driverType]]), el('source', [['file', d.file]])],
  );
}

/** A node that writes XML text as it is, indented to its depth. */
function buildVerbatim(xml: string): XmlNode {
  return {
    name: 'domain',
    render: (depth) =>
      xml
        .trimEnd()
        .split('\n')
        .map((line) => (line === '' ? line : '  '.repeat(depth) + line))
        .join('\n') + '\n',
  };
}

/** Where a snapshot keeps its data: external when memory or any disk is, else internal. */
export function snapshotLocation(def: Pick<SnapshotDef, 'memory' | 'disks'>): 'internal' | 'external' {
  return def.memory === 'external' || def.disks.some((d) => d.snapshot === 'external')
    ? 'external'
    : 'internal';
}
