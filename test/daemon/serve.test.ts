/** tsvirtd as a real process serving virsh: sockets, pidfile, TCP, SIGTERM, re-adoption, -d, -t. */
import { copyFileSync, existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CommandFailedError, run } from '../../src/exec/index.js';
import { connectRemote } from '../../src/remote/index.js';
import { WsConnection } from '../../src/ws/index.js';
import { guestPaths } from '../../scripts/guests/paths.js';
import { buildBootSectorXml, cleanupRoot, isAlive, waitUntil } from '../driver/helpers.js';
import {
  createTestGroup,
  deleteTestGroup,
  findFreePort,
  isTcpOpen,
  makeDaemonRoot,
  startDaemon,
  stopDaemon,
  TSVIRTD_JS,
  whyNoDist,
  type DaemonProcess,
} from './daemon-harness.js';

const noDist = whyNoDist();
const noVirsh = existsSync('/usr/bin/virsh') ? undefined : 'virsh (libvirt-clients) is not installed';
const noGuest = existsSync(guestPaths().bootSectorImage)
  ? undefined
  : 'the boot-sector guest is not built (npm run setup)';
for (const why of [noDist, noVirsh, noGuest]) if (why) console.warn(`daemon serving tests: ${why}`);

let group: { name: string; gid: number } | undefined;
const roots: string[] = [];
const daemons: DaemonProcess[] = [];

beforeAll(async () => {
  group = await createTestGroup();
  if (!group) console.warn("groupadd failed: socket group checks use the daemon's own group");
});

afterAll(async () => {
  if (group) await deleteTestGroup(group.name);
});

afterEach(async () => {
  for (const d of daemons.splice(0)) await stopDaemon(d);
  for (const root of roots.splice(0)) expect(await cleanupRoot(root, [])).toEqual([]);
});

async function setUp(extra = ''): Promise<{ root: string; confPath: string; port: number; pidFile: string }> {
  const port = await findFreePort();
  const groupLine = group ? `unix_sock_group = "${group.name}"\n` : '';
  const conf = `listen_tls = 0\nlisten_tcp = 1\nlisten_addr = "127.0.0.1"\ntcp_port = "${port}"\nauth_tcp = "none"\nunix_sock_ro_perms = "0777"\nunix_sock_rw_perms = "0770"\n${groupLine}${extra}`;
  const { root, confPath } = await makeDaemonRoot(conf);
  roots.push(root);
  return { root, confPath, port, pidFile: join(root, 'run', 'tsvirtd.pid') };
}

async function start(args: string[], root: string, pidFile: string): Promise<DaemonProcess> {
  const d = await startDaemon(args, join(root, `tsvirtd-${daemons.length}.log`), pidFile);
  daemons.push(d);
  return d;
}

async function virsh(uri: string, ...args: string[]): Promise<string> {
  const r = await run(['virsh', '-c', uri, ...args], { timeoutMs: 30_000 });
  return r.stdout;
}

