/**
 * The migration cookie: an opaque blob each phase hands the next through the client. tsvirt writes it
 * in libvirt's shape, a NUL-terminated `<qemu-migration>` document, with what its peer needs: the
 * domain's name and uuid, the sending host's name, and (for --persistent) the definition to keep. Pure.
 */
import { TsvirtError } from '../../errors.js';

/** What a cookie carries. */
export interface MigrationCookie {
  name: string;
  uuid: string;
  hostname: string;
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
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The cookie's bytes: the document and a NUL, as libvirt sends it. */
export function encodeMigrationCookie(c: MigrationCookie): Buffer {
  const lines = [
    '<qemu-migration>',
    `  <name>${escapeText(c.name)}</name>`,
    `  <uuid>${escapeText(c.uuid)}</uuid>`,
    `  <hostname>${escapeText(c.hostname)}</hostname>`,
  ];
  if (c.nbd !== undefined) {
    lines.push(`  <nbd${c.nbd.port === undefined ? '' : ` port='${c.nbd.port}'`}>`);
    for (const d of c.nbd.disks) {
      lines.push(`    <disk target='${escapeText(d.target)}' capacity='${d.capacityBytes}'/>`);
    }
    lines.push('  </nbd>');
  }
  if (c.persistentXml !== undefined) lines.push(`  <persistent>${c.persistentXml.trim()}</persistent>`);
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

/** The element `tag` directly under the root, outside `<persistent>`; undefined when absent. */
function readElement(text: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(text);
  return m ? unescapeText(m[1] as string) : undefined;
}

/**
 * A cookie's contents; an empty cookie (a client that sends none) is undefined. A cookie that is not a
 * `<qemu-migration>` document, or lacks the name or uuid, is ERR_INVALID_ARG.
 */
export function decodeMigrationCookie(bytes: Buffer): MigrationCookie | undefined {
  const text = bytes.toString('utf8').replace(/\0+$/, '').trim();
  if (text === '') return undefined;
  if (!text.startsWith('<qemu-migration>') || !text.endsWith('</qemu-migration>')) {
    throw badCookie('it is not a <qemu-migration> document', text);
  }
  const open = text.indexOf('<persistent>');
  const close = text.lastIndexOf('</persistent>');
  const outer = open >= 0 && close > open ? text.slice(0, open) + text.slice(close) : text;
  const name = readElement(outer, 'name');
  const uuid = readElement(outer, 'uuid');
  if (name === undefined || uuid === undefined) throw badCookie('it names no domain (name, uuid)', text);
  const cookie: MigrationCookie = { name, uuid, hostname: readElement(outer, 'hostname') ?? '' };
  const nbd = /<nbd(?: port='(\d+)')?>([\s\S]*?)<\/nbd>|<nbd(?: port='(\d+)')?\/>/.exec(outer);
  if (nbd) {
    const port = nbd[1] ?? nbd[3];
    const disks = [...(nbd[2] ?? '').matchAll(/<disk target='([^']*)' capacity='(\d+)'\/>/g)].map((m) => ({
      target: unescapeText(m[1] as string),
      capacityBytes: BigInt(m[2] as string),
    }));
    cookie.nbd = { ...(port === undefined ? {} : { port: Number(port) }), disks };
  }
  if (open >= 0 && close > open)
    cookie.persistentXml = text.slice(open + '<persistent>'.length, close).trim();
  return cookie;
}
