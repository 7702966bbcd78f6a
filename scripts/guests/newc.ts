import { TsvirtError } from '../../src/errors.js';

/** One member of an initramfs archive; paths are relative to the root, without a leading slash. */
export type ArchiveEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Buffer; mode?: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'chardev'; path: string; major: number; minor: number; mode?: number };

/** File-type bits of the newc `mode` field (as in stat(2)). */
const FILE_TYPE = {
  dir: 0o040000, // S_IFDIR
  file: 0o100000, // S_IFREG
  symlink: 0o120000, // S_IFLNK
  chardev: 0o020000, // S_IFCHR
} as const;

/** Magic of the "new ASCII" cpio format without checksums, which the kernel unpacks. */
const NEWC_MAGIC = '070701';

/** Name of the member that ends a cpio archive. */
const TRAILER_NAME = 'TRAILER!!!';

function padTo4(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}

function hex8(value: number): string {
  return value.toString(16).padStart(8, '0');
}

/** One newc header: the magic, then 13 eight-digit hex fields, then the NUL-terminated name, padded. */
function encodeHeader(ino: number, body: EntryBody, name: string): Buffer {
  const nameBytes = Buffer.from(`${name}\0`, 'utf8');
  const fields = [
    ino,
    body.mode,
    0, // uid: root
    0, // gid: root
    body.nlink,
    0, // mtime: fixed, so the archive is reproducible
    body.data.length,
    0, // devmajor of the filesystem holding the member
    0, // devminor
    body.rdevMajor, // rdevmajor: the device a character node stands for
    body.rdevMinor, // rdevminor
    nameBytes.length, // namesize, with the NUL
    0, // check: always 0 in 070701
  ];
  const head = Buffer.from(NEWC_MAGIC + fields.map(hex8).join(''), 'latin1');
  return Buffer.concat([head, nameBytes, padTo4(head.length + nameBytes.length)]);
}

interface EntryBody {
  mode: number;
  nlink: number;
  data: Buffer;
  rdevMajor: number;
  rdevMinor: number;
}

const EMPTY = Buffer.alloc(0);

function entryBody(entry: ArchiveEntry): EntryBody {
  const plain = { nlink: 1, rdevMajor: 0, rdevMinor: 0 };
  switch (entry.kind) {
    case 'dir':
      return { ...plain, mode: FILE_TYPE.dir | (entry.mode ?? 0o755), nlink: 2, data: EMPTY };
    case 'file':
      return { ...plain, mode: FILE_TYPE.file | (entry.mode ?? 0o644), data: entry.data };
    case 'symlink':
      return { ...plain, mode: FILE_TYPE.symlink | 0o777, data: Buffer.from(entry.target, 'utf8') };
    case 'chardev':
      return {
        ...plain,
        mode: FILE_TYPE.chardev | (entry.mode ?? 0o600),
        data: EMPTY,
        rdevMajor: entry.major,
        rdevMinor: entry.minor,
      };
  }
}

const TRAILER_BODY: EntryBody = { mode: 0, nlink: 1, data: EMPTY, rdevMajor: 0, rdevMinor: 0 };

/** Encode members as a newc cpio archive (the initramfs format); members are written in the given order. */
export function encodeNewcArchive(entries: readonly ArchiveEntry[]): Buffer {
  const parts: Buffer[] = [];
  entries.forEach((entry, index) => {
    if (entry.path.startsWith('/') || entry.path.length === 0) {
      throw new TsvirtError(
        'ERR_INVALID_ARG',
        `newc: member path "${entry.path}" must be relative and non-empty`,
        {
          field: 'path',
          value: entry.path,
          expected: 'a relative, non-empty path',
        },
      );
    }
    const body = entryBody(entry);
    parts.push(encodeHeader(index + 1, body, entry.path), body.data, padTo4(body.data.length));
  });
  parts.push(encodeHeader(0, TRAILER_BODY, TRAILER_NAME));
  return Buffer.concat(parts);
}