describe.skipIf(noDist !== undefined)('tsvirtd serving', () => {
  it('makes its sockets with the configured group and modes, writes its pidfile, reloads definitions on SIGHUP, and opens TCP only with -l', async () => {
    const { root, confPath, port, pidFile } = await setUp('log_level = 2\n');
    const d = await start(['-f', confPath, '--root', root], root, pidFile);
    const rw = await stat(join(root, 'run', 'libvirt-sock'));
    const ro = await stat(join(root, 'run', 'libvirt-sock-ro'));
    expect(rw.isSocket() && ro.isSocket()).toBe(true);
    expect(rw.mode & 0o7777).toBe(0o770);
    expect(ro.mode & 0o7777).toBe(0o777);
    if (group) expect([rw.gid, ro.gid]).toEqual([group.gid, group.gid]);
    expect(await readFile(pidFile, 'utf8')).toBe(`${d.child.pid}\n`);
    expect(await isTcpOpen(port)).toBe(false);
    // SIGHUP, as with libvirtd: the drivers read the definitions under etc/ again.
    await writeFile(join(root, 'etc', 'qemu', 'hup.xml'), buildBootSectorXml('hup', join(root, 'hup.img')));
    await writeFile(
      join(root, 'etc', 'storage', 'hupdir.xml'),
      `<pool type='dir'><name>hupdir</name><uuid>5b6c7d8e-9fa0-4b1c-8d2e-3f4a5b6c7d8e</uuid><target><path>${join(root, 'hupdir')}</path></target></pool>`,
    );
    process.kill(d.child.pid, 'SIGHUP');
    await waitUntil(async () => /SIGHUP: definitions read again/.test(await d.log()), 5_000, 'the reload');
    expect(d.exit).toBeUndefined();
    expect(await d.log()).toMatch(
      /SIGHUP: definitions read again: domains: 1 added \(hup\); pools: 1 added \(hupdir\); tsvirtd\.conf is read only at start/,
    );
    const client = await connectRemote(`qemu+unix:///system?socket=${join(root, 'run', 'libvirt-sock')}`);
    try {
      expect((await client.lookupDomainByName('hup')).name).toBe('hup');
      expect((await client.lookupStoragePoolByName('hupdir')).uuid).toBe(
        '5b6c7d8e-9fa0-4b1c-8d2e-3f4a5b6c7d8e',
      );
    } finally {
      await client.close();
    }
    expect(await stopDaemon(d)).toEqual({ exitCode: 0, signal: undefined });
    const listening = await start(['-f', confPath, '--root', root, '--listen'], root, pidFile);
    expect(await isTcpOpen(port)).toBe(true);
    expect(await stopDaemon(listening)).toMatchObject({ exitCode: 0 });
    expect(await isTcpOpen(port)).toBe(false);
  });

  it.skipIf(noVirsh !== undefined)(
    'answers virsh over the unix socket, TCP, and read-only on the ro socket',
    async () => {
      const { root, confPath, port, pidFile } = await setUp();
      await start(['-f', confPath, '--root', root, '-l'], root, pidFile);
      const unix = `qemu+unix:///system?socket=${root}/run/libvirt-sock`;
      expect(await virsh(unix, 'list', '--all')).toBe(' Id   Name   State\n--------------------\n\n');
      expect(await virsh(`qemu+tcp://127.0.0.1:${port}/system`, 'version')).toMatch(
        /^Compiled against library: libvirt [\d.]+\nUsing library: libvirt [\d.]+\nUsing API: QEMU [\d.]+\nRunning hypervisor: QEMU 7\.\d+\.\d+\n/,
      );
      const roUri = `qemu+unix:///system?socket=${root}/run/libvirt-sock-ro`;
      expect(await virsh(roUri, '-r', 'list', '--all')).toContain(' Id   Name   State');
      await writeFile(join(root, 'x.xml'), buildBootSectorXml('ro1', join(root, 'none.img')));
      const refused = await run(['virsh', '-c', roUri, '-r', 'define', join(root, 'x.xml')]).catch(
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(CommandFailedError);
      expect((refused as CommandFailedError).stderr).toMatch(/operation forbidden|read only|denied/i);
    },
  );

  it.skipIf(noVirsh !== undefined || noGuest !== undefined)(
    'on SIGTERM exits 0 and removes its files while the guest runs on; a restarted daemon re-adopts it',
    async () => {
      const { root, confPath, pidFile } = await setUp();
      const image = join(root, 'boot.img');
      copyFileSync(guestPaths().bootSectorImage, image);
      await writeFile(join(root, 'g.xml'), buildBootSectorXml('keep1', image));
      const args = ['-f', confPath, '--root', root];
      const first = await start(args, root, pidFile);
      const uri = `qemu+unix:///system?socket=${root}/run/libvirt-sock`;
      await virsh(uri, 'define', join(root, 'g.xml'));
      await virsh(uri, 'start', 'keep1');
      const qemuPid = Number((await readFile(join(root, 'run', 'qemu', 'keep1.pid'), 'utf8')).trim());
      expect(isAlive(qemuPid)).toBe(true);
      expect(await stopDaemon(first)).toEqual({ exitCode: 0, signal: undefined });
      for (const f of ['libvirt-sock', 'libvirt-sock-ro', 'tsvirtd.pid'])
        expect(existsSync(join(root, 'run', f))).toBe(false);
      expect(isAlive(qemuPid)).toBe(true);
      await start(args, root, pidFile);
      expect(await virsh(uri, 'domstate', 'keep1')).toBe('running\n\n');
      expect(Number((await readFile(join(root, 'run', 'qemu', 'keep1.pid'), 'utf8')).trim())).toBe(qemuPid);
      await virsh(uri, 'destroy', 'keep1');
      await waitUntil(() => !isAlive(qemuPid), 10_000, `qemu ${qemuPid} to exit`);
    },
  );

  it('refuses a second daemon on the same root, naming the first', async () => {
    const { root, confPath, pidFile } = await setUp();
    const first = await start(['-f', confPath, '--root', root], root, pidFile);
    const second = await run([process.execPath, TSVIRTD_JS, '-f', confPath, '--root', root]).catch(
      (e: unknown) => e,
    );
    expect(second).toBeInstanceOf(CommandFailedError);
    expect((second as CommandFailedError).exitCode).toBe(1);
    expect((second as CommandFailedError).stderr).toBe(
      `error: ${pidFile}: another tsvirtd runs (pid ${first.child.pid}); stop it first (kill ${first.child.pid}) or use another --root and -p\n`,
    );
    expect(isAlive(first.child.pid)).toBe(true);
    expect(await readFile(pidFile, 'utf8')).toBe(`${first.child.pid}\n`);
  });

  it('with -d returns once a detached daemon serves, and that daemon stops on SIGTERM', async () => {
    const { root, confPath, pidFile } = await setUp();
    const r = await run([process.execPath, TSVIRTD_JS, '-d', '-f', confPath, '--root', root], {
      timeoutMs: 30_000,
    });
    expect(r.exitCode).toBe(0);
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    expect(isAlive(pid)).toBe(true);
    expect((await stat(join(root, 'run', 'libvirt-sock'))).isSocket()).toBe(true);
    process.kill(pid, 'SIGTERM');
    await waitUntil(() => !isAlive(pid) && !existsSync(pidFile), 15_000, `detached tsvirtd ${pid} to exit`);
  });

  it('with -t exits by itself after that many idle seconds', async () => {
    const { root, confPath, pidFile } = await setUp();
    const d = await start(['-f', confPath, '--root', root, '-t', '1'], root, pidFile);
    await waitUntil(() => d.exit !== undefined, 10_000, 'the idle daemon to exit');
    expect(d.exit).toEqual({ exitCode: 0, signal: undefined });
    expect(existsSync(pidFile)).toBe(false);
  });

  it('serves the WebSocket API and the page when ws_port is set, and stops them on SIGTERM', async () => {
    const wsPort = await findFreePort();
    const { root, confPath, pidFile } = await setUp(`ws_port = ${wsPort}\nws_page = 1\n`);
    const d = await start(['-f', confPath, '--root', root], root, pidFile);
    const page = await fetch(`http://127.0.0.1:${wsPort}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const conn = await WsConnection.connect(`ws://127.0.0.1:${wsPort}/api`);
    try {
      expect((await conn.listAllStoragePools()).map((p) => p.name)).toEqual(['default']);
      expect(await conn.getType()).toBe('QEMU');
    } finally {
      await conn.close();
    }
    await stopDaemon(d);
    daemons.splice(daemons.indexOf(d), 1);
    expect(await isTcpOpen(wsPort)).toBe(false);
  });
});
