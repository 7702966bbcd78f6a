/**
 * The walk-through our users follow (shared/WALKTHROUGH.md), typed into the real virsh over
 * qemu+tcp: a VM kvm1 with an 8 GiB volume from the default pool, running; a logical pool HostVG on
 * a volume group, built, started, with a 100 MiB volume newlv; everything listed.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuests } from '../../../scripts/guests/paths.js';
import { EmbeddedConnection } from '../../../src/embedded/embedded-connection.js';
import { run } from '../../../src/exec/index.js';
import { RpcServer } from '../../../src/remote/server/index.js';
import { findProcessesUnder } from '../../driver/helpers.js';
import { VIRSH, virsh } from './virsh-harness.js';

const isRoot = process.getuid?.() === 0;
const skipReason = !VIRSH
  ? 'virsh (libvirt-clients) is not installed'
  : !isRoot
    ? 'the logical pool needs root and a loop device'
    : undefined;
if (skipReason) console.warn(`walk-through over virsh skipped: ${skipReason}`);

describe.skipIf(skipReason !== undefined)('the walk-through, with the real virsh over qemu+tcp', () => {
  const vg = `tsvirtwalk_${randomBytes(4).toString('hex')}`;
  const tmp = mkdtempSync(join(tmpdir(), 'tsvirt-walk-'));
  chmodSync(tmp, 0o711); // the qemu user passes through to the root below
  const root = join(tmp, 'root');
  const lvmEnv = { LVM_SYSTEM_DIR: join(tmp, 'lvm'), LVM_SUPPRESS_FD_WARNINGS: '1' };
  let loop = '';
  let conn: EmbeddedConnection;
  let rpc: RpcServer;
  let listener: Server;
  const sockets = new Set<Socket>();
  let uri = '';
  const sh = (...args: string[]) => virsh(uri, args, { timeoutMs: 30_000 });

  beforeAll(async () => {
    await run(['truncate', '-s', '256M', join(tmp, 'disk')]);
    loop = (await run(['losetup', '-f', '--show', join(tmp, 'disk')])).stdout.trim();
    // This kernel has no device-mapper: LVs exist in the metadata only (see HOST-FACTS), and the
    // tools see only our loop device.
    mkdirSync(lvmEnv.LVM_SYSTEM_DIR);
    writeFileSync(
      join(lvmEnv.LVM_SYSTEM_DIR, 'lvm.conf'),
      `global {\n  activation = 0\n}\ndevices {\n  filter = [ "a|^${loop}$|", "r|.*|" ]\n}\n`,
    );
    conn = await EmbeddedConnection.open({ root, lvmEnv });
    rpc = new RpcServer(conn);
    listener = createServer((sock) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      rpc.handleSocket(sock, { readOnly: false, transport: 'tcp' });
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    uri = `qemu+tcp://127.0.0.1:${(listener.address() as { port: number }).port}/system`;
  }, 120_000);

  afterAll(async () => {
    await rpc?.close();
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => listener?.close(resolve));
    await conn?.close();
    const left = await findProcessesUnder(root);
    for (const pid of left) process.kill(pid, 'SIGKILL');
    if (loop) {
      await run(['vgremove', '-f', vg], { env: lvmEnv }).catch(() => undefined);
      await run(['pvremove', '-y', loop], { env: lvmEnv }).catch(() => undefined);
      await run(['losetup', '-d', loop]);
    }
    rmSync(tmp, { recursive: true, force: true });
    expect(left).toEqual([]);
  });

  it('runs kvm1 with an 8 GiB volume of the default pool, and a logical pool HostVG with newlv', async () => {
    const { bootSectorImage } = await ensureGuests();
    expect(await sh('pool-list', '--all')).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/ default +active +yes/),
    });

    // "Adding an 8 GiB disk to kvm1 in the default pool creates the file kvm1.img."
    expect(await sh('vol-create-as', 'default', 'kvm1.img', '8G')).toEqual({
      code: 0,
      stdout: 'Vol kvm1.img created\n\n',
      stderr: '',
    });
    const volPath = (await sh('vol-path', 'kvm1.img', '--pool', 'default')).stdout.trim();
    expect(volPath).toBe(join(root, 'images', 'kvm1.img'));
    expect(statSync(volPath).size).toBe(8589934592);

    const xmlFile = join(tmp, 'kvm1.xml');
    writeFileSync(
      xmlFile,
      `<domain type='qemu'>
  <name>kvm1</name>
  <memory unit='MiB'>64</memory>
  <vcpu>2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${bootSectorImage}'/><target dev='hda' bus='ide'/></disk>
    <disk type='volume' device='disk'><driver name='qemu' type='raw'/><source pool='default' volume='kvm1.img'/><target dev='vdb' bus='virtio'/></disk>
    <serial type='pty'/>
  </devices>
</domain>
`,
    );
    expect(await sh('define', xmlFile)).toEqual({
      code: 0,
      stdout: `Domain 'kvm1' defined from ${xmlFile}\n\n`,
      stderr: '',
    });
    expect(await sh('start', 'kvm1')).toEqual({ code: 0, stdout: "Domain 'kvm1' started\n\n", stderr: '' });
    expect((await sh('list')).stdout).toMatch(/^ Id +Name +State\n-+\n 1 +kvm1 +running\n\n$/);
    const blk = (await sh('domblklist', 'kvm1')).stdout;
    expect(blk).toContain(`hda      ${bootSectorImage}`);
    expect(blk).toMatch(/vdb +\S*kvm1\.img/);
    // One VM is one qemu process, with the volume's file on its command line.
    const pid = Number((await run(['cat', join(root, 'run', 'qemu', 'kvm1.pid')])).stdout.trim());
    expect((await run(['cat', `/proc/${pid}/cmdline`])).stdout.split('\0')).toContain('-uuid');
    expect((await run(['cat', `/proc/${pid}/cmdline`])).stdout).toContain(volPath);

    // The LVM pool, defined from a file as the tutorial has it, then built and started.
    const poolFile = join(tmp, 'HostVG.xml');
    writeFileSync(
      poolFile,
      `<pool type='logical'>
  <name>HostVG</name>
  <source><device path='${loop}'/><name>${vg}</name><format type='lvm2'/></source>
  <target><path>/dev/${vg}</path></target>
</pool>
`,
    );
    expect(await sh('pool-define', poolFile)).toEqual({
      code: 0,
      stdout: `Pool HostVG defined from ${poolFile}\n\n`,
      stderr: '',
    });
    expect(await sh('pool-build', 'HostVG')).toEqual({
      code: 0,
      stdout: 'Pool HostVG built\n\n',
      stderr: '',
    });
    expect(await sh('pool-start', 'HostVG')).toEqual({
      code: 0,
      stdout: 'Pool HostVG started\n\n',
      stderr: '',
    });
    expect(await sh('vol-create-as', 'HostVG', 'newlv', '100M')).toEqual({
      code: 0,
      stdout: 'Vol newlv created\n\n',
      stderr: '',
    });
    // "The host then shows a new LV named newlv."
    const lvs = await run(['lvs', '--reportformat', 'json', '--units', 'b', '-o', 'lv_name,lv_size', vg], {
      env: lvmEnv,
    });
    expect(JSON.parse(lvs.stdout).report[0].lv).toEqual([{ lv_name: 'newlv', lv_size: '104857600B' }]);

    const pools = (await sh('pool-list', '--all')).stdout;
    expect(pools).toMatch(/ HostVG +active +no\n/);
    expect(pools).toMatch(/ default +active +yes\n/);
    expect((await sh('vol-list', 'HostVG')).stdout).toMatch(new RegExp(` newlv +/dev/${vg}/newlv\\n`));
    expect((await sh('vol-list', 'default')).stdout).toMatch(/ kvm1\.img +\S+\/images\/kvm1\.img\n/);
    expect((await sh('list', '--all')).stdout).toMatch(/ 1 +kvm1 +running\n/);

    expect((await sh('destroy', 'kvm1')).code).toBe(0);
    expect(await sh('vol-delete', 'newlv', '--pool', 'HostVG')).toEqual({
      code: 0,
      stdout: 'Vol newlv deleted\n\n',
      stderr: '',
    });
    expect((await sh('pool-destroy', 'HostVG')).code).toBe(0);
    expect((await sh('pool-delete', 'HostVG')).code).toBe(0);
    expect((await sh('pool-undefine', 'HostVG')).code).toBe(0);
  }, 120_000);
});
