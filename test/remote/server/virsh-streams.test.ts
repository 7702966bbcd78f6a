/** Real virsh's vol-upload and vol-download against the server: libvirt's stream packets both ways. */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server-fixture.js';
import { VIRSH, virsh } from './virsh-harness.js';

if (!VIRSH) console.warn('skipping virsh stream tests: virsh (libvirt-clients) is not installed');

describe.skipIf(!VIRSH)('virsh vol-upload and vol-download', () => {
  let srv: TestServer;
  // 3 MiB: larger than one stream packet (256 KiB), so the transfer takes many packets.
  const data = randomBytes(3 * 1024 * 1024);

  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => {
    expect(await srv.stop()).toEqual([]);
  });

  it('uploads a file into a volume and downloads it back, whole and by offset and length', async () => {
    const v = (...args: string[]) => virsh(srv.tcpUri, args, { timeoutMs: 60_000 });
    expect((await v('vol-create-as', 'default', 'up.img', '4M', '--format', 'raw')).code).toBe(0);
    const src = join(srv.root, 'src.bin');
    await writeFile(src, data);
    expect(await v('vol-upload', 'up.img', src, '--pool', 'default')).toEqual({
      code: 0,
      stdout: '\n',
      stderr: '',
    });
    const pool = await srv.conn.lookupStoragePoolByName('default');
    const volPath = await srv.conn.storageVolGetPath(await srv.conn.storageVolLookupByName(pool, 'up.img'));
    expect((await readFile(volPath)).subarray(0, data.length).equals(data)).toBe(true);

    const whole = join(srv.root, 'whole.bin');
    expect((await v('vol-download', 'up.img', whole, '--pool', 'default')).code).toBe(0);
    const back = await readFile(whole);
    expect(back.length).toBe(4 * 1024 * 1024);
    expect(back.subarray(0, data.length).equals(data)).toBe(true);

    const part = join(srv.root, 'part.bin');
    const offset = 1000000;
    const length = 777777;
    expect(
      (
        await v(
          'vol-download',
          'up.img',
          part,
          '--pool',
          'default',
          '--offset',
          String(offset),
          '--length',
          String(length),
        )
      ).code,
    ).toBe(0);
    expect((await readFile(part)).equals(data.subarray(offset, offset + length))).toBe(true);
  }, 90_000);
});
