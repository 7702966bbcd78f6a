/**
 * The migration cookie: an opaque blob each phase hands the next through the client. tsvirt writes it
 * in libvirt's shape, a NUL-terminated `<qemu-migration>` document, so that libvirtd on the other side
 * takes it: the domain's name and uuid, the sending host's name and uuid (libvirt refuses a cookie
 * without them, and one from its own host uuid), the mandatory features as `<feature name='X'/>`, and
 * (for --persistent) the definition to keep as a `<domain>` child. Pure.
 */
import { TsvirtError } from '../../errors.js';

/**
 * libvirt's cookie features (qemuMigrationCookieFlag). A sender lists the ones the receiver must
 * understand; an unknown or unsupported one is refused, as libvirt does.
 */
export const COOKIE_FEATURES = [
  'graphics',
  'lockstate',
  'persistent',
  'network',
  'nbd',
  'statistics',
  'memory-hotplug',
  'cpu-hotplug',
  'cpu',
  'allowReboot',
  'capabilities',
  'block-dirty-bitmaps',
] as const;
export type CookieFeature = (typeof COOKIE_FEATURES)[number];

/**
 * Mandatory features tsvirt cannot honour, with why. lockstate is honoured only without a lock driver
 * (libvirt's default 'nop' lists the feature with no lease in it).
 */
const REFUSED_FEATURES: Partial<Record<CookieFeature, string>> = {
  'memory-hotplug': 'the guest has hot-plugged memory, which tsvirt does not migrate',
  'cpu-hotplug': 'the guest has hot-pluggable vCPUs, which tsvirt does not migrate',
  network: 'the guest has virtual port profiles (Open vSwitch port data), which tsvirt does not migrate',
  'block-dirty-bitmaps': 'the guest has block dirty bitmaps, which tsvirt does not migrate',
};

/** What a cookie carries. */
export interface MigrationCookie {
  name: string;
  uuid: string;
  hostname: string;
  /** The sending host's uuid; libvirt requires it and refuses its own. */
  hostUuid?: string;
  /** Features the receiver must understand (`<feature name='X'/>`). */
  features?: CookieFeature[];
  /** The persistent definition (domain XML) the destination defines with PERSIST_DEST. */
  persistentXml?: string;
  /** Storage copy: the disks the source copies with their sizes (Begin), the destination's NBD port (Prepare). */
  nbd?: { port?: number; disks: CopiedDisk[] };
}

/** A disk a storage copy moves: its target and its virtual size. */
export interface CopiedDisk {
  target: string;
  capacityBytes: bigint;
}

