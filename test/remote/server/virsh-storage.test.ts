/** Real virsh against the server over TCP: pool and volume commands and their lookup chains, output checked exactly. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server-fixture.js';
import { VIRSH, virsh, type VirshResult } from './virsh-harness.js';

if (!VIRSH) console.warn('skipping virsh storage tests: virsh (libvirt-clients) is not installed');

const ok = (stdout: string): VirshResult => ({ code: 0, stdout, stderr: '' });

describe.skipIf(!VIRSH)('virsh storage commands', () => {
  let srv: TestServer;
  let dir = '';
  const v = (...args: string[]): Promise<VirshResult> => virsh(srv.tcpUri, args);

  beforeAll(async () => {
    srv = await startTestServer();
    dir = join(srv.root, 'p1dir');
  });
  afterAll(async () => {
    expect(await srv.stop()).toEqual([]);
  });

  it('defines, builds, starts and describes a dir pool', async () => {
    const file = join(srv.root, 'p1.xml');
    await writeFile(file, `<pool type='dir'><name>p1</name><target><path>${dir}</path></target></pool>`);
    expect(await v('pool-define', file)).toEqual(ok(`Pool p1 defined from ${file}\n\n`));
    expect(await v('pool-list', '--all')).toEqual(
      ok(
        ' Name      State      Autostart\n---------------------------------\n default   active     yes\n p1        inactive   no\n\n',
      ),
    );
    expect(await v('pool-build', 'p1')).toEqual(ok('Pool p1 built\n\n'));
    expect(await v('pool-start', 'p1')).toEqual(ok('Pool p1 started\n\n'));
    expect(await v('pool-autostart', 'p1')).toEqual(ok('Pool p1 marked as autostarted\n\n'));
    const uuid = (await srv.conn.lookupStoragePoolByName('p1')).uuid;
    const info = await v('pool-info', 'p1');
    expect(info.stdout).toMatch(
      new RegExp(
        `^Name:           p1\nUUID:           ${uuid}\nState:          running\nPersistent:     yes\nAutostart:      yes\nCapacity:       .+\nAllocation:     .+\nAvailable:      .+\n\n$`,
      ),
    );
    expect(await v('pool-refresh', 'p1')).toEqual(ok('Pool p1 refreshed\n\n'));
    const xml = await srv.conn.storagePoolGetXMLDesc(await srv.conn.lookupStoragePoolByName('p1'));
    // Allocation and free space move with other work on the host's disk between the two reads.
    const maskSizes = (text: string): string => text.replace(/(unit=['"]bytes['"]>)\d+/g, '$1N');
    const dumped = await v('pool-dumpxml', 'p1');
    expect({ ...dumped, stdout: maskSizes(dumped.stdout) }).toEqual(ok(maskSizes(`${xml}\n`)));
    expect(await v('pool-info', 'nope')).toEqual({
      code: 1,
      stdout: '\n',
      stderr:
        "error: failed to get pool 'nope'\nerror: Storage pool not found: no storage pool with matching name 'nope'\n",
    });
  });

  it('creates, clones, inspects, resizes and deletes volumes, with lookups by name, key and path', async () => {
    expect(await v('vol-create-as', 'p1', 'v1.img', '10M', '--format', 'raw')).toEqual(
      ok('Vol v1.img created\n\n'),
    );
    const file = join(srv.root, 'v2.xml');
    await writeFile(file, '<volume><name>v2.img</name><capacity>1048576</capacity></volume>');
    expect(await v('vol-create', 'p1', file)).toEqual(ok(`Vol v2.img created from ${file}\n\n`));
    expect(await v('vol-clone', 'v1.img', 'v3.img', '--pool', 'p1')).toEqual(
      ok('Vol v3.img cloned from v1.img\n\n'),
    );
    const path1 = join(dir, 'v1.img');
    const rows = ['v1.img', 'v2.img', 'v3.img'].map((n) => ` ${n}   ${join(dir, n)}`);
    const dashes = '-'.repeat(Math.max(...rows.map((r) => r.length)) + 2);
    expect((await v('vol-list', 'p1')).stdout).toBe(` Name     Path\n${dashes}\n${rows.join('\n')}\n\n`);
    const volInfo =
      'Name:           v1.img\nType:           file\nCapacity:       10.00 MiB\nAllocation:     10.00 MiB\n\n';
    expect(await v('vol-info', 'v1.img', '--pool', 'p1')).toEqual(ok(volInfo));
    expect(await v('vol-info', path1)).toEqual(ok(volInfo)); // key, then path
    expect(await v('vol-path', 'v1.img', '--pool', 'p1')).toEqual(ok(`${path1}\n\n`));
    expect(await v('vol-resize', 'v1.img', '20M', '--pool', 'p1')).toEqual(
      ok("Size of volume 'v1.img' successfully changed to 20M\n\n"),
    );
    const vol = await srv.conn.storageVolLookupByPath(path1);
    expect(await v('vol-dumpxml', 'v1.img', '--pool', 'p1')).toEqual(
      ok(`${await srv.conn.storageVolGetXMLDesc(vol)}\n`),
    );
    for (const n of ['v1.img', 'v2.img', 'v3.img']) {
      expect(await v('vol-delete', n, '--pool', 'p1')).toEqual(ok(`Vol ${n} deleted\n\n`));
    }
    expect(await v('vol-list', 'p1')).toEqual(ok(' Name   Path\n--------------\n\n'));
  });

  it('stops, deletes and undefines the pool; pool-define-as defines another', async () => {
    expect(await v('pool-destroy', 'p1')).toEqual(ok('Pool p1 destroyed\n\n'));
    expect(await v('pool-delete', 'p1')).toEqual(ok('Pool p1 deleted\n\n'));
    expect(await v('pool-undefine', 'p1')).toEqual(ok('Pool p1 has been undefined\n\n'));
    expect(await v('pool-define-as', 'p2', 'dir', '--target', join(srv.root, 'p2dir'))).toEqual(
      ok('Pool p2 defined\n\n'),
    );
    expect(await v('pool-list', '--all', '--name')).toEqual(
      ok(`${'default'.padEnd(20)}\n${'p2'.padEnd(20)}\n\n`),
    );
  });
});
