/**
 * Full and read-only disk: a root on a 2 MiB tmpfs that fills up makes define and vol-create fail with
 * a clear error while every existing definition survives a reopen byte for byte; remounted read-only,
 * mutating calls fail clearly and reads still work.
 */
import { mkdir, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/connection.js';
import { EmbeddedConnection } from '../../src/embedded/embedded-connection.js';
import { isTsvirtError } from '../../src/errors.js';
import { run } from '../../src/exec/index.js';
import { buildBootSectorXml } from '../driver/helpers.js';
import { mountSmallTmpfs, unmountSmallTmpfs, whyNoTmpfs } from '../fs/small-tmpfs.js';

const INACTIVE = 2;

const why = await whyNoTmpfs();
if (why) console.warn(`reliability full disk: skipped: ${why}`);
/** The root: a 2 MiB tmpfs, mounted before the tests. */
let root = '';
const opened: Connection[] = [];

beforeAll(async () => {
  if (!why) root = await mountSmallTmpfs('tsvirt-full', '2m');
});

afterAll(async () => {
  for (const conn of opened.splice(0)) await conn.close().catch(() => undefined);
  await unmountSmallTmpfs(root);
});

async function openRoot(): Promise<EmbeddedConnection> {
  const conn = await EmbeddedConnection.open({ root, lockTimeoutMs: 2_000 });
  opened.push(conn);
  return conn;
}

async function closeConn(conn: Connection): Promise<void> {
  opened.splice(opened.indexOf(conn), 1);
  await conn.close();
}

/** Writes zeros to `path` until the file system has no room left; returns the bytes written. */
async function fillDisk(path: string): Promise<number> {
  const fh = await open(path, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  let written = 0;
  try {
    for (let size = chunk.length; size >= 1;) {
      try {
        written += (await fh.write(chunk, 0, size)).bytesWritten;
      } catch {
        size = Math.floor(size / 2);
      }
    }
  } finally {
    await fh.close();
  }
  return written;
}

/** Expects `p` to fail with one of `codes` and a message naming `subject` (by default, the root). */
async function expectClearFailure(p: Promise<unknown>, codes: string[], subject = root): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isTsvirtError(err), String(err)).toBe(true);
  const e = err as { code: string; message: string };
  expect(codes).toContain(e.code);
  expect(e.message).toContain(subject);
  return `${e.code}: ${e.message}`;
}

/** Every domain's and pool's persistent XML, by name. */
async function snapshotDefinitions(conn: Connection): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const d of await conn.listAllDomains())
    out[`domain ${d.name}`] = await conn.domainGetXMLDesc(d, INACTIVE);
  for (const p of await conn.listAllStoragePools()) {
    // Sizes are live facts of the file system, not part of the definition.
    const xml = await conn.storagePoolGetXMLDesc(p, 0);
    out[`pool ${p.name}`] = xml.replace(/\s*<(capacity|allocation|available)\b[^>]*>[^<]*<\/\1>/g, '');
    for (const v of await conn.storagePoolListAllVolumes(p)) out[`volume ${p.name}/${v.name}`] = v.key;
  }
  return out;
}

const domainXml = (name: string, description: string, uuid?: string): string =>
  buildBootSectorXml(name, join(root, 'none.img'), {
    memMiB: 32,
    ...(uuid ? { uuid } : {}),
    extra: `\n  <description>${description}</description>`,
  });

describe.skipIf(why !== undefined)('a root on a small tmpfs', () => {
  it('refuses define and vol-create clearly when full, and keeps every definition intact across a reopen', async () => {
    const conn = await openRoot();
    const uuids: string[] = [];
    for (let i = 0; i < 5; i++)
      uuids.push((await conn.domainDefineXML(domainXml(`full${i}`, `kept ${i}`))).uuid);
    await mkdir(join(root, 'pool'), { recursive: true });
    const pool = await conn.storagePoolDefineXML(
      `<pool type='dir'><name>small</name><target><path>${join(root, 'pool')}</path></target></pool>`,
    );
    await conn.storagePoolCreate(pool);
    await conn.storageVolCreateXML(
      pool,
      `<volume><name>a.qcow2</name><capacity>1048576</capacity><target><format type='qcow2'/></target></volume>`,
    );
    const before = await snapshotDefinitions(conn);
    const filled = await fillDisk(join(root, 'filler'));
    const failures = [
      await expectClearFailure(conn.domainDefineXML(domainXml('full9', 'new')), ['ERR_NO_SPACE', 'ERR_IO']),
      await expectClearFailure(conn.domainDefineXML(domainXml('full0', 'changed', uuids[0])), [
        'ERR_NO_SPACE',
        'ERR_IO',
      ]),
      await expectClearFailure(
        conn.storageVolCreateXML(
          pool,
          `<volume><name>b.qcow2</name><capacity>1048576</capacity><target><format type='qcow2'/></target></volume>`,
        ),
        ['ERR_NO_SPACE', 'ERR_IO'],
        "pool 'small'",
      ),
      await expectClearFailure(
        conn.storageVolCreateXML(
          pool,
          `<volume><name>c.raw</name><capacity>1048576</capacity><allocation>1048576</allocation><target><format type='raw'/></target></volume>`,
        ),
        ['ERR_NO_SPACE', 'ERR_IO'],
        "pool 'small'",
      ),
    ];
    expect(await snapshotDefinitions(conn)).toEqual(before);
    await closeConn(conn);
    // A restart on the still-full disk either lists everything or fails clearly (the root lock is a file).
    const whileFull = await openRoot().then(
      async (c) => {
        expect(await snapshotDefinitions(c)).toEqual(before);
        await closeConn(c);
        return 'reopened and listed everything';
      },
      async (err: unknown) => {
        expect(isTsvirtError(err, 'ERR_NO_SPACE'), String(err)).toBe(true);
        expect((err as Error).message).toContain(root);
        return `could not reopen (${(err as Error).message})`;
      },
    );
    expect((await readdir(join(root, 'run'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await rm(join(root, 'filler'));
    const again = await openRoot();
    expect(await snapshotDefinitions(again)).toEqual(before);
    await closeConn(again);
    console.log(
      `reliability full disk: filled ${filled} bytes; ${failures.length} refusals:\n  ${failures.join('\n  ')}\n` +
        `  while full: ${whileFull}; ${Object.keys(before).length} definitions intact after a reopen`,
    );
  });

  it('refuses mutating calls clearly on a read-only root and still answers reads', async () => {
    await rm(join(root, 'filler'), { force: true });
    const conn = await openRoot();
    const before = await snapshotDefinitions(conn);
    await run(['mount', '-o', 'remount,ro', root], { timeoutMs: 10_000 });
    try {
      const pool = await conn.lookupStoragePoolByName('small');
      const failures = [
        await expectClearFailure(conn.domainDefineXML(domainXml('ro9', 'new')), ['ERR_IO']),
        await expectClearFailure(conn.domainUndefine(await conn.lookupDomainByName('full1')), ['ERR_IO']),
        await expectClearFailure(
          conn.storageVolCreateXML(
            pool,
            `<volume><name>d.qcow2</name><capacity>1048576</capacity><target><format type='qcow2'/></target></volume>`,
          ),
          ['ERR_IO', 'ERR_NO_SPACE'],
        ),
      ];
      expect(await snapshotDefinitions(conn)).toEqual(before);
      console.log(`reliability read-only root: ${failures.length} refusals:\n  ${failures.join('\n  ')}`);
    } finally {
      await run(['mount', '-o', 'remount,rw', root], { timeoutMs: 10_000 });
    }
    await closeConn(conn);
  });
});