/** REMOTE_MIGRATE_COOKIE_MAX: the largest cookie the wire carries. */
export const MIGRATE_COOKIE_MAX_BYTES = 4_194_304;

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function unescapeText(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&apos;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

/** The cookie's bytes: the document and a NUL, as libvirt sends it. */
export function encodeMigrationCookie(c: MigrationCookie): Buffer {
  const lines = [
    '<qemu-migration>',
    `  <name>${escapeText(c.name)}</name>`,
    `  <uuid>${escapeText(c.uuid)}</uuid>`,
    `  <hostname>${escapeText(c.hostname)}</hostname>`,
  ];
  if (c.hostUuid !== undefined) lines.push(`  <hostuuid>${escapeText(c.hostUuid)}</hostuuid>`);
  for (const f of c.features ?? []) lines.push(`  <feature name='${f}'/>`);
  if (c.persistentXml !== undefined) lines.push(c.persistentXml.trim());
  if (c.nbd !== undefined) {
    lines.push(`  <nbd${c.nbd.port === undefined ? '' : ` port='${c.nbd.port}'`}>`);
    for (const d of c.nbd.disks) {
      lines.push(`    <disk target='${escapeText(d.target)}' capacity='${d.capacityBytes}'/>`);
    }
    lines.push('  </nbd>');
  }
  lines.push('</qemu-migration>', '');
  return Buffer.from(`${lines.join('\n')}\0`, 'utf8');
}

function badCookie(why: string, text: string): TsvirtError {
  return new TsvirtError('ERR_INVALID_ARG', `the migration cookie is not usable: ${why}`, {
    field: 'cookie_in',
    value: text.slice(0, 200),
    expected: 'a <qemu-migration> document',
  });
}

/** The element `tag` in `text` (the root's own children, nested documents cut out); undefined when absent. */
function readElement(text: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(text);
  return m ? unescapeText(m[1] as string) : undefined;
}

/** `text` split into the nested element `tag` (first opening to last closing) and the rest. */
function cutOut(text: string, tag: string): { inner?: string; rest: string } {
  const open = new RegExp(`<${tag}[\\s>]`).exec(text);
  const close = text.lastIndexOf(`</${tag}>`);
  if (!open || close < open.index) return { rest: text };
  const end = close + `</${tag}>`.length;
  return { inner: text.slice(open.index, end), rest: text.slice(0, open.index) + text.slice(end) };
}

/** The root's `<feature name='X'/>` children; an unknown or unsupported one is ERR_NOT_SUPPORTED. */
function readFeatures(outer: string): CookieFeature[] {
  const names = [...outer.matchAll(/<feature\s+name=(?:'([^']*)'|"([^"]*)")\s*\/>/g)].map(
    (m) => (m[1] ?? m[2]) as string,
  );
  for (const name of names) {
    const known = (COOKIE_FEATURES as readonly string[]).includes(name);
    const why = known ? REFUSED_FEATURES[name as CookieFeature] : 'tsvirt does not know this feature';
    if (why !== undefined) {
      throw new TsvirtError(
        'ERR_NOT_SUPPORTED',
        `migration cookie feature '${name}' is not supported: ${why}`,
        {
          field: 'cookie_in',
          value: name,
          expected: COOKIE_FEATURES.filter((f) => REFUSED_FEATURES[f] === undefined).join(', '),
        },
      );
    }
  }
  return names as CookieFeature[];
}

/** A lock driver other than none/nop holds leases tsvirt cannot take over. */
function checkLockstate(outer: string): void {
  const driver = /<lockstate\s+driver=(?:'([^']*)'|"([^"]*)")/.exec(outer);
  const name = driver?.[1] ?? driver?.[2];
  if (name === undefined || name === 'nop') return;
  throw new TsvirtError(
    'ERR_NOT_SUPPORTED',
    `migration cookie: the source holds leases of lock driver '${name}', which tsvirt has not; migrate from a host without a lock manager`,
    { field: 'cookie_in', value: name, expected: 'nop' },
  );
}

/**
 * A cookie's contents; an empty cookie (a client that sends none) is undefined. A cookie that is not a
 * `<qemu-migration>` document, or lacks the name or uuid, is ERR_INVALID_ARG; one that makes a feature
 * tsvirt cannot honour mandatory is ERR_NOT_SUPPORTED. What tsvirt does not use (libvirt's <cpu>,
 * <capabilities>, <statistics>, <graphics>) is read past.
 */
export function decodeMigrationCookie(bytes: Buffer): MigrationCookie | undefined {
  const text = bytes.toString('utf8').replace(/\0+$/, '').trim();
  if (text === '') return undefined;
  if (!text.startsWith('<qemu-migration>') || !text.endsWith('</qemu-migration>')) {
    throw badCookie('it is not a <qemu-migration> document', text);
  }
  // The nested documents have names, uuids and features of their own: cut them out first.
  const legacy = cutOut(text, 'persistent');
  const domain = cutOut(legacy.rest, 'domain');
  const outer = cutOut(domain.rest, 'cpu').rest;
  const name = readElement(outer, 'name');
  const uuid = readElement(outer, 'uuid');
  if (name === undefined || uuid === undefined) throw badCookie('it names no domain (name, uuid)', text);
  const cookie: MigrationCookie = { name, uuid, hostname: readElement(outer, 'hostname') ?? '' };
  const hostUuid = readElement(outer, 'hostuuid');
  if (hostUuid !== undefined) cookie.hostUuid = hostUuid;
  const features = readFeatures(outer);
  if (features.length > 0) cookie.features = features;
  checkLockstate(outer);
  const nbd = /<nbd(?: port='(\d+)')?>([\s\S]*?)<\/nbd>|<nbd(?: port='(\d+)')?\/>/.exec(outer);
  if (nbd) {
    const port = nbd[1] ?? nbd[3];
    const disks = [...(nbd[2] ?? '').matchAll(/<disk target='([^']*)' capacity='(\d+)'\/>/g)].map((m) => ({
      target: unescapeText(m[1] as string),
      capacityBytes: BigInt(m[2] as string),
    }));
    cookie.nbd = { ...(port === undefined ? {} : { port: Number(port) }), disks };
  }
  if (domain.inner !== undefined) cookie.persistentXml = domain.inner.trim();
  else if (legacy.inner !== undefined) {
    cookie.persistentXml = legacy.inner.replace(/^<persistent>|<\/persistent>$/g, '').trim();
  }
  return cookie;
}
